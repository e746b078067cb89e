"""The env's `world=` option and its seeded resets: each episode its own game, reproducible from one seed."""

from pathlib import Path

import pytest

from shared.errors import ConfigError
from shared.game.config import Goal
from tests.gym.helpers import MakeEnv, crystal


def test_the_world_option_picks_the_demo_world_and_its_episodes(make_env: MakeEnv) -> None:
    core = crystal(make_env(world="johto")).core
    assert core.machine.rom.world == "johto" and core.machine.rom.path.name == "demo-johto.gbc"
    assert (core.goal, core.episode_steps) == (Goal.BADGE, 5_000)
    assert core.state.map_name == "Players House 1F"
    tiny = crystal(make_env(world="tiny")).core
    assert tiny.machine.rom.world == "tiny" and tiny.episode_steps == 1_000


def test_a_rom_and_a_world_together_are_one_clear_error(make_env: MakeEnv, demo_rom: Path) -> None:
    with pytest.raises(ConfigError, match=r"give a rom or a world, not both .*world='johto'"):
        make_env(rom=demo_rom, world="johto")
    with pytest.raises(ConfigError, match="unknown world 'kanto': one of tiny, johto"):
        make_env(world="kanto")


def test_resets_are_seeded_from_the_first_seed_and_one_seed_is_one_start(make_env: MakeEnv) -> None:
    first, second = make_env(world="johto"), make_env(world="johto")
    seeds = []
    for env in (first, second):
        _, info = env.reset(seed=7)
        drawn = [env.reset()[1]["seed"] for _ in range(3)]
        seeds.append((info["seed"], *drawn))
    assert seeds[0] == seeds[1] and seeds[0][0] == 7 and len(set(seeds[0])) == 4
    state = crystal(first).save_state()
    _, info = first.reset(options={"state": state})
    assert info["seed"] is None  # a save state given without a seed is played as it is
    first.reset(seed=300)
    second.reset(seed=300)
    assert crystal(first).core.machine.small_screen() == crystal(second).core.machine.small_screen()
