"""The world registry, building each world's ROM, and the command line's --world / --list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cartridge.build import ensure_built
from cartridge.errors import CartridgeError
from cartridge.rom import global_checksum, header_checksum
from cartridge.worlds import WORLDS, get_world


def test_johto_builds_its_own_rom_beside_the_tiny_one(tmp_path: Path) -> None:
    tiny = ensure_built(tmp_path, world="tiny")
    johto = ensure_built(tmp_path)  # the default world
    assert (tiny.name, johto.name) == ("demo.gbc", "demo-johto.gbc")
    rom = johto.read_bytes()
    assert rom[0x134:0x143].rstrip(b"\0").decode() == get_world("johto").title == "CRYSTAL RLJ"
    assert tiny.read_bytes()[0x134:0x143].rstrip(b"\0").decode() == "CRYSTAL RL"
    assert rom[0x143] == 0xC0 and rom[0x147] == 0x10  # CGB only, MBC3 + timer + RAM + battery
    assert len(rom) == 0x8000 << rom[0x148]
    assert rom[0x14D] == header_checksum(rom)
    assert int.from_bytes(rom[0x14E:0x150], "big") == global_checksum(rom)
    assert ensure_built(tmp_path, world="johto") == johto  # a cache hit the second time


def test_an_unknown_world_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(CartridgeError, match="no world called 'kanto'; the demo cartridge has: tiny, johto"):
        ensure_built(tmp_path, world="kanto")


def test_command_line_lists_and_builds_worlds(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "cartridge", "--list"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert [line.split()[0] for line in listed] == list(WORLDS)
    built = subprocess.run(
        [sys.executable, "-m", "cartridge", "--world", "johto", "--build-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert built.stdout.strip() == str(tmp_path / "demo-johto.gbc")
    wrong = subprocess.run(
        [sys.executable, "-m", "cartridge", "--world", "nowhere", "--build-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 1 and "no world called 'nowhere'" in wrong.stderr
