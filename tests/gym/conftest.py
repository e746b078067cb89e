"""Fixtures for the Gymnasium env's tests: envs made by id on the demo cartridge, a boot cache per session."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium
import pytest

from crystal_rl import ENV_ID
from tests.gym.helpers import MakeEnv


@pytest.fixture(scope="session")
def boot_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One boot cache for the session's envs, never the user's own."""
    return tmp_path_factory.mktemp("boot-cache")


@pytest.fixture
def make_env(boot_cache: Path, demo_rom: Path) -> Iterator[MakeEnv]:
    """`gymnasium.make` of the registered id (the demo cartridge's tiny world unless `rom=` or `world=` is given);
    closed after the test."""
    envs: list[gymnasium.Env] = []

    def make(**kwargs: Any) -> gymnasium.Env:
        kwargs.setdefault("boot_cache_dir", boot_cache)
        if "rom" not in kwargs:
            kwargs.setdefault("world", "tiny")
        env = gymnasium.make(ENV_ID, **kwargs)
        envs.append(env)
        return env

    yield make
    for env in envs:
        env.close()
