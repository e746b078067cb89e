"""Stable-Baselines3 learns on the env, and Gymnasium's AsyncVectorEnv runs it in worker processes."""

from collections.abc import Iterator
from pathlib import Path

import gymnasium
import numpy as np
import pytest
import torch
from stable_baselines3 import DQN, PPO

from crystal_rl import ENV_ID
from shared.game.features import N_FEATURES
from tests.gym.helpers import MakeEnv


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """The tests share two cores: one thread trains as fast and leaves the other to the emulator."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _valid_actions(model: DQN | PPO, env: gymnasium.Env) -> None:
    obs, _ = env.reset(seed=1)
    for _ in range(5):
        action, _ = model.predict(obs, deterministic=True)
        assert env.action_space.contains(int(action))
        obs, *_ = env.step(action)


@pytest.mark.timeout(180)
def test_dqn_learns_a_few_hundred_steps(make_env: MakeEnv) -> None:
    env = make_env(buttons="no_select", max_episode_steps=100)
    model = DQN(
        "MultiInputPolicy", env, learning_starts=50, buffer_size=1000, batch_size=32, train_freq=4,
        seed=0, device="cpu",
    )  # fmt: skip
    model.learn(total_timesteps=300)
    assert model.num_timesteps == 300 and model._n_updates > 0
    _valid_actions(model, env)


@pytest.mark.timeout(180)
def test_ppo_learns_a_few_hundred_steps(make_env: MakeEnv) -> None:
    env = make_env(max_episode_steps=100)
    model = PPO("MultiInputPolicy", env, n_steps=128, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps == 256
    _valid_actions(model, env)


@pytest.mark.timeout(120)
def test_async_vector_env_steps_and_resets(tmp_path: Path, demo_rom: Path) -> None:
    """Both workers start on an empty boot cache at once: both boot, each writes the cache whole."""
    cache = tmp_path / "boot"

    def make() -> gymnasium.Env:
        return gymnasium.make(ENV_ID, boot_cache_dir=cache, max_episode_steps=6)

    envs = gymnasium.vector.AsyncVectorEnv([make, make])
    try:
        obs, info = envs.reset(seed=3)
        assert obs["screen"].shape == (2, 72, 80, 1) and obs["features"].shape == (2, N_FEATURES)
        assert info["action_mask"].shape == (2, 8)
        truncations = []
        for _ in range(8):
            obs, rewards, _, truncated, info = envs.step(envs.action_space.sample())
            assert envs.observation_space.contains(obs) and rewards.shape == (2,)
            truncations.append(truncated.tolist())
        assert truncations[5] == [True, True]
        obs, _ = envs.reset(seed=4)
        assert np.array_equal(obs["screen"][0], obs["screen"][1])
    finally:
        envs.close()
    assert [path.suffix for path in cache.iterdir()] == [".state"]
