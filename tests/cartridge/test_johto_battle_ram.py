"""The battle's RAM table against the public symbol file, and its scratch inside the region reserved for it."""

from __future__ import annotations

import itertools
from pathlib import Path

from cartridge.johto import ram as world_ram
from cartridge.johto.battle import ram as r
from shared.game.symbols import parse_symbols

SYM = Path(__file__).parent / "data" / "crystal-battle.sym"


def test_every_crystal_variable_sits_at_the_symbol_files_address() -> None:
    symbols = parse_symbols(SYM.read_text(), str(SYM))
    for var in r.CRYSTAL.values():
        assert var.name in symbols, f"{var.name} is not in {SYM.name}"
        bank, address = symbols[var.name]
        assert address == var.addr, f"{var.name}: 0x{var.addr:04x} in the table, 0x{address:04x} in Crystal"
        if 0xD000 <= address < 0xE000:
            assert bank == var.bank, f"{var.name}: WRAM bank {var.bank} in the table, {bank} in Crystal"


def test_the_scratch_is_inside_the_region_the_world_reserves_and_overlaps_nothing() -> None:
    region = world_ram.BATTLE_SCRATCH
    assert (region.bank, region.start, region.end) == (0, r.SCRATCH_START, r.SCRATCH_END)
    spans = sorted((v.addr, v.end, v.name) for v in r.SCRATCH.values())
    assert spans[0][0] >= region.start and spans[-1][1] <= region.end
    for (_start, end, name), (start, _end, other) in itertools.pairwise(spans):
        assert end <= start, f"{name} overlaps {other}"
    for var in r.CRYSTAL.values():
        assert not (var.addr < 0xC200 and var.end > 0xC100), f"{var.name} is inside the battle's scratch"
