"""The env keeps Gymnasium's contract: the checker passes, it is made by id both ways, its spaces say what comes."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.preprocessing import is_image_space

from crystal_rl import ENV_ID
from crystal_rl.env import FEATURE_HIGH, FULL_SCREEN_SHAPE, CrystalEnv
from shared.game.features import FEATURE_NAMES, state_features
from shared.game.state import BattleState, GameState, PartyMon
from tests.gym.helpers import MakeEnv, action_of, crystal

REPO = Path(__file__).resolve().parents[2]


def test_check_env_passes_without_a_warning(make_env: MakeEnv) -> None:
    env = make_env()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_made_by_id_after_importing_the_package(make_env: MakeEnv) -> None:
    env = make_env()
    assert env.spec is not None and env.spec.id == ENV_ID
    assert isinstance(env.unwrapped, CrystalEnv)
    assert crystal(env).rom.title == "CRYSTAL RL"


def test_made_by_module_and_id_without_importing_the_package(boot_cache: Path) -> None:
    script = (
        "import sys, gymnasium\n"
        "assert 'crystal_rl' not in sys.modules\n"
        f"env = gymnasium.make('crystal_rl:{ENV_ID}', boot_cache_dir={str(boot_cache)!r})\n"
        "obs, info = env.reset(seed=0)\n"
        "print(type(env.unwrapped).__name__, obs['screen'].shape, env.action_space)\n"
        "env.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "CrystalEnv (72, 80, 1) Discrete(8)"


def test_spaces_are_an_image_and_bounded_features(make_env: MakeEnv) -> None:
    env = make_env()
    screen, features = env.observation_space["screen"], env.observation_space["features"]
    assert is_image_space(screen, check_channels=True)
    assert screen.shape == (72, 80, 1) and screen.dtype == np.uint8
    assert features.shape == (len(FEATURE_NAMES),) and features.dtype == np.float32
    assert np.all(features.low == 0) and np.all(np.isfinite(features.high))
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)


def test_screen_is_the_learners_small_screen(make_env: MakeEnv) -> None:
    env = make_env()
    obs, _ = env.reset(seed=0)
    machine = crystal(env).core.machine
    assert np.array_equal(obs["screen"][:, :, 0], machine.small_screen_array())
    assert np.array_equal(obs["features"], state_features(machine.state()))


def test_feature_bounds_are_what_the_ram_allows() -> None:
    """At the RAM's extremes every feature lies in its bound, and the bounds that are not 1 are reached."""
    mons = tuple(PartyMon(species=1, level=255, hp=0xFFFF, max_hp=int(i == 0), status=0, exp=0) for i in range(6))
    top = GameState(
        map_group=255, map_number=255, x=255, y=255, facing="down", money=0, johto_badges=0xFF, kanto_badges=0xFF,
        party=mons, battle=BattleState(mode=2), text_open=True, menu_open=True, script_running=True,
    )  # fmt: skip
    bottom = GameState(map_group=0, map_number=0, x=0, y=0, facing="up", money=0, johto_badges=0, kanto_badges=0)
    high, low = state_features(top), state_features(bottom)
    assert np.all(high <= FEATURE_HIGH) and np.all(low >= 0)
    reached = {name for name, value, bound in zip(FEATURE_NAMES, high, FEATURE_HIGH, strict=True) if value == bound}
    assert {name for name, bound in zip(FEATURE_NAMES, FEATURE_HIGH, strict=True) if bound != 1} <= reached


@pytest.mark.parametrize(
    ("buttons", "names"),
    [
        ("all", ["a", "b", "start", "select", "up", "down", "left", "right"]),
        ("no_select", ["a", "b", "start", "up", "down", "left", "right"]),
        (("up", "DOWN", "a"), ["up", "down", "a"]),
    ],
)
def test_buttons_make_the_action_space(make_env: MakeEnv, buttons: object, names: list[str]) -> None:
    env = make_env(buttons=buttons)
    assert env.action_space.n == len(names)
    assert [b.value for b in crystal(env).buttons] == names
    _, info = env.reset(seed=0)
    assert info["action_mask"].shape == (len(names),) and info["action_mask"].dtype == bool


def test_info_carries_what_was_played_and_scored(make_env: MakeEnv) -> None:
    env = make_env()
    _, info = env.reset(seed=0)
    assert set(info) == {"action_mask", "episode_step", "map_id", "badges", "breakdown", "facts", "start_state", "seed"}
    assert info["start_state"] == "start" and info["seed"] == 0
    _, reward, _, _, info = env.step(action_of(env, "left"))
    assert set(info) == {"action_mask", "episode_step", "map_id", "badges", "breakdown", "facts", "button", "by_rules"}
    assert (info["button"], info["by_rules"], info["episode_step"]) == ("left", False, 1)
    assert info["facts"]["new_tile"] is True and info["breakdown"] == {"new_tile": pytest.approx(reward)}
    assert info["map_id"] == (24, 4) and info["badges"] == 0


def test_render_gives_the_full_screen(make_env: MakeEnv) -> None:
    env = make_env(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert isinstance(frame, np.ndarray) and frame.shape == FULL_SCREEN_SHAPE and frame.dtype == np.uint8
    assert env.metadata["render_fps"] == pytest.approx(59.73 / 24, rel=1e-3)
    plain = make_env()
    plain.reset(seed=0)
    assert plain.render() is None


def test_the_command_imports_without_gymnasium() -> None:
    script = "import sys\nsys.modules['gymnasium'] = None\nimport crystal_rl.cli\nprint('imported')\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"
