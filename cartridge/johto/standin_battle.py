"""A stand-in ``battle_main`` until the battle engine (branch ``battle``) is merged: one page, then a win.

It keeps the contract's entry and exit (``kernel.py``'s neighbours): entered with ``wBattleMode``
1 (wild: ``wTempWildMonSpecies``, ``wCurPartyLevel``) or 2 (trainer: ``wOtherTrainerClass``,
``wOtherTrainerID``), it shows one text page that needs A, and returns with ``wBattleResult`` 0
(win) and ``wBattleMode`` 0, nothing else changed. The merge deletes this module and
``program.py`` calls the battle package's ``emit_battle`` / ``emit_battle_data`` instead.
"""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto.engine.macros import load, put
from cartridge.sm83 import Assembler


def emit_battle(asm: Assembler) -> None:
    """``battle_main``, in the battle's bank."""
    asm.label("battle_main")
    asm.ld("de", "standin_battle_wild_text")
    load(asm, r.addr("wBattleMode"))
    asm.cp(r.BATTLE_TRAINER)
    asm.jr("nz", "battle_main.text")
    asm.ld("de", "standin_battle_trainer_text")
    asm.label("battle_main.text")
    asm.call("print_text_page")
    put(asm, r.addr("wBattleResult"), r.RESULT_WIN)
    put(asm, r.addr("wBattleMode"), r.BATTLE_NONE)
    asm.ret()


def emit_battle_data(asm: Assembler) -> None:
    """The stand-in's two texts."""
    asm.label("standin_battle_wild_text")
    asm.db(ch.encode_page("A wild POKéMON!\fIt ran away. You\nwin the battle.", "standin wild", end="prompt"))
    asm.label("standin_battle_trainer_text")
    asm.db(ch.encode_page("A trainer battle!\fThe trainer's\nPOKéMON fainted.", "standin trainer", end="prompt"))
