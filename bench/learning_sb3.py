"""Stable-Baselines3's `DQN` on the Gymnasium env, set up as the system's learner: what a user would run instead.

The same game (cartridge, step, goal, episode length, reward weights, the learner's buttons:
the seven of its default `no_select`), the same observation (four stacked 72x80 screens and the 19 state
features), the same network and the same hyperparameters, all read from one `LearnerSettings`:

- the network is the learner's `QNetwork` itself: its convolutions and its screen and feature
  layers are SB3's features extractor (`QNetworkExtractor`), and SB3's `net_arch=[256]` adds the
  same head (320 → 256 → one Q-value per button);
- VecFrameStack stacks the features too (4 × 19); the extractor reads only the newest 19, as the
  learner does;
- SB3 counts the target network's interval in env steps, the learner in updates: one update per
  `train_every` env steps, so SB3's interval is `target_update_every * train_every`;
- what stays different is what SB3's DQN is: no Double DQN, no legal-action mask (a forbidden
  button is replaced by the rules in the env), seven outputs instead of eight, and 1-step
  targets only: SB3 2.9 refuses n-step returns (`n_steps`) for Dict observations, where the
  learner adds an n-step loss (`n_step`) beside the 1-step one.

Training stops at each evaluation point only to copy the weights; the greedy episodes are played
afterwards on a separate env, so the wall-clock of training holds no evaluation.
"""

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack
from torch import nn

from bench.learning_episodes import EpisodeLog, Point, marks
from crystal_rl import ENV_ID
from services.dqn_learner.network import QNetwork
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import Button
from shared.game.core import Step
from shared.game.machine import resolve_rom
from shared.game.progress import StepFacts
from shared.settings import GameSettings

Progress = Callable[[str], None]
AGENT = "sb3_dqn"
PROGRESS_EVERY_S = 30.0


class QNetworkExtractor(BaseFeaturesExtractor):
    """The learner's `QNetwork` without its head: stacked screens and the newest features → 320 numbers."""

    def __init__(self, observation_space: gym.spaces.Dict, frame_stack: int) -> None:
        network = QNetwork(frame_stack)
        joined = network.head[0].in_features
        super().__init__(observation_space, features_dim=joined)
        network.head = nn.Identity()
        self.network = network

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        # SB3 hands the screens over as floats 0-255 (normalize_images=False); QNetwork scales them itself
        newest = observations["features"][:, -self.network.n_features :]
        return self.network(observations["screen"], newest)


def make_env(game: GameSettings, boot_cache: Path, buttons: tuple[Button, ...]) -> gym.Env:
    """The Gymnasium env playing the system's game (its goal, episode length, weights, patience and step)
    with the learner's buttons as its action space."""
    rom = resolve_rom(game.rom, world=game.world)  # the game settings' own rule: the demo is known by its header
    return gym.make(
        ENV_ID,
        rom=game.rom,
        world=game.world_name if game.rom is None else None,
        buttons=buttons,
        goal=game.goal_for(rom),
        episode_steps=game.episode_steps_for(rom),
        reward_weights=game.rewards,
        stuck_patience=game.stuck_patience,
        hold_frames=game.hold_frames,
        step_frames=game.step_frames,
        boot_frames=game.boot_frames,
        boot_cache_dir=boot_cache,
    )


def dqn_arguments(hyper: LearnerSettings, budget: int) -> dict[str, Any]:
    """SB3 DQN's arguments for the learner's hyperparameters (same replay ratio, schedule, target, network)."""
    return {
        "learning_rate": hyper.learning_rate,
        "buffer_size": hyper.buffer_capacity,
        "learning_starts": hyper.learning_starts,
        "batch_size": hyper.batch_size,
        "tau": hyper.tau,
        "gamma": hyper.gamma,
        "train_freq": hyper.train_every,
        "gradient_steps": 1,
        "target_update_interval": hyper.target_update_every * hyper.train_every,
        # the learner's epsilon falls over `epsilon_decay_frames` env steps whatever the budget
        "exploration_fraction": hyper.epsilon_decay_frames / budget,
        "exploration_initial_eps": hyper.epsilon_start,
        "exploration_final_eps": hyper.epsilon_end,
        "max_grad_norm": hyper.max_grad_norm,
        "policy_kwargs": {
            "features_extractor_class": QNetworkExtractor,
            "features_extractor_kwargs": {"frame_stack": hyper.frame_stack},
            "net_arch": [256],
            "normalize_images": False,
        },
    }


@dataclass(frozen=True)
class Snapshot:
    fraction: float
    env_steps: int
    updates: int
    wall_s: float
    weights: dict[str, torch.Tensor]


class _Snapshots(BaseCallback):
    """At each evaluation point, a copy of the policy's weights with the env steps, updates and wall-clock."""

    def __init__(self, budget: int, started: float, label: str, progress: Progress) -> None:
        super().__init__()
        self.at = marks(budget)
        self.started = started
        self.label = label
        self.progress = progress
        self.snapshots: list[Snapshot] = []
        self.last_report = started

    def _on_step(self) -> bool:
        now = time.perf_counter()
        fraction = self.at.get(self.num_timesteps)
        if fraction is not None:
            weights = copy.deepcopy(self.model.policy.state_dict())
            self.snapshots.append(
                Snapshot(fraction, self.num_timesteps, self.model._n_updates, now - self.started, weights)
            )
        if fraction is not None or now - self.last_report >= PROGRESS_EVERY_S:
            self.last_report = now
            self.progress(f"{self.label}: {self.num_timesteps:,} steps, {now - self.started:.0f} s")
        return True


class EpisodeRecorder(gym.Wrapper):
    """Sums the env's episodes the one way (`EpisodeRecord`), from what its `info` says and its core's state."""

    def __init__(self, env: gym.Env, log: EpisodeLog) -> None:
        super().__init__(env)
        self.log = log

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self.log.begin(self.env.unwrapped.core.state)
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        step = Step(
            button=Button(info["button"]),
            by_rules=info["by_rules"],
            view=self.env.unwrapped.core.view,
            facts=StepFacts(**info["facts"]),
            reward=float(reward),
            breakdown=info["breakdown"],
            terminated=terminated,
            truncated=truncated,
        )
        self.log.add(step)
        return obs, reward, terminated, truncated, info


def train(
    game: GameSettings, hyper: LearnerSettings, budget: int, seed: int, boot_cache: Path, progress: Progress
) -> tuple[DQN, list[Snapshot]]:
    """SB3's DQN trained from scratch for `budget` env steps; its weights at each evaluation point."""
    torch.set_num_threads(hyper.torch_threads)  # as the learner's torch: the emulator needs the other core
    started = time.perf_counter()
    env = VecFrameStack(DummyVecEnv([lambda: make_env(game, boot_cache, hyper.playable)]), hyper.frame_stack)
    model = DQN("MultiInputPolicy", env, seed=seed, device="cpu", **dqn_arguments(hyper, budget))
    callback = _Snapshots(budget, started, f"{AGENT} seed {seed}", progress)
    model.learn(total_timesteps=budget, callback=callback)
    env.close()
    return model, callback.snapshots


def evaluate(
    model: DQN,
    snapshot: Snapshot,
    game: GameSettings,
    episodes: int,
    seed: int,
    boot_cache: Path,
    hyper: LearnerSettings,
) -> Point:
    """`episodes` greedy episodes (deterministic=True) of the snapshot's weights, on an env of its own."""
    model.policy.load_state_dict(snapshot.weights)
    log = EpisodeLog(env=AGENT, source="sb3", eval=True, env_steps=snapshot.env_steps)
    env = VecFrameStack(
        DummyVecEnv([lambda: EpisodeRecorder(make_env(game, boot_cache, hyper.playable), log)]), hyper.frame_stack
    )
    env.seed(seed)
    try:
        obs = env.reset()
        while len(log.episodes) < episodes:
            action, _ = model.predict(obs, deterministic=True)  # type: ignore[arg-type]
            obs, *_ = env.step(np.asarray(action))
    finally:
        env.close()
    return Point(
        agent=AGENT,
        seed=seed,
        fraction=snapshot.fraction,
        env_steps=snapshot.env_steps,
        updates=snapshot.updates,
        wall_s=snapshot.wall_s,
        episodes=log.episodes[:episodes],
    )
