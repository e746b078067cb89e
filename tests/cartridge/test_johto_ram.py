"""The Johto world's RAM table against Crystal's symbol file, and its own regions against what the project reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartridge.johto import ram as r
from shared.game.ram_map import ON_DEMAND, RAM

SYM = Path(__file__).parent / "data" / "crystal.sym"


def _symbols() -> dict[str, tuple[int, int]]:
    out = {}
    for line in SYM.read_text().splitlines():
        if line.startswith(";") or not line.strip():
            continue
        where, name = line.split()
        bank, address = where.split(":")
        out[name] = (int(bank, 16), int(address, 16))
    return out


@pytest.mark.parametrize("name", sorted(r.CRYSTAL))
def test_every_crystal_variable_is_at_crystals_address(name: str) -> None:
    var = r.CRYSTAL[name]
    bank, address = _symbols()[name]
    assert address == var.addr, f"{name} in cartridge/johto/ram.py: 0x{var.addr:04x}, Crystal 0x{address:04x}"
    if 0xD000 <= address < 0xE000:  # WRAM0 and HRAM are bank 0 whatever a symbol file writes
        assert bank == var.bank, f"{name}: WRAM bank {var.bank} in the table, {bank} in Crystal"


@pytest.mark.parametrize("name", sorted(n for n, v in r.CRYSTAL.items() if f"{n}End" in _symbols()))
def test_buffers_have_crystals_size(name: str) -> None:
    var = r.CRYSTAL[name]
    assert _symbols()[f"{name}End"][1] - var.addr == var.size


def _overlaps(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """(bank, start, end) ranges; WRAM0 and HRAM are bank 0 and meet any bank number of theirs."""
    same_bank = a[0] == b[0] or a[1] < 0xD000 or b[1] < 0xD000 or a[1] >= 0xFF80 or b[1] >= 0xFF80
    return same_bank and a[1] < b[2] and b[1] < a[2]


@pytest.mark.parametrize("region", r.OWN_REGIONS, ids=lambda region: region.name)
def test_own_regions_hold_nothing_the_project_reads_or_crystal_names_here(region: r.Region) -> None:
    mine = (region.bank, region.start, region.end)
    for var in (*RAM, *ON_DEMAND):
        assert not _overlaps(mine, (var.bank, var.addr, var.addr + var.size)), f"{region.name} overlaps {var.name}"
    for var in r.CRYSTAL.values():
        assert not _overlaps(mine, (var.bank, var.addr, var.addr + var.size)), f"{region.name} overlaps {var.name}"


def test_the_battle_scratch_is_the_contracts() -> None:
    assert (r.BATTLE_SCRATCH.bank, r.BATTLE_SCRATCH.start, r.BATTLE_SCRATCH.end) == (0, 0xC100, 0xC200)


def test_kernel_hram_temporaries_are_inside_their_region() -> None:
    for address in (r.hTempA, r.hTempCarry, r.hTextLine + 1, r.hTilesLeft, r.hTilesDest + 1, r.hBootMagic):
        assert r.KERNEL_HRAM.start <= address < r.KERNEL_HRAM.end
