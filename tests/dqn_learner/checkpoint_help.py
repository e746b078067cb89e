"""Checkpoints for the evaluation's tests, written by the learner's own code."""

from pathlib import Path

import numpy as np
import torch

from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.evaluate import Policy, play_episode
from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX, Button
from shared.game.core import GameCore


def write_checkpoint(
    directory: Path,
    updates: int = 56,
    frames_seen: int = 1234,
    prefer: tuple[Button, ...] = (),
    buttons: str = "no_select",
    explored_features: bool = True,
    story_features: bool = True,
) -> Path:
    """A checkpoint written by the learner's own code, of an untrained agent with the given counters.

    `prefer`: the network's head is zeroed and these buttons get biases 3, 2, 1, ... (in that order), so
    its greedy choice is known whatever it sees. `buttons`, `explored_features`, `story_features`: the learner's
    settings.
    """
    settings = LearnerSettings(buffer_capacity=8, seed=3, buttons=buttons, explored_features=explored_features,
                               story_features=story_features)  # fmt: skip
    learner = Learner(settings, torch.device("cpu"))
    learner.agent.updates = updates
    learner.frames_seen = frames_seen
    if prefer:
        last = learner.agent.q_network.head[-1]
        with torch.no_grad():
            last.weight.zero_()
            last.bias.zero_()
            for rank, button in enumerate(prefer):
                last.bias[BUTTON_INDEX[button]] = float(len(prefer) - rank)
    return save_checkpoint(directory, updates, learner.state_dict(), keep=5)


def features_shown(policy: Policy, core: GameCore) -> list[np.ndarray]:
    """The feature vectors a greedy episode from `core`'s start (seed 0) showed the policy's network, step by step."""
    seen: list[np.ndarray] = []
    act = policy.agent.act

    def watched(screens: np.ndarray, features: np.ndarray, *rest: object) -> tuple:
        seen.append(features[0].copy())
        return act(screens, features, *rest)

    policy.agent.act = watched  # type: ignore[method-assign]
    core.reset(seed=0)
    play_episode(core, policy, 0, np.random.default_rng(0))
    return seen
