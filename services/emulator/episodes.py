"""An episode in progress kept in a save state.

The record itself (`shared.game.episode.EpisodeRecord`) is summed by the step loop and makes
the `Episode` when the episode ends; what is here turns it into a save state's stats and
back, so a restarted emulator goes on with the episode it was in (its steps, return,
milestones and sources, not a fresh count from the restart).
"""

from typing import Any

from shared.game.episode import EpisodeRecord


def record_stats(record: EpisodeRecord, wall_s: float) -> dict[str, Any]:
    """The record as JSON-able stats for a save state's sidecar."""
    return {
        "start_state": record.start_state,
        "steps": record.steps,
        "total_reward": record.total_reward,
        "components": dict(record.components),
        "milestones": dict(record.milestones),
        "sources": dict(record.sources),
        "furthest_map": record.furthest_map,
        "max_badges": record.max_badges,
        "max_level": record.max_level,
        "wall_s": wall_s,
    }


def record_from_stats(stats: dict[str, Any], start_state: str) -> tuple[EpisodeRecord, float]:
    """The record `record_stats` wrote, and the episode's wall-clock seconds so far. A state saved without one
    (a person's save, or one made before episodes were recorded) gives a fresh record begun at `start_state`."""
    record = EpisodeRecord(start_state=str(stats.get("start_state", start_state)))
    record.steps = int(stats.get("steps", 0))
    record.total_reward = float(stats.get("total_reward", 0.0))
    record.components.update({str(k): float(v) for k, v in stats.get("components", {}).items()})
    record.milestones.update({str(k): int(v) for k, v in stats.get("milestones", {}).items()})
    record.sources.update({str(k): int(v) for k, v in stats.get("sources", {}).items()})
    record.furthest_map = str(stats.get("furthest_map", ""))
    record.max_badges = int(stats.get("max_badges", 0))
    record.max_level = int(stats.get("max_level", 0))
    return record, float(stats.get("wall_s", 0.0))
