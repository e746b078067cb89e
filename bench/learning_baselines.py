"""The learning benchmark's baselines: random play and the rule-based policy through the game core, and the
untrained network as a checkpoint.

Random and the rule-based policy do not learn: each plays as many episodes as a greedy point
evaluates, ending as the learners' do, and is drawn as a flat line beside their curves.
"""

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import torch

from bench.learning_episodes import EpisodeLog, Point
from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTONS, Button
from shared.game.core import GameCore
from shared.settings import GameSettings

Progress = Callable[[str], None]
Baseline = Literal["random", "fallback"]


def _random_button(core: GameCore, rng: random.Random, buttons: tuple[Button, ...]) -> Button:
    """Uniform over the learner's buttons that the rules allow now, as the learner explores."""
    legal = [button for button, ok in zip(BUTTONS, core.legal(), strict=True) if ok]
    return rng.choice([button for button in legal if button in buttons] or legal)


def play(
    game: GameSettings,
    agent: Baseline,
    episodes: int,
    seed: int,
    progress: Progress,
    buttons: tuple[Button, ...] = BUTTONS,
) -> Point:
    """`episodes` episodes of random buttons or of the rule-based policy (`core.step(None)`): one point, the
    level of a flat line on the curves (neither learns, so more of its play would only repeat it)."""
    core = GameCore.start(game.game.model_copy(update={"seed": seed}), boot_cache=game.boot_cache)
    rng = random.Random(seed)
    log = EpisodeLog(env=agent, source=agent, eval=False)
    log.begin(core.state)
    started = time.perf_counter()
    try:
        while len(log.episodes) < episodes:
            step = core.step(_random_button(core, rng, buttons) if agent == "random" else None)
            if log.add(step, env_steps=0):
                log.begin(core.reset().state)
    finally:
        core.close()
    progress(f"{agent} seed {seed}: {episodes} episodes, {time.perf_counter() - started:.0f} s")
    return Point(agent=agent, seed=seed, fraction=0.0, env_steps=0, wall_s=0.0, episodes=log.episodes)


def untrained_checkpoint(hyper: LearnerSettings, directory: Path) -> Path:
    """A checkpoint of the learner's network as its seed initialises it, before any update."""
    learner = Learner(hyper.model_copy(update={"buffer_capacity": 1}), torch.device("cpu"))
    return save_checkpoint(directory, 0, learner.state_dict(), keep=1)
