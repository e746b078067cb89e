"""A finished episode as the `episodes` stream's message, and an episode in progress kept in a save state.

The record itself (`shared.game.episode.EpisodeRecord`) is summed by the step loop; what is
here turns it into an `Episode` when the episode ends, and into a save state's stats and
back, so a restarted emulator goes on with the episode it was in (its steps, return,
milestones and sources, not a fresh count from the restart).
"""

from typing import Any

from shared.game.core import Step
from shared.game.episode import EpisodeRecord
from shared.messages import Episode


def episode_message(
    env: str, episode: int, record: EpisodeRecord, last: Step, env_steps: int, wall_s: float
) -> Episode:
    """The `episodes` stream's message for an episode whose `last` step ended it."""
    return Episode(
        env=env,
        episode=episode,
        start_state=record.start_state,
        steps=record.steps,
        env_steps=env_steps,
        total_reward=round(record.total_reward, 6),
        components={name: round(value, 6) for name, value in sorted(record.components.items())},
        milestones=dict(record.milestones),
        furthest_map=record.furthest_map,
        badges=record.max_badges,
        max_level=record.max_level,
        sources=record.source_shares(),
        terminated=last.terminated,
        truncated=last.truncated,
        wall_s=round(max(wall_s, 0.0), 3),
    )


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
