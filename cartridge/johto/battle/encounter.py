"""`try_wild_encounter`: the overworld's grass step asks whether a wild creature jumps out, and which.

Crystal's own draws (`engine/overworld/wildmons.asm`): a random byte below the route's rate for the time of
day starts a battle; then a random byte below 100 (redrawn until it is), plus one, picks the first slot
whose running odds reach it (`pokedata.GRASS_SLOT_PERCENT`). Out: carry set and `wTempWildMonSpecies`,
`wCurPartyLevel` set (`wBattleType` 0) when a battle starts; carry clear otherwise (also on a map without
grass creatures). Reads `wMapGroup`, `wMapNumber`, `wTimeOfDay`.
"""

from __future__ import annotations

from cartridge.johto.battle import kernel as k
from cartridge.johto.battle import ram as r
from cartridge.johto.engine import macros as h
from cartridge.sm83 import Assembler, Mem

ROUTE_ROW = 5 + 3 * 7 * 2


def emit_encounter(asm: Assembler) -> None:
    """try_wild_encounter."""
    asm.label("try_wild_encounter")
    asm.ld("a", Mem(r.addr("wMapGroup")))
    asm.ld("b", "a")
    asm.ld("a", Mem(r.addr("wMapNumber")))
    asm.ld("c", "a")
    asm.ld("hl", "bt_encounters")
    asm.label("try_wild_encounter.find")
    asm.ld("a", "[hl]")
    asm.cp(0xFF)
    asm.jr("z", "try_wild_encounter.none")
    asm.cp("b")
    asm.jr("nz", "try_wild_encounter.next")
    asm.inc("hl")
    asm.ld("a", "[hl-]")
    asm.cp("c")
    asm.jr("z", "try_wild_encounter.found")
    asm.label("try_wild_encounter.next")
    asm.ld("de", ROUTE_ROW)
    asm.add("hl", "de")
    asm.jr("try_wild_encounter.find")
    asm.label("try_wild_encounter.none")
    asm.and_("a")
    asm.ret()
    asm.label("try_wild_encounter.found")
    asm.inc("hl")
    asm.inc("hl")
    asm.ld("a", Mem(r.addr("wTimeOfDay")))
    asm.cp(3)
    asm.jr("c", "try_wild_encounter.time")
    asm.ld("a", 2)  # darkness reads as night
    asm.label("try_wild_encounter.time")
    asm.ld("c", "a")
    h.add_a_to_hl(asm)
    asm.ld("b", "[hl]")  # the rate
    asm.call(k.RANDOM)
    asm.cp("b")
    asm.jr("nc", "try_wild_encounter.none")
    asm.ld("a", 3)  # the time of day's slots: 3 - c rate bytes on, then c x 14
    asm.sub("c")
    h.add_a_to_hl(asm)
    asm.ld("a", "c")
    asm.add("a", "a")
    asm.ld("b", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.sub("b")  # x14
    h.add_a_to_hl(asm)
    asm.label("try_wild_encounter.draw")
    asm.call(k.RANDOM)
    asm.cp(100)
    asm.jr("nc", "try_wild_encounter.draw")
    asm.inc("a")
    asm.ld("b", "a")
    asm.ld("de", "bt_slot_odds")
    asm.label("try_wild_encounter.slot")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp("b")
    asm.jr("nc", "try_wild_encounter.got")
    asm.inc("hl")
    asm.inc("hl")
    asm.jr("try_wild_encounter.slot")
    asm.label("try_wild_encounter.got")
    asm.ld("a", "[hl+]")
    asm.ld(Mem(r.addr("wCurPartyLevel")), "a")
    asm.ld("a", "[hl]")
    asm.ld(Mem(r.addr("wTempWildMonSpecies")), "a")
    h.put(asm, r.addr("wBattleType"), 0)
    asm.scf()
    asm.ret()
