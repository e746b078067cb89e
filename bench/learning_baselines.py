"""The learning benchmark's baselines: random play and the rule-based policy through the game core, and the
untrained network as a checkpoint.

Random and the rule-based policy do not learn: they play the same budget of env steps as the
trained agents, in episodes that end as theirs do, and each quarter of the budget is one point
of their (flat) curves, drawn from the episodes that ended in it.
"""

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import torch

from bench.learning_episodes import EpisodeLog, Point, marks
from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTONS, Button
from shared.game.core import GameCore
from shared.game.settings import GameSettings

Progress = Callable[[str], None]
Baseline = Literal["random", "fallback"]


def _random_button(core: GameCore, rng: random.Random) -> Button:
    """Uniform over the buttons the rules allow now, as the learner explores."""
    return rng.choice([button for button, ok in zip(BUTTONS, core.legal(), strict=True) if ok])


def play(game: GameSettings, agent: Baseline, budget: int, seed: int, progress: Progress) -> list[Point]:
    """`budget` steps of random buttons or of the rule-based policy (`core.step(None)`), one point a quarter."""
    core = game.model_copy(update={"seed": seed}).start_core()
    rng = random.Random(seed)
    at = marks(budget)
    log = EpisodeLog(env=agent, source=agent, eval=False)
    log.begin(core.state)
    points: list[Point] = []
    counted = 0
    started = time.perf_counter()
    try:
        for t in range(1, budget + 1):
            step = core.step(_random_button(core, rng) if agent == "random" else None)
            if log.add(step, env_steps=t):
                log.begin(core.reset().state)
            if t in at:
                fraction = at[t]
                points.append(
                    Point(agent=agent, seed=seed, fraction=fraction, env_steps=t,
                          wall_s=time.perf_counter() - started, episodes=log.episodes[counted:])
                )  # fmt: skip
                counted = len(log.episodes)
                progress(f"{agent} seed {seed}: {t:,} steps, {counted} episodes, {time.perf_counter() - started:.0f} s")
    finally:
        core.close()
    return points


def untrained_checkpoint(hyper: LearnerSettings, directory: Path) -> Path:
    """A checkpoint of the learner's network as its seed initialises it, before any update."""
    learner = Learner(hyper.model_copy(update={"buffer_capacity": 1}), torch.device("cpu"))
    return save_checkpoint(directory, 0, learner.state_dict(), keep=1)
