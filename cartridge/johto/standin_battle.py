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
from cartridge.johto.engine.macros import add_a_to_hl, load, put, store
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


def emit_battle_services(asm: Assembler) -> None:
    """The other routines the overworld far-calls on the battle side, as stand-ins.

    ``try_wild_encounter`` (after a step on tall grass): one step in ten starts a battle with a level 3
    PIDGEY (carry set, ``wTempWildMonSpecies`` and ``wCurPartyLevel`` set). ``add_party_mon`` (b = species,
    c = level): a member with plain numbers (HP 2 x level + 10, TACKLE and LEER). ``restore_party_pp``:
    nothing (the stand-in battle spends none).
    """
    asm.label("try_wild_encounter")
    asm.call("random")
    asm.cp(STANDIN_RATE)
    asm.ret("nc")
    put(asm, r.addr("wTempWildMonSpecies"), STANDIN_WILD[0])
    put(asm, r.addr("wCurPartyLevel"), STANDIN_WILD[1])
    asm.scf()
    asm.ret()

    asm.label("restore_party_pp")
    asm.ret()

    asm.label("add_party_mon")  # b = species, c = level
    load(asm, r.addr("wPartyCount"))
    asm.cp(6)
    asm.ret("nc")
    asm.ld("e", "a")
    asm.inc("a")
    store(asm, r.addr("wPartyCount"))
    asm.ld("hl", r.addr("wPartySpecies"))
    asm.ld("a", "e")
    add_a_to_hl(asm)
    asm.ld("[hl]", "b")
    asm.inc("hl")
    asm.ld("[hl]", 0xFF)
    asm.ld("hl", r.addr("wPartyMon1"))
    asm.ld("a", "e")
    asm.and_("a")
    asm.jr("z", "add_party_mon.struct")
    asm.push("de")
    asm.ld("de", 0x30)
    asm.label("add_party_mon.find")
    asm.add("hl", "de")
    asm.dec("a")
    asm.jr("nz", "add_party_mon.find")
    asm.pop("de")
    asm.label("add_party_mon.struct")
    asm.push("hl")
    asm.ld("a", "b")
    asm.ld("[hl+]", "a")  # species
    asm.inc("hl")  # item
    for move in STANDIN_MOVES:
        asm.ld("[hl]", move)
        asm.inc("hl")
    asm.pop("hl")
    asm.push("hl")
    asm.ld("a", 0x17)  # PP
    add_a_to_hl(asm)
    for pp in STANDIN_PP:
        asm.ld("[hl]", pp)
        asm.inc("hl")
    asm.pop("hl")
    asm.push("hl")
    asm.ld("a", 0x1F)
    add_a_to_hl(asm)
    asm.ld("[hl]", "c")  # level
    asm.inc("hl")
    asm.ld("[hl]", 0)  # status
    asm.inc("hl")
    asm.inc("hl")
    asm.ld("a", "c")
    asm.add("a", "a")
    asm.add("a", 10)  # HP = 2 x level + 10, now and most
    asm.ld("[hl]", 0)
    asm.inc("hl")
    asm.ld("[hl+]", "a")
    asm.ld("[hl]", 0)
    asm.inc("hl")
    asm.ld("[hl+]", "a")
    asm.pop("hl")
    asm.ret()


STANDIN_RATE = 26
"""Out of 256: about one grass step in ten."""
STANDIN_WILD = (16, 3)
"""PIDGEY, level 3."""
STANDIN_MOVES = (33, 43, 0, 0)
STANDIN_PP = (35, 30, 0, 0)
