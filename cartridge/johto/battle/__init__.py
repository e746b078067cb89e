"""The Johto world's battle engine: `emit_battle(asm)` emits its code, `emit_battle_data(asm)` its tables.

Entry points (labels) for the world:

- `battle_main`: in `wBattleMode` 1 (`wTempWildMonSpecies` at `wCurPartyLevel`) or 2 (`wOtherTrainerClass`,
  `wOtherTrainerID`); out `wBattleResult` (0 won, 1 lost, 2 fled; bit 6 caught), `wBattleMode` 0, and the party,
  money, bag and Pokédex updated.
- `try_wild_encounter`: on a grass step, from `wMapGroup`, `wMapNumber`, `wTimeOfDay`; carry set: a battle, with
  `wTempWildMonSpecies` and `wCurPartyLevel` set.
- `add_party_mon`: b = species, c = level joins the party (its DVs from the generator, as Crystal's; moves by
  level; full HP and PP; seen and caught); carry set when it was full, else `wCurPartyMon` is the new member.
- `restore_party_pp`: every party member's PP full again (the world's `heal_party` does HP and status).

All of them are in ROM bank `layout.BATTLE_BANK`: the world reaches them with `farcall`.

It needs the kernel's `delay_frame` and `random` (`kernel.py`), keeps its own variables in C100-C1FF
(`ram.py`) and its arithmetic is `model.py`'s.
"""

from __future__ import annotations

from cartridge.errors import RomError
from cartridge.johto.battle.data import emit_pictures, emit_tables
from cartridge.johto.battle.encounter import emit_encounter
from cartridge.johto.battle.engine import emit_engine
from cartridge.johto.battle.flow import emit_flow
from cartridge.johto.battle.mathlib import emit_math
from cartridge.johto.battle.menus import emit_menus
from cartridge.johto.battle.mons import emit_mons
from cartridge.johto.battle.screen import emit_gfx_loader, emit_screen
from cartridge.johto.battle.text import emit_messages, emit_text_routines
from cartridge.johto.layout import BATTLE_BANK, BATTLE_SPARE_BANK
from cartridge.sm83 import Assembler

ENTRY_POINTS = ("battle_main", "try_wild_encounter", "add_party_mon", "restore_party_pp")


def emit_battle(asm: Assembler) -> None:
    """The battle's code (and its messages), in the battle's bank (`layout.BATTLE_BANK`, open when called)."""
    if asm.bank != BATTLE_BANK:
        raise RomError(f"the battle's code belongs in ROM bank {BATTLE_BANK}, not {asm.bank}")
    emit_flow(asm)
    emit_engine(asm)
    emit_menus(asm)
    emit_screen(asm)
    emit_mons(asm)
    emit_encounter(asm)
    emit_text_routines(asm)
    emit_math(asm)
    emit_messages(asm)


def emit_battle_data(asm: Assembler) -> None:
    """The battle's tables after its code in its bank, then its second bank (`layout.BATTLE_SPARE_BANK`): the
    pictures and their loader. It leaves that bank open: the caller's next section must come after it."""
    emit_tables(asm)
    asm.section(BATTLE_SPARE_BANK)
    emit_gfx_loader(asm)
    emit_pictures(asm)


__all__ = ["ENTRY_POINTS", "emit_battle", "emit_battle_data"]
