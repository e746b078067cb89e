"""Episodes and resets: the episode in progress, its end, and where the next one begins.

The record (`shared.game.episode.EpisodeRecord`) is summed step by step and becomes the
`episodes` stream's `Episode` when the episode ends. A step that ends it (its goal reached, or
its steps run out) is followed by the episode's last frame, with `terminated`/`truncated` set:
nobody is waited on or asked about it (nothing answers a last frame). Then the game is reset to
the next start state (`Resets`: the start state, or a milestone state drawn from the shared
archive ahead of time, so a reset never waits on Redis), exploration is forgotten (the core), the
arbiter drops the old episode's plan and answers, and the planner's history is cleared. Each
episode's start is seeded (`shared.game.core.episode_seed`: the run's seed, the env and the episode's
number), so episodes are different games and a run is reproducible. The step counter goes on across
episodes, one number a frame.

A save state keeps the episode in progress (`stats`, `restore`), so a restarted emulator goes on
with it: its steps, return, milestones and sources, not a fresh count from the restart.
"""

import logging
import time
from typing import Any

from services.emulator.arbiter import Arbiter
from services.emulator.planning import Planning
from services.emulator.resets import Resets
from shared.counters import Counters
from shared.errors import SaveStateError
from shared.game.core import GameCore, Step, episode_seed
from shared.game.episode import EpisodeRecord
from shared.messages import ActionSource, Episode

log = logging.getLogger(__name__)


class Episodes:
    def __init__(
        self, env: str, core: GameCore, resets: Resets, arbiter: Arbiter, planning: Planning, run_seed: int = 0
    ) -> None:
        self.env = env
        self.run_seed = run_seed
        """The run's seed (`--seed`), which each episode's seed is drawn from with the env and its number."""
        self.core = core
        self.resets = resets
        self.arbiter = arbiter
        self.planning = planning
        self.record = EpisodeRecord(start_state=resets.start.name)
        """The episode in progress, summed step by step."""
        self.began = time.monotonic()
        self.counters = Counters("episodes_finished episodes_terminated episodes_truncated")

    def begin(self) -> None:
        """The run's first episode begins at the start state (the app loaded it) and its seed's idle frames."""
        self.core.begin(self.seed_of(self.core.episode))
        self.record.seed = self.core.seed
        self.record.begin(self.core.state)

    def seed_of(self, episode: int) -> int:
        return episode_seed(self.run_seed, self.env, episode)

    def add(self, step: Step, source: ActionSource) -> None:
        self.record.add(step, source.value)

    def finished(self, last: Step, env_steps: int) -> Episode:
        """The episode `last` ended, as the `episodes` stream's message (`env_steps`: the env's step counter)."""
        self.counters.episodes_finished += 1
        if last.terminated:
            self.counters.episodes_terminated += 1
        else:
            self.counters.episodes_truncated += 1
        wall_s = time.monotonic() - self.began
        return Episode.of_record(self.record, self.env, self.core.episode, last, env_steps=env_steps, wall_s=wall_s)

    def reset(self, first_step: int) -> None:
        """A new episode whose first frame is `first_step`, at the next start state. Never waits on Redis: an
        archive state was drawn ahead of time, or the start state is used."""
        start = self.resets.take()
        seed = self.seed_of(self.core.episode + 1)
        try:
            self.core.reset(start.state, start.name, seed=seed)
        except SaveStateError as exc:  # an archive entry of another cartridge, or corrupt: the game goes on
            self.resets.fallbacks += 1
            log.warning("%s; this episode begins at the start state instead", exc)
            start = self.resets.start
            self.core.reset(start.state, start.name, seed=seed)
        self.resets.chosen(start)
        self.record = EpisodeRecord(start_state=start.name, seed=seed)
        self.record.begin(self.core.state)
        self.began = time.monotonic()
        self.planning.new_episode()
        self.arbiter.new_episode(first_step)
        self.resets.look_ahead()

    def stats(self) -> dict[str, Any]:
        """The episode in progress as a save state's stats (JSON-able)."""
        record = self.record
        return {
            "episode_step": self.core.episode_step,
            "episode": {
                "start_state": record.start_state,
                "seed": record.seed,
                "steps": record.steps,
                "total_reward": record.total_reward,
                "components": dict(record.components),
                "milestones": dict(record.milestones),
                "sources": dict(record.sources),
                "anti_stuck": record.anti_stuck,
                "buttons": record.buttons.hex(),
                "furthest_map": record.furthest_map,
                "max_badges": record.max_badges,
                "max_level": record.max_level,
                "wall_s": time.monotonic() - self.began,
            },
        }

    def restore(self, step: int, episode: int, stats: dict[str, Any]) -> None:
        """Go on with the episode a save state was made in (`stats` as `stats()` wrote them; a state saved without
        them, a person's or an old one, begins a fresh record at the start state), its first frame `step` back."""
        self.core.episode = episode
        self.core.episode_step = int(stats.get("episode_step", 0))
        self.arbiter.episode_start = step
        saved = stats.get("episode", {})
        seed = saved.get("seed")
        record = EpisodeRecord(
            start_state=str(saved.get("start_state", self.resets.start.name)), seed=None if seed is None else int(seed)
        )
        self.core.seed = record.seed
        record.steps = int(saved.get("steps", 0))
        record.total_reward = float(saved.get("total_reward", 0.0))
        record.components.update({str(k): float(v) for k, v in saved.get("components", {}).items()})
        record.milestones.update({str(k): int(v) for k, v in saved.get("milestones", {}).items()})
        record.sources.update({str(k): int(v) for k, v in saved.get("sources", {}).items()})
        record.anti_stuck = int(saved.get("anti_stuck", 0))
        record.buttons = bytearray.fromhex(str(saved.get("buttons", "")))
        record.furthest_map = str(saved.get("furthest_map", ""))
        record.max_badges = int(saved.get("max_badges", 0))
        record.max_level = int(saved.get("max_level", 0))
        record.begin(self.core.state)
        self.record = record
        self.began = time.monotonic() - float(saved.get("wall_s", 0.0))
