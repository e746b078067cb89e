"""Which cartridge a ROM is: Crystal's releases by SHA-1, the demo by its build, Gold/Silver refused, others warned."""

import dataclasses
import logging
from pathlib import Path

import pytest

from shared.errors import RomError
from shared.rom import CRYSTAL_SHA1, Cartridge, header_checksum, inspect_rom


def _retitled(demo_rom: Path, tmp_path: Path, title: bytes, name: str = "rom.gbc") -> Path:
    """The demo's bytes under another header title (11 characters at most, as a CGB header has room for)."""
    data = bytearray(demo_rom.read_bytes())
    data[0x134:0x13F] = title.ljust(11, b"\x00")
    data[0x14D] = header_checksum(bytes(data))
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def test_the_demo_is_known_by_the_build_of_this_checkout(demo_rom: Path, johto_rom: Path) -> None:
    info = inspect_rom(demo_rom)
    assert info.cartridge is Cartridge.DEMO and info.cartridge.crystal and info.world == "tiny"
    assert info.describe().startswith("crystal-rl demo cartridge, tiny world (demo.gbc, sha1 ")
    johto = inspect_rom(johto_rom)
    assert johto.cartridge is Cartridge.DEMO and johto.world == "johto" and johto.cartridge.crystal
    assert johto.describe().startswith("crystal-rl demo cartridge, johto world (demo-johto.gbc, sha1 ")


@pytest.mark.parametrize("world", ["tiny", "johto"])
def test_another_build_of_either_world_is_still_the_demo_without_a_warning(
    demo_rom: Path, johto_rom: Path, tmp_path: Path, world: str, caplog: pytest.LogCaptureFixture
) -> None:
    data = bytearray((demo_rom if world == "tiny" else johto_rom).read_bytes())
    data[-1] ^= 0xFF  # past the code: another build's bytes, the same header
    path = tmp_path / "older-demo.gbc"
    path.write_bytes(bytes(data))
    caplog.set_level(logging.WARNING, logger="shared.rom")
    info = inspect_rom(path)
    assert info.cartridge is Cartridge.DEMO_OTHER_BUILD and info.demo and info.cartridge.crystal
    assert info.world == world and f"(another build), {world} world (older-demo.gbc" in info.describe()
    assert not [r for r in caplog.records if r.name == "shared.rom"]


@pytest.mark.parametrize(("sha1", "release"), list(CRYSTAL_SHA1.items()))
def test_crystal_releases_are_known_by_their_published_sha1(demo_rom: Path, sha1: str, release: Cartridge) -> None:
    """No Crystal ROM is in the repository: the published hash stands in for its bytes."""
    info = dataclasses.replace(inspect_rom(demo_rom), title="PM_CRYSTAL", sha1=sha1)
    assert info.cartridge is release and release.crystal and "Crystal" in info.describe()


@pytest.mark.parametrize("title", [b"POKEMON_GLD", b"POKEMON_SLV"])
def test_gold_and_silver_are_refused_with_the_reason(demo_rom: Path, tmp_path: Path, title: bytes) -> None:
    with pytest.raises(RomError, match=r"Gold or Silver.*other addresses.*Give a Pokémon Crystal ROM"):
        inspect_rom(_retitled(demo_rom, tmp_path, title))


def test_any_other_rom_runs_with_one_warning(demo_rom: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _retitled(demo_rom, tmp_path, b"SOME HACK")
    caplog.set_level(logging.WARNING, logger="shared.rom")
    infos = [inspect_rom(path) for _ in range(3)]
    assert {info.cartridge for info in infos} == {Cartridge.OTHER} and not infos[0].cartridge.crystal
    warnings = [r.getMessage() for r in caplog.records if r.name == "shared.rom"]
    assert len(warnings) == 1 and "not a known release of Pokémon Crystal" in warnings[0]
    assert "'SOME HACK'" in warnings[0] and infos[0].sha1 in warnings[0]


def test_a_rom_read_through_a_symbol_file_gets_no_warning(
    demo_rom: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With --symbols the addresses are the hack's own: Crystal's table not applying is no longer a risk."""
    path = _retitled(demo_rom, tmp_path, b"OTHER HACK")
    caplog.set_level(logging.WARNING, logger="shared.rom")
    assert inspect_rom(path, symbols=True).cartridge is Cartridge.OTHER
    assert not [r for r in caplog.records if r.name == "shared.rom"]
