"""The game's episode defaults follow the cartridge, not how its path was given."""

import shutil
from pathlib import Path

from shared.game.config import Goal
from shared.rom import inspect_rom
from shared.settings import GameSettings


def test_the_demo_by_any_path_gets_the_demo_episodes(demo_rom: Path, tmp_path: Path) -> None:
    """Compose names the demo by a path (`CRL_ROM=/opt/crl/build/demo.gbc`): it is still the demo."""
    copy = tmp_path / "renamed.gbc"
    shutil.copy(demo_rom, copy)
    rom = inspect_rom(copy)
    assert rom.demo
    settings = GameSettings(rom=copy)
    assert settings.goal_for(rom.demo) is Goal.BADGE
    assert settings.episode_steps_for(rom.demo) == 1_000


def test_another_cartridge_has_no_goal_and_no_limit_unless_set(other_rom: Path) -> None:
    rom = inspect_rom(other_rom)
    assert not rom.demo
    settings = GameSettings(rom=other_rom)
    assert settings.goal_for(rom.demo) is Goal.NONE
    assert settings.episode_steps_for(rom.demo) is None
    chosen = GameSettings(rom=other_rom, goal=Goal.NEW_MAP, episode_steps=500)
    assert chosen.goal_for(rom.demo) is Goal.NEW_MAP
    assert chosen.episode_steps_for(rom.demo) == 500
    assert GameSettings(episode_steps=0).episode_steps_for(True) is None


def test_the_demo_builder_writes_the_title_the_settings_look_for() -> None:
    from cartridge.rom import Header
    from shared.rom import DEMO_TITLE

    assert Header().title == DEMO_TITLE
