"""Every child of a run gets the same game settings, so the learner's evaluations play the emulators' game."""

import os
from pathlib import Path

import pytest

from crystal_rl.children import RunOptions, child_env, child_specs
from shared.settings import GameSettings


def as_child(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's environment as a child of the run would have it: the run's variables, no other `CRL_*`."""
    for key in [k for k in os.environ if k.startswith("CRL_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_the_rom_reaches_every_child_in_the_environment_not_one_service_s_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    options = RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, envs=2, rom=Path("roms/crystal.gbc"))
    env = child_env(options)
    assert env["CRL_ROM"] == str(tmp_path / "roms" / "crystal.gbc")  # absolute: a child may run elsewhere
    assert all("--rom" not in spec.argv for spec in child_specs(options))
    as_child(env, monkeypatch)
    assert GameSettings().rom == tmp_path / "roms" / "crystal.gbc"  # what the learner's evaluation reads


def test_the_demo_cartridge_sets_no_rom(tmp_path: Path) -> None:
    assert "CRL_ROM" not in child_env(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path))


def test_the_world_reaches_every_child_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, envs=2, world="tiny")
    env = child_env(options)
    assert env["CRL_WORLD"] == "tiny" and "CRL_ROM" not in env
    assert all("--world" not in spec.argv for spec in child_specs(options))
    as_child(env, monkeypatch)
    assert GameSettings().world_name == "tiny"  # the emulators' and the learner's evaluations' game alike
    assert "CRL_WORLD" not in child_env(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path))


def test_a_symbol_file_reaches_every_child_beside_the_rom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    options = RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, rom=Path("hack.gbc"), symbols=Path("hack.sym"))
    env = child_env(options)
    assert env["CRL_SYMBOLS"] == str(tmp_path / "hack.sym")
    assert all("--symbols" not in spec.argv for spec in child_specs(options))
    as_child(env, monkeypatch)
    assert GameSettings().symbols == tmp_path / "hack.sym"
    assert "CRL_SYMBOLS" not in child_env(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path))
