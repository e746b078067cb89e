"""The game's episode defaults follow the cartridge (a world of the demo, another ROM), not how its path was given."""

import shutil
from pathlib import Path

import pytest

from cartridge.worlds import DEFAULT_WORLD, WORLDS
from shared.errors import ConfigError
from shared.game.config import GameConfig, Goal
from shared.rom import inspect_rom
from shared.settings import GameSettings


def test_the_demo_by_any_path_gets_its_worlds_episodes(demo_rom: Path, tmp_path: Path) -> None:
    """Compose names the demo by a path (`CRL_ROM=/opt/crl/build/demo-johto.gbc`): it is still the demo."""
    copy = tmp_path / "renamed.gbc"
    shutil.copy(demo_rom, copy)
    rom = inspect_rom(copy)
    assert rom.demo and rom.world == "tiny"
    settings = GameSettings(rom=copy, world="johto")  # the ROM wins: its own world's defaults
    assert settings.goal_for(rom) is Goal.BADGE
    assert settings.episode_steps_for(rom) == 1_000


def test_each_world_has_its_own_episode_length(demo_rom: Path) -> None:
    from shared.game.machine import resolve_rom

    johto = resolve_rom(None, world="johto")
    assert johto.world == "johto" and johto.path.name == "demo-johto.gbc"
    assert GameConfig().goal_for(johto) is Goal.BADGE
    assert GameConfig().episode_steps_for(johto) == WORLDS["johto"].episode_steps == 5_000
    assert GameConfig().episode_steps_for(inspect_rom(demo_rom)) == WORLDS["tiny"].episode_steps == 1_000


def test_another_cartridge_has_no_goal_and_no_limit_unless_set(other_rom: Path) -> None:
    rom = inspect_rom(other_rom)
    assert not rom.demo and rom.world is None
    settings = GameSettings(rom=other_rom)
    assert settings.goal_for(rom) is Goal.NONE
    assert settings.episode_steps_for(rom) is None
    chosen = GameSettings(rom=other_rom, goal=Goal.NEW_MAP, episode_steps=500)
    assert chosen.goal_for(rom) is Goal.NEW_MAP
    assert chosen.episode_steps_for(rom) == 500
    assert GameSettings(episode_steps=0).episode_steps_for(rom) is None


def test_the_world_comes_from_crl_world_and_defaults_to_johto(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_WORLD == "johto" and GameSettings().world_name == "johto" and GameSettings().world is None
    monkeypatch.setenv("CRL_WORLD", "Tiny")
    assert GameSettings().world == "tiny" and GameSettings().game.world_name == "tiny"


def test_an_unknown_world_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="world: unknown world 'kanto': one of tiny, johto"):
        GameConfig.checked(world="kanto")


def test_the_demo_builders_write_the_titles_the_settings_look_for() -> None:
    from cartridge.build import build_rom_bytes

    for name, world in WORLDS.items():
        assert build_rom_bytes(name)[0x134:0x143].rstrip(b"\0").decode() == world.title
