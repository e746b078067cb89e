"""Helpers of the Gymnasium env's tests."""

from collections.abc import Callable

import gymnasium

from crystal_rl.env import CrystalEnv

MakeEnv = Callable[..., gymnasium.Env]


def crystal(env: gymnasium.Env) -> CrystalEnv:
    unwrapped = env.unwrapped
    assert isinstance(unwrapped, CrystalEnv)
    return unwrapped


def action_of(env: gymnasium.Env, button: str) -> int:
    """The action index that presses `button` in this env's button set."""
    return [b.value for b in crystal(env).buttons].index(button)
