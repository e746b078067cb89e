"""The learning benchmark's records: episodes summed the one way (`EpisodeRecord`), and points on a learning
curve, summarised as `crystal-rl eval` summarises a checkpoint (`EvalReport`).

Every agent in the benchmark (the system, SB3's DQN, random, the rule-based policy, the
untrained network) is described by the same `Episode` messages the `episodes` stream carries,
so their curves are drawn from one kind of record and compared on one table.
"""

import time
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, computed_field

from services.dqn_learner.evaluate import EvalReport, EvalSummary
from shared.game.core import Step
from shared.game.episode import EpisodeRecord
from shared.game.state import GameState
from shared.messages import Episode

FRACTIONS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
"""Where on the budget each trained agent is evaluated greedily (the issue's 25, 50, 75 and 100 %)."""


def marks(budget: int) -> dict[int, float]:
    """Env step → fraction of the budget, for the four evaluation points."""
    return {max(1, round(budget * fraction)): fraction for fraction in FRACTIONS}


@dataclass
class EpisodeLog:
    """One game's steps in, its finished episodes out: an `EpisodeRecord` per episode, an `Episode` at its end.

    `add` says when an episode ended; the caller then resets the game and calls `begin` with
    the new start's state.
    """

    env: str
    """The agent's name, as the env id of its episodes."""
    source: str
    """Who chose the buttons (`random`, `rules`, `dqn`, `sb3`), unless the rules overrode them."""
    eval: bool
    """Greedy evaluation episodes, rather than the agent's own play."""
    env_steps: int = 0
    """Evaluations: the training steps behind the policy, the x of every episode (its own play gives its own)."""
    episodes: list[Episode] = field(default_factory=list)
    record: EpisodeRecord = field(default_factory=EpisodeRecord)
    started: float = field(default_factory=time.perf_counter)

    def begin(self, state: GameState, start_state: str = "start", seed: int | None = None) -> None:
        self.record = EpisodeRecord(start_state=start_state, seed=seed)
        self.record.begin(state)
        self.started = time.perf_counter()

    def add(self, step: Step, env_steps: int | None = None) -> bool:
        """Count one step; True when it ended the episode (its `Episode` is then in `episodes`)."""
        self.record.add(step, "rules" if step.by_rules else self.source)
        if not (step.terminated or step.truncated):
            return False
        record = self.record
        self.episodes.append(
            Episode.of_record(
                record,
                self.env,
                len(self.episodes),
                step,
                env_steps=self.env_steps if env_steps is None else env_steps,
                wall_s=time.perf_counter() - self.started,
                eval=self.eval,
            )
        )
        return True


class Point(BaseModel):
    """One agent's episodes at one point of its training: greedy evaluations, or a fixed policy's own play."""

    agent: str
    seed: int
    fraction: float = Field(ge=0, le=1)
    """Of the budget (0 for the untrained network)."""
    env_steps: int = Field(ge=0)
    """Env steps of training behind the policy (the checkpoint's own count for the system)."""
    updates: int = Field(default=0, ge=0)
    """Gradient steps behind the policy."""
    wall_s: float = Field(ge=0)
    """Wall-clock from the start of training to this point, evaluations excluded."""
    episodes: list[Episode]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> EvalSummary | None:
        """Milestone rates and steps, returns: what `crystal-rl eval` says of a checkpoint (None without episodes)."""
        if not self.episodes:
            return None
        report = EvalReport(
            checkpoint=self.agent, updates=self.updates, env_steps=self.env_steps, episodes=self.episodes
        )
        return report.summary


def source_shares(episodes: list[Episode]) -> dict[str, float]:
    """Share of the training steps by who chose the button (`dqn`, `sb3`, `rules`, `anti_stuck`, `llm`, ...): each
    finished episode's shares weighed by its steps (a run's unfinished last episode is not in them). The rules' part
    is help the learner had, measured."""
    counts: dict[str, float] = {}
    for episode in episodes:
        for source, share in episode.sources.items():
            counts[source] = counts.get(source, 0.0) + share * episode.steps
    total = sum(counts.values())
    return {source: round(count / total, 4) for source, count in sorted(counts.items())} if total else {}
