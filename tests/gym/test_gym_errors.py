"""Bad input is one clear exception naming the problem: ROMs, save states, buttons, options."""

from pathlib import Path

import gymnasium
import pytest

from crystal_rl import ENV_ID
from shared.errors import ConfigError, RomError, SaveStateError
from tests.gym.helpers import MakeEnv, action_of, crystal


def test_a_missing_rom_is_named(make_env: MakeEnv, tmp_path: Path) -> None:
    with pytest.raises(RomError, match=r"ROM not found: .*nowhere\.gbc"):
        make_env(rom=tmp_path / "nowhere.gbc")


@pytest.mark.parametrize("content", [b"not a rom at all\n", bytes(0x8000)], ids=["text", "zeros"])
def test_a_file_that_is_not_a_rom_is_refused(make_env: MakeEnv, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.gbc"
    path.write_bytes(content)
    with pytest.raises(RomError, match="is not a Game Boy ROM"):
        make_env(rom=path)


def test_a_state_of_another_cartridge_is_refused_and_the_env_plays_on(make_env: MakeEnv, other_rom: Path) -> None:
    other = make_env(rom=other_rom)
    other.reset(seed=0)
    foreign = crystal(other).save_state()

    env = make_env()
    env.reset(seed=0)
    env.step(action_of(env, "left"))
    with pytest.raises(SaveStateError, match="belongs to another cartridge"):
        env.reset(options={"state": foreign})
    _, _, _, _, info = env.step(action_of(env, "left"))
    assert info["button"] == "left"
    _, info = env.reset()
    assert info["map_id"] == (24, 4)


def test_a_corrupt_state_is_refused_and_reset_still_works(make_env: MakeEnv) -> None:
    env = make_env()
    env.reset(seed=0)
    state = crystal(env).save_state()
    with pytest.raises(SaveStateError, match="cannot load save state given to reset"):
        env.reset(options={"state": state[:1000]})
    obs, info = env.reset(options={"state": state})
    assert env.observation_space.contains(obs) and info["map_id"] == (24, 4)


def test_an_unknown_button_names_itself_and_the_known_ones(make_env: MakeEnv) -> None:
    with pytest.raises(ConfigError, match=r"unknown button 'jump': the buttons are a, b, start, select, up, down"):
        make_env(buttons=("a", "jump"))
    with pytest.raises(ConfigError, match=r"unknown button preset 'seven': use one of all, no_select"):
        make_env(buttons="seven")
    with pytest.raises(ConfigError, match="given twice"):
        make_env(buttons=("a", "a"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"goal": "champion"}, "goal: unknown goal 'champion': one of none, first_pokemon"),
        ({"reward_weights": {"badges": 5.0}}, "unknown reward component.*'badges'.*the components are new_tile"),
        ({"reward_weights": {"badge": "lots"}}, "rewards.badge: Input should be a valid number"),
        ({"stuck_patience": 0}, "stuck_patience: Input should be greater than or equal to 2"),
        ({"episode_steps": -1}, "episode_steps: Input should be greater than or equal to 0"),
        ({"hold_frames": 24}, r"hold_frames \(24\) must be smaller than step_frames \(24\)"),
        ({"render_mode": "ansi"}, "unknown render_mode 'ansi'"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*not in the possible render_modes")
def test_bad_options_are_config_errors(make_env: MakeEnv, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_env(**kwargs)


def test_bad_reset_options_and_actions_are_refused(make_env: MakeEnv) -> None:
    env = make_env()
    env.reset(seed=0)
    with pytest.raises(ConfigError, match=r"unknown reset option.*'level'"):
        env.reset(options={"level": 3})
    with pytest.raises(ConfigError, match="must be a save state's bytes or a path"):
        env.reset(options={"state": 42})
    with pytest.raises(SaveStateError, match=r"cannot read save state .*missing\.state"):
        env.reset(options={"state": Path("missing.state")})
    with pytest.raises(ValueError, match="action 8 is not in the action space: 0 to 7"):
        crystal(env).step(8)


def test_a_reward_weight_can_be_changed(make_env: MakeEnv) -> None:
    env = make_env(reward_weights={"new_tile": 1.0})
    env.reset(seed=0)
    _, reward, *_ = env.step(action_of(env, "left"))
    assert reward == 1.0


def test_the_package_registers_the_env_once() -> None:
    import crystal_rl

    crystal_rl._register_env()
    assert gymnasium.spec(ENV_ID).entry_point == "crystal_rl.env:CrystalEnv"
