"""Stable-Baselines3's `DQN` on the Gymnasium env, set up as the system's learner: what a user would run instead.

The same game (cartridge, step, goal, episode length, reward weights, the learner's buttons:
the seven of its default `no_select`), the same start states (the env's archive of milestone
states, `archive=True`, with the system's share of resets drawn from it), the same observation
(four stacked 72x80 screens and the 19 state features), the same network and the same
hyperparameters, all read from one `LearnerSettings`:

- the network is the learner's `QNetwork` itself: its convolutions and its screen and feature
  layers are SB3's features extractor (`QNetworkExtractor`), and SB3's `net_arch=[256]` adds the
  same head (320 → 256 → one Q-value per button);
- the screens are stacked as the learner stacks them (`ScreenStack`): a new episode's stack is its
  first screen repeated, not zeros (SB3's `VecFrameStack` pads with zeros);
- the replay buffer stores the button actually played (`PlayedDQN`): when the rules replaced
  SB3's choice (a forbidden button, the anti-stuck rule), the transition is the rules' button, as
  the system's frames carry the button played;
- SB3 counts the target network's interval in env steps, the learner in updates: one update per
  `train_every` env steps, so SB3's interval is `target_update_every * train_every`;
- what stays different is what SB3's DQN is: no Double DQN, no legal-action mask (a forbidden
  button is replaced by the rules in the env), seven outputs instead of eight, and 1-step
  targets only: SB3 2.9 refuses n-step returns (`n_steps`) for Dict observations, where the
  learner adds an n-step loss (`n_step`) beside the 1-step one. The benchmark's ablations take
  each of these from the system (`one_step`, `no_double`, `no_mask`, and all three: `sb3_targets`).

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
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from torch import nn

from bench.learning_episodes import EpisodeLog, Point, marks
from crystal_rl import ENV_ID
from services.dqn_learner.network import QNetwork
from services.dqn_learner.settings import LearnerSettings
from shared.archive import DEFAULT_SHARE
from shared.buttons import Button
from shared.game.core import Step
from shared.game.machine import resolve_rom
from shared.game.progress import StepFacts
from shared.messages import Episode
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
        return self.network(observations["screen"], observations["features"])


class ScreenStack(gym.Wrapper):
    """The last `k` screens, oldest first, as channels (k stays last: SB3 moves it first for its CNN), and the
    newest features: what the learner's `FrameStacker` gives its network. A new episode's stack is its first
    screen repeated, as the learner (and Atari's wrappers) fill it, where SB3's `VecFrameStack` puts zeros."""

    def __init__(self, env: gym.Env, k: int) -> None:
        super().__init__(env)
        self.k = k
        screen = env.observation_space["screen"]
        self.observation_space = gym.spaces.Dict(
            {
                "screen": gym.spaces.Box(0, 255, (*screen.shape[:2], k), np.uint8),
                "features": env.observation_space["features"],
            }
        )
        self._stack = np.zeros(self.observation_space["screen"].shape, np.uint8)

    def reset(self, **kwargs: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._stack[...] = obs["screen"]  # the first screen in every slot
        return self._observation(obs), info

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._stack[..., :-1] = self._stack[..., 1:]
        self._stack[..., -1:] = obs["screen"]
        return self._observation(obs), reward, terminated, truncated, info

    def _observation(self, obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"screen": self._stack.copy(), "features": obs["features"]}


class SeededResets(gym.Wrapper):
    """Episode i starts from seed `first_seed + i`, as the system's greedy evaluations start theirs (`evaluate`):
    the two learners are evaluated on the same games. SB3's vector env resets without a seed after the first."""

    def __init__(self, env: gym.Env, first_seed: int = 0) -> None:
        super().__init__(env)
        self.next_seed = first_seed

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        kwargs["seed"] = self.next_seed
        self.next_seed += 1
        return self.env.reset(**kwargs)


class PlayedDQN(DQN):
    """SB3's `DQN`, storing the button the game played: the rules may replace the chosen one (a forbidden button,
    the anti-stuck rule), and the transition is what happened, as the system's frames say. A button outside the
    action space (the rules may press SELECT, which the agent does not play) keeps the chosen one, counted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replaced = 0
        """Transitions stored with the rules' button instead of the chosen one."""
        self.unplayable = 0
        """Rules' buttons outside the action space: stored as chosen."""

    def _setup_model(self) -> None:  # called by DQN's __init__, before the lines after its super().__init__()
        super()._setup_model()
        buttons = self.env.get_attr("buttons")[0] if self.env is not None else ()
        self._index: dict[str, int] = {button.value: index for index, button in enumerate(buttons)}

    def _store_transition(
        self,
        replay_buffer: ReplayBuffer,
        buffer_action: np.ndarray,
        new_obs: np.ndarray | dict[str, np.ndarray],
        reward: np.ndarray,
        dones: np.ndarray,
        infos: list[dict[str, Any]],
    ) -> None:
        played = buffer_action.copy()
        for i, info in enumerate(infos):
            if info.get("by_rules"):
                index = self._index.get(info["button"])
                if index is None:
                    self.unplayable += 1
                else:
                    played[i] = index
                    self.replaced += 1
        super()._store_transition(replay_buffer, played, new_obs, reward, dones, infos)


def make_env(
    game: GameSettings,
    boot_cache: Path,
    buttons: tuple[Button, ...],
    archive_share: float | None = None,
    anti_stuck: bool = True,
    *,
    story_features: bool,
) -> gym.Env:
    """The Gymnasium env playing the system's game (its goal, episode length, weights, patience and step)
    with the learner's buttons as its action space; `archive_share` of its resets from its archive of
    milestone states (None: no archive, every episode from the start, as greedy evaluations play); the
    anti-stuck rule on as in training, or off (`anti_stuck`) as greedy evaluations play by default; the story steps'
    features when the learner's settings give them (`story_features`)."""
    rom = resolve_rom(game.rom, world=game.world)  # the game settings' own rule: the demo is known by its header
    archive = {} if archive_share is None else {"archive": True, "archive_share": archive_share}
    return gym.make(
        ENV_ID,
        rom=game.rom,
        world=game.world_name if game.rom is None else None,
        buttons=buttons,
        goal=game.goal_for(rom),
        episode_steps=game.episode_steps_for(rom),
        reward_weights=game.rewards,
        stuck_patience=game.stuck_patience,
        idle_mask=game.idle_mask,
        story_features=story_features,
        hold_frames=game.hold_frames,
        step_frames=game.step_frames,
        boot_frames=game.boot_frames,
        boot_cache_dir=boot_cache,
        anti_stuck=anti_stuck,
        **archive,
    )


def make_training_env(
    game: GameSettings,
    boot_cache: Path,
    hyper: LearnerSettings,
    archive_share: float = DEFAULT_SHARE,
    log: "EpisodeLog | None" = None,
) -> VecEnv:
    """SB3's env: the game with its archive at the system's share, the learner's screen stack, and (with `log`)
    every training episode recorded with who chose its buttons."""

    def build() -> gym.Env:
        played = make_env(game, boot_cache, hyper.playable, archive_share, story_features=hyper.story_features)
        env: gym.Env = ScreenStack(played, hyper.frame_stack)
        return env if log is None else EpisodeRecorder(env, log)

    return DummyVecEnv([build])


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
        self.steps = 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self.log.begin(self.env.unwrapped.core.state, info.get("start_state", "start"), info.get("seed"))
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
        self.steps += 1
        self.log.add(step, env_steps=None if self.log.eval else self.steps)
        return obs, reward, terminated, truncated, info


@dataclass(frozen=True)
class Trained:
    """SB3's training: the model, its weights at the evaluation points, its own episodes, its wall-clock."""

    model: PlayedDQN
    snapshots: list[Snapshot]
    episodes: list[Episode]
    train_s: float


def train(
    game: GameSettings,
    hyper: LearnerSettings,
    budget: int,
    seed: int,
    boot_cache: Path,
    progress: Progress,
    archive_share: float = DEFAULT_SHARE,
) -> Trained:
    """SB3's DQN trained from scratch for `budget` env steps; its weights at each evaluation point."""
    torch.set_num_threads(hyper.torch_threads)  # as the learner's torch: the emulator needs the other core
    started = time.perf_counter()
    log = EpisodeLog(env=AGENT, source="sb3", eval=False)
    env = make_training_env(game, boot_cache, hyper, archive_share, log)
    model = PlayedDQN("MultiInputPolicy", env, seed=seed, device="cpu", **dqn_arguments(hyper, budget))
    callback = _Snapshots(budget, started, f"{AGENT} seed {seed}", progress)
    model.learn(total_timesteps=budget, callback=callback)
    env.close()
    return Trained(model, callback.snapshots, log.episodes, time.perf_counter() - started)


def evaluate(
    model: DQN,
    snapshot: Snapshot,
    game: GameSettings,
    episodes: int,
    seed: int,
    boot_cache: Path,
    hyper: LearnerSettings,
    anti_stuck: bool = False,
) -> Point:
    """`episodes` greedy episodes (deterministic=True) of the snapshot's weights, on an env of its own, with no
    anti-stuck rule unless `anti_stuck`, episode i from seed i (as the system's evaluations)."""
    model.policy.load_state_dict(snapshot.weights)
    log = EpisodeLog(env=AGENT, source="sb3", eval=True, env_steps=snapshot.env_steps)

    def build() -> gym.Env:
        env = make_env(game, boot_cache, hyper.playable, anti_stuck=anti_stuck, story_features=hyper.story_features)
        return EpisodeRecorder(ScreenStack(SeededResets(env), hyper.frame_stack), log)

    env = DummyVecEnv([build])
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
