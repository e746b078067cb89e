"""The learning curve: finished episodes from the `episodes` stream, each with the rolling figures of its time.

Every episode becomes one point (its return, which milestones it reached, its env steps) carrying
the rolling mean of the return and the milestone rates (the share of the last `curve_window`
episodes that reached each milestone) as they stood when it finished, for two scopes: all envs
together, and its own env alone. Training and evaluation episodes roll apart, so greedy
progress is its own series. The figures are computed once, when the episode is read, so a
page draws them as they are and the JSON API and the live updates agree.
"""

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from shared.messages import Episode

ALL_ENVS = "*"
"""The scope of every env together."""


@dataclass
class Rolling:
    """The last `window` episodes of one scope: their returns and the milestones each reached."""

    window: int
    returns: deque[float] = field(init=False)
    reached: deque[frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.returns = deque(maxlen=self.window)
        self.reached = deque(maxlen=self.window)

    def add(self, total_reward: float, reached: frozenset[str]) -> dict[str, Any]:
        """Take one episode; the scope's figures including it."""
        self.returns.append(total_reward)
        self.reached.append(reached)
        n = len(self.returns)
        names = set().union(*self.reached)
        rates = {name: round(sum(name in r for r in self.reached) / n, 4) for name in sorted(names)}
        return {"n": n, "mean": round(sum(self.returns) / n, 4), "rates": rates}


class LearningCurve:
    """The newest `capacity` episodes as points, and the rolling state of each (scope, eval) pair."""

    def __init__(self, capacity: int, window: int) -> None:
        self.window = window
        self.points: deque[dict[str, Any]] = deque(maxlen=capacity)
        self.skipped = 0
        """Entries of the stream that were not an episode (undecodable, or another kind): skipped, counted."""
        self.version = 0
        self._rolling: dict[tuple[str, bool], Rolling] = {}

    def add(self, entry_id: str, episode: Episode) -> dict[str, Any]:
        """One finished episode, in stream order; its point."""
        reached = frozenset(episode.milestones)
        rolling = {
            "all": self._scope(ALL_ENVS, episode.eval).add(episode.total_reward, reached),
            "env": self._scope(episode.env, episode.eval).add(episode.total_reward, reached),
        }
        point = {
            "id": entry_id,
            "env": episode.env,
            "episode": episode.episode,
            "eval": episode.eval,
            "env_steps": episode.env_steps,
            "updates": episode.updates,
            "steps": episode.steps,
            "return": round(episode.total_reward, 4),
            "reached": sorted(reached),
            "terminated": episode.terminated,
            "truncated": episode.truncated,
            "start_state": episode.start_state,
            "furthest_map": episode.furthest_map,
            "badges": episode.badges,
            "ts": round(episode.ts, 3),
            "wall_s": round(episode.wall_s, 3),
            "rolling": rolling,
        }
        self.points.append(point)
        self.version += 1
        return point

    def skip(self) -> None:
        self.skipped += 1
        self.version += 1

    def _scope(self, env: str, evaluation: bool) -> Rolling:
        key = (env, evaluation)
        rolling = self._rolling.get(key)
        if rolling is None:
            rolling = self._rolling[key] = Rolling(self.window)
        return rolling

    def selection(
        self, env: str | None = None, evaluation: bool | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Points, oldest first, of one env (None: all) and one kind (None: training and eval), the newest `limit`."""
        found = [
            p
            for p in self.points
            if (env is None or p["env"] == env) and (evaluation is None or p["eval"] is evaluation)
        ]
        return found[-limit:] if limit else found

    def payload(self, points: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """What a page needs to draw the curve (every point kept, unless `points` are given)."""
        return {
            "window": self.window,
            "kept": self.points.maxlen,
            "skipped": self.skipped,
            "envs": sorted({p["env"] for p in self.points}),
            "episodes": list(self.points) if points is None else points,
        }
