"""The battle's scratch inside the region the world reserves for it (its Crystal variables are the world's table,
checked against the symbol file in `test_johto_ram.py`)."""

from __future__ import annotations

import itertools

from cartridge.johto import ram as world_ram
from cartridge.johto.battle import ram as r


def test_the_scratch_is_inside_the_region_the_world_reserves_and_overlaps_nothing() -> None:
    region = world_ram.BATTLE_SCRATCH
    assert (region.bank, region.start, region.end) == (0, r.SCRATCH_START, r.SCRATCH_END)
    spans = sorted((v.addr, v.end, v.name) for v in r.SCRATCH.values())
    assert spans[0][0] >= region.start and spans[-1][1] <= region.end
    for (_start, end, name), (start, _end, other) in itertools.pairwise(spans):
        assert end <= start, f"{name} overlaps {other}"
    for var in r.CRYSTAL.values():
        assert not (var.addr < 0xC200 and var.end > 0xC100), f"{var.name} is inside the battle's scratch"
