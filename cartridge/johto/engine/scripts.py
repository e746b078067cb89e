"""The script interpreter (``run_script``, hl = script in the map bank) and what its commands change.

Bank 0. Each command (``script.py`` lists them) is a handler that takes hl = its arguments and goes
back to the loop with hl = the next command; ``end`` returns. ``wScriptRunning`` is 1 while a script
runs, ``wScriptPos`` (D43A) holds its place between a command and its handler, ``wScriptVar`` (C2DD)
its one result. The bag (``give_item`` / ``take_item`` / ``check_item``: b = item, c = quantity) keeps
Crystal's pockets: ``wItems`` and ``wBalls`` as (id, quantity) pairs, ``wKeyItems`` as ids, each with
its count before and 0xFF after. The party: ``heal_party``; new members come from the battle side's
``add_party_mon`` (b = species, c = level), which knows the species.
"""

from __future__ import annotations

from cartridge.johto import ram as r
from cartridge.johto import script as op
from cartridge.johto.data import constants as c
from cartridge.johto.engine.macros import add_a_to_hl, farcall, load, put, store
from cartridge.johto.engine.overworld import MO_FLAG, OBJ_DIRECTION, wv
from cartridge.sm83 import Assembler

HANDLERS = {
    op.END: "cmd_end",
    op.TEXT: "cmd_text",
    op.CLOSE: "cmd_close",
    op.YESNO: "cmd_yesno",
    op.IF_TRUE: "cmd_if_true",
    op.IF_FALSE: "cmd_if_false",
    op.CHECK_FLAG: "cmd_check_flag",
    op.SET_FLAG: "cmd_set_flag",
    op.CLEAR_FLAG: "cmd_clear_flag",
    op.JUMP: "cmd_jump",
    op.GIVE_MON: "cmd_give_mon",
    op.GIVE_ITEM: "cmd_give_item",
    op.TAKE_ITEM: "cmd_take_item",
    op.CHECK_ITEM: "cmd_check_item",
    op.HEAL: "cmd_heal",
    op.BATTLE: "cmd_battle",
    op.MOVE_OBJECT: "cmd_move_object",
    op.MOVE_PLAYER: "cmd_move_player",
    op.APPEAR: "cmd_appear",
    op.DISAPPEAR: "cmd_disappear",
    op.FACE_PLAYER: "cmd_face_player",
    op.SET_SPAWN: "cmd_set_spawn",
    op.GIVE_BADGE: "cmd_give_badge",
    op.FACE: "cmd_face",
}
SCRIPT_VAR = r.addr("wScriptVar")
POS = r.addr("wScriptPos")
PARTY = r.addr("wPartyMon1")
MON_STATUS, MON_HP, MON_MAXHP = 0x20, 0x22, 0x24


def emit_scripts(asm: Assembler) -> None:
    """The interpreter, its commands, the bag and the party's healing, into bank 0."""
    if sorted(HANDLERS) != list(range(op.OPCODE_COUNT)):
        raise ValueError("every script opcode needs exactly one handler")
    _emit_interpreter(asm)
    _emit_commands(asm)
    _emit_bag(asm)
    _emit_party(asm)


def _emit_interpreter(asm: Assembler) -> None:
    asm.label("run_script")
    put(asm, r.addr("wScriptRunning"), 1)
    asm.label("run_script.next")
    asm.ld("a", "[hl+]")
    asm.ld("c", "a")
    asm.ld("a", "l")
    store(asm, POS)
    asm.ld("a", "h")
    store(asm, POS + 1)
    asm.ld("a", "c")
    asm.add("a", "a")
    asm.ld("hl", "script_commands")
    add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    asm.ld("h", "[hl]")
    asm.ld("l", "a")
    asm.push("hl")
    load(asm, POS)
    asm.ld("l", "a")
    load(asm, POS + 1)
    asm.ld("h", "a")
    asm.ret()  # into the handler, hl = its arguments

    asm.label("script_commands")
    for opcode in range(op.OPCODE_COUNT):
        asm.dw(HANDLERS[opcode])


def _next(asm: Assembler) -> None:
    asm.jp("run_script.next")


def _byte_args(asm: Assembler, *registers: str) -> None:
    for register in registers:
        asm.ld("a", "[hl+]")
        asm.ld(register, "a")


def _emit_commands(asm: Assembler) -> None:
    asm.label("cmd_end")
    load(asm, r.addr("wStateFlags"))
    asm.bit(r.TEXT_BOX_BIT, "a")
    asm.call("nz", "close_text")
    put(asm, r.addr("wScriptRunning"), 0)
    asm.ret()

    asm.label("cmd_text")
    _byte_args(asm, "e", "d")
    asm.push("hl")
    asm.call("print_text_page")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_close")
    asm.push("hl")
    asm.call("close_text")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_yesno")
    asm.push("hl")
    asm.call("yes_no_box")
    asm.ld("a", 0)
    asm.jr("c", "cmd_yesno.store")
    asm.inc("a")
    asm.label("cmd_yesno.store")
    store(asm, SCRIPT_VAR)
    asm.pop("hl")
    _next(asm)

    for name, jump_when_zero in (("cmd_if_true", False), ("cmd_if_false", True)):
        asm.label(name)
        load(asm, SCRIPT_VAR)
        asm.and_("a")
        asm.jr("z" if jump_when_zero else "nz", "cmd_jump")
        asm.inc("hl")
        asm.inc("hl")
        _next(asm)

    asm.label("cmd_jump")
    asm.ld("a", "[hl+]")
    asm.ld("h", "[hl]")
    asm.ld("l", "a")
    _next(asm)

    asm.label("script_flag_arg")  # hl = arguments -> de = the flag, hl past it
    _byte_args(asm, "e", "d")
    asm.ret()

    asm.label("cmd_check_flag")
    asm.call("script_flag_arg")
    asm.push("hl")
    asm.ld("h", "d")
    asm.ld("l", "e")
    asm.call("check_event")
    asm.ld("a", 0)
    asm.jr("z", "cmd_check_flag.store")
    asm.inc("a")
    asm.label("cmd_check_flag.store")
    store(asm, SCRIPT_VAR)
    asm.pop("hl")
    _next(asm)

    for name, routine in (("cmd_set_flag", "set_event"), ("cmd_clear_flag", "clear_event")):
        asm.label(name)
        asm.call("script_flag_arg")
        asm.push("hl")
        asm.ld("h", "d")
        asm.ld("l", "e")
        asm.call(routine)
        asm.pop("hl")
        _next(asm)

    asm.label("cmd_give_mon")
    _byte_args(asm, "b", "c")
    asm.push("hl")
    farcall(asm, "add_party_mon")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_give_item")
    _byte_args(asm, "b", "c")
    asm.push("hl")
    asm.call("give_item")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_take_item")
    _byte_args(asm, "b")
    asm.push("hl")
    asm.call("take_item")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_check_item")
    _byte_args(asm, "b")
    asm.push("hl")
    asm.call("find_item")
    asm.ld("a", 0)
    asm.jr("nc", "cmd_check_item.store")
    asm.inc("a")
    asm.label("cmd_check_item.store")
    store(asm, SCRIPT_VAR)
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_heal")
    asm.push("hl")
    asm.call("heal_party")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_battle")  # a trainer battle; after a whiteout the script is over
    asm.ld("a", "[hl+]")
    store(asm, r.addr("wOtherTrainerClass"))
    asm.ld("a", "[hl+]")
    store(asm, r.addr("wOtherTrainerID"))
    asm.ld("a", "[hl+]")
    asm.ld(wv("wCanLose"), "a")
    asm.push("hl")
    load(asm, r.addr("wStateFlags"))
    asm.bit(r.TEXT_BOX_BIT, "a")
    asm.call("nz", "close_text")
    put(asm, r.addr("wBattleMode"), r.BATTLE_TRAINER)
    asm.call("run_battle")
    asm.pop("hl")
    asm.jr("nc", "cmd_battle.on")
    put(asm, r.addr("wScriptRunning"), 0)
    asm.ret()
    asm.label("cmd_battle.on")
    put(asm, r.addr("wScriptRunning"), 1)
    _next(asm)

    asm.label("cmd_move_object")
    _byte_args(asm, "c")
    asm.call("script_flag_arg")  # de = the walk
    asm.push("hl")
    asm.label("cmd_move_object.step")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(op.PATH_END)
    asm.jr("z", "cmd_move_object.done")
    asm.ld("b", "a")
    asm.push("bc")
    asm.push("de")
    asm.call("walk_object")
    asm.pop("de")
    asm.pop("bc")
    asm.jr("cmd_move_object.step")
    asm.label("cmd_move_object.done")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_move_player")
    asm.call("script_flag_arg")
    asm.push("hl")
    asm.label("cmd_move_player.step")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(op.PATH_END)
    asm.jr("z", "cmd_move_object.done")
    asm.push("de")
    asm.call("walk_player")
    asm.pop("de")
    asm.jr("cmd_move_player.step")

    for name, routine in (("cmd_appear", "clear_event"), ("cmd_disappear", "set_event")):
        asm.label(name)  # the object's hide flag cleared / set, its struct and mask to match
        asm.ld("a", "[hl+]")
        asm.push("hl")
        asm.push("af")
        asm.call("record_address")
        asm.ld("a", MO_FLAG)
        add_a_to_hl(asm)
        asm.ld("a", "[hl+]")
        asm.ld("h", "[hl]")
        asm.ld("l", "a")
        asm.call(routine)
        asm.pop("af")
        asm.call("refresh_object")
        asm.call("update_sprites")
        asm.call("delay_frame")
        asm.pop("hl")
        _next(asm)

    asm.label("cmd_face_player")  # the object talked to turns to the player
    asm.push("hl")
    asm.ld("a", wv("wTalkObject"))
    asm.and_("a")
    asm.jr("z", "cmd_face_player.done")
    asm.call("struct_address")
    asm.ld("a", OBJ_DIRECTION)
    add_a_to_hl(asm)
    load(asm, r.addr("wPlayerDirection"))
    asm.xor(4)  # the opposite way
    asm.ld("[hl]", "a")
    asm.call("update_sprites")
    asm.label("cmd_face_player.done")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_set_spawn")
    asm.push("hl")
    load(asm, r.addr("wMapGroup"))
    store(asm, r.addr("wLastSpawnMapGroup"))
    load(asm, r.addr("wMapNumber"))
    store(asm, r.addr("wLastSpawnMapNumber"))
    asm.ld("a", wv("wMapIndex"))
    asm.ld(wv("wSpawnMap"), "a")
    load(asm, r.addr("wXCoord"))
    asm.ld(wv("wSpawnX"), "a")
    load(asm, r.addr("wYCoord"))
    asm.ld(wv("wSpawnY"), "a")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_give_badge")
    asm.ld("a", "[hl+]")
    asm.push("hl")
    asm.ld("b", "a")
    asm.inc("b")
    asm.ld("a", 0x80)
    asm.label("cmd_give_badge.shift")
    asm.rlca()
    asm.dec("b")
    asm.jr("nz", "cmd_give_badge.shift")
    asm.ld("hl", r.addr("wJohtoBadges"))
    asm.or_("[hl]")
    asm.ld("[hl]", "a")
    asm.pop("hl")
    _next(asm)

    asm.label("cmd_face")
    asm.ld("a", "[hl+]")
    asm.add("a", "a")
    asm.add("a", "a")
    store(asm, r.addr("wPlayerDirection"))
    asm.push("hl")
    asm.call("update_sprites")
    asm.pop("hl")
    _next(asm)


def _emit_bag(asm: Assembler) -> None:
    asm.label("item_pocket")  # b = item -> hl = its pocket's count, carry set for a pocket of pairs
    asm.ld("a", "b")
    asm.ld("hl", r.addr("wNumKeyItems"))
    for key in sorted(c.KEY_ITEMS):
        asm.cp(key)
        asm.ret("z")  # carry clear: ids only
    asm.ld("hl", r.addr("wNumBalls"))
    for ball in sorted(c.BALLS):
        asm.cp(ball)
        asm.jr("z", "item_pocket.pairs")
    asm.ld("hl", r.addr("wNumItems"))
    asm.label("item_pocket.pairs")
    asm.scf()
    asm.ret()

    asm.label("find_item")  # b = item -> carry and hl = its entry; else hl = the pocket's 0xFF end
    asm.call("item_pocket")
    asm.ld("a", 0)
    asm.rla()
    asm.ld("c", "a")  # 1 for pairs
    asm.inc("hl")
    asm.label("find_item.loop")
    asm.ld("a", "[hl]")
    asm.cp(0xFF)
    asm.jr("z", "find_item.none")
    asm.cp("b")
    asm.jr("z", "find_item.found")
    asm.inc("hl")
    asm.ld("a", "c")
    add_a_to_hl(asm)
    asm.jr("find_item.loop")
    asm.label("find_item.found")
    asm.scf()
    asm.ret()
    asm.label("find_item.none")
    asm.and_("a")
    asm.ret()

    asm.label("give_item")  # b = item, c = quantity
    asm.push("bc")
    asm.call("find_item")
    asm.pop("de")  # d = item, e = quantity
    asm.jr("nc", "give_item.new")
    asm.inc("hl")  # already there: more of it (a key item stays one)
    asm.ld("a", "c")
    asm.and_("a")
    asm.ret("z")
    asm.ld("a", "[hl]")
    asm.add("a", "e")
    asm.ld("[hl]", "a")
    asm.ret()
    asm.label("give_item.new")
    asm.ld("a", "d")
    asm.ld("[hl+]", "a")
    asm.ld("a", "c")
    asm.and_("a")
    asm.jr("z", "give_item.end")
    asm.ld("a", "e")
    asm.ld("[hl+]", "a")
    asm.label("give_item.end")
    asm.ld("[hl]", 0xFF)
    asm.ld("b", "d")
    asm.call("item_pocket")
    asm.inc("[hl]")
    asm.ret()

    asm.label("take_item")  # b = item: its entry out of the pocket (the rest moves up)
    asm.call("find_item")
    asm.ret("nc")
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.inc("hl")
    asm.ld("a", "c")
    add_a_to_hl(asm)  # hl = the next entry, de = this one
    asm.label("take_item.move")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.cp(0xFF)
    asm.jr("nz", "take_item.move")
    asm.call("item_pocket")
    asm.dec("[hl]")
    asm.ret()


def _emit_party(asm: Assembler) -> None:
    asm.label("heal_party")  # HP to its maximum and status cleared for every member; PP by the battle side
    load(asm, r.addr("wPartyCount"))
    asm.and_("a")
    asm.ret("z")
    asm.ld("c", "a")
    asm.ld("hl", PARTY + MON_STATUS)
    asm.label("heal_party.mon")
    asm.push("hl")
    asm.ld("[hl]", 0)
    asm.inc("hl")
    asm.inc("hl")  # HP (big-endian) <- max HP
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.inc("hl")
    asm.inc("hl")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.ld("a", "[hl]")
    asm.ld("[de]", "a")
    asm.pop("hl")
    asm.ld("de", 0x30)
    asm.add("hl", "de")
    asm.dec("c")
    asm.jr("nz", "heal_party.mon")
    farcall(asm, "restore_party_pp")
    asm.ret()
