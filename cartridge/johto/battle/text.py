"""The battle's words: its messages in Crystal's character set, and the routines that print them.

Messages are the project's own sentences in the game's manner ("Wild PIDGEY appeared!"), written in
Python with placeholders for names and numbers and checked when the ROM is built: each line of the text
box holds 18 characters, so a message whose longest filling would not fit is refused with its name. The
printer writes into `wTilemap`'s text box (rows 12-17, words on rows 14 and 16) as Crystal's does, and
either waits for A or B behind a ▼ (`bt_msg_prompt`) or goes on after half a second (`bt_msg_auto`).
"""

from __future__ import annotations

import re

from cartridge.errors import RomError
from cartridge.johto import charmap as ch
from cartridge.johto import ram as world_ram
from cartridge.johto.battle import kernel as k
from cartridge.johto.battle import ram as r
from cartridge.johto.charmap import (
    BLANK,
    CHARS,
    END,
    FRAME_BL,
    FRAME_BR,
    FRAME_H,
    FRAME_TL,
    FRAME_TR,
    FRAME_V,
    LINE,
    PARA,
    PLAYER,
    PROMPT_ARROW,
    TEXT_BOX_WIDTH,
)
from cartridge.johto.engine import macros as h
from cartridge.sm83 import Assembler, Mem

LV = 0x6E
"""Crystal's "Lv" tile (a battle tile: the font leaves 0x60-0x6E to the battle)."""


# the battle's placeholders: codes no character uses
USER, TARGET, MOVE, NUM, TRAINER, ITEM, STAT, MON, ENEMY, BUF = range(1, 11)
PLACEHOLDERS: dict[str, tuple[int, int]] = {
    "USER": (USER, 16),
    "TARGET": (TARGET, 16),
    "MOVE": (MOVE, 12),
    "NUM": (NUM, 5),  # the numbers printed: experience and prizes, below 100000
    "TRAINER": (TRAINER, 16),
    "ITEM": (ITEM, 9),
    "STAT": (STAT, 8),
    "MON": (MON, 10),
    "ENEMY": (ENEMY, 16),
    "BUF": (BUF, 10),
    "PLAYER": (PLAYER, 7),
}
"""`{NAME}` in a message → (its code, the most characters it can print)."""

_TOKEN = re.compile(r"\{([A-Z]+)\}|(.)", re.S)


def encode_message(text: str, name: str) -> bytes:
    """A message as Crystal's codes with its placeholders, 0x50-terminated; a character the font lacks is an error
    naming the message."""
    out = bytearray()
    for placeholder, char in _TOKEN.findall(text):
        if placeholder:
            if placeholder not in PLACEHOLDERS:
                raise RomError(f"battle message {name!r}: unknown placeholder {{{placeholder}}}")
            out.append(PLACEHOLDERS[placeholder][0])
        elif char in CHARS:
            out.append(CHARS[char])
        else:
            raise RomError(f"battle message {name!r}: character {char!r} is not in the battle's character table")
    out.append(END)
    return bytes(out)


def check_fits(name: str, text: str) -> None:
    """Refuse a message with a line longer than the text box's 18 characters at its longest filling."""
    for line in re.split(r"[\n\f]", text):
        width = 0
        for placeholder, _char in _TOKEN.findall(line):
            width += PLACEHOLDERS[placeholder][1] if placeholder else 1
        if width > TEXT_BOX_WIDTH:
            raise RomError(
                f"battle message {name!r}: the line {line!r} can be {width} characters, more than {TEXT_BOX_WIDTH}"
            )


MESSAGES: dict[str, str] = {
    "wild_appeared": "Wild {BUF}\nappeared!",
    "trainer_wants": "{TRAINER}\nwants to battle!",
    "trainer_sent": "{TRAINER}'s\n{BUF} is out!",
    "go_mon": "Go! {MON}!",
    "used_move": "{USER}\nused {MOVE}!",
    "missed": "{USER}'s\nattack missed!",
    "super_effective": "It's super-\neffective!",
    "not_very": "It's not very\neffective…",
    "no_effect": "It doesn't affect\n{TARGET}!",
    "critical": "A critical hit!",
    "hit_times": "Hit {NUM} times!",
    "stat_fell": "{TARGET}'s\n{STAT} fell!",
    "stat_sharply_fell": "{TARGET}'s\n{STAT} fell far!",
    "stat_rose": "{USER}'s\n{STAT} rose!",
    "nothing_happened": "Nothing happened!",
    "but_nothing": "But nothing\nhappened!",
    "but_failed": "But it failed!",
    "was_poisoned": "{TARGET}\nwas poisoned!",
    "was_burned": "{TARGET}\nwas burned!",
    "was_paralyzed": "{TARGET}'s\nparalyzed!",
    "fell_asleep": "{TARGET}\nfell asleep!",
    "fast_asleep": "{USER}\nis fast asleep!",
    "woke_up": "{USER}\nwoke up!",
    "fully_paralyzed": "{USER}'s\nfully paralyzed!",
    "hurt_poison": "{USER}\nis hurt by poison!",
    "hurt_burn": "{USER}'s\nhurt by its burn!",
    "flinched": "{USER}\nflinched!",
    "regained": "{USER}\nregained health!",
    "drained": "Sucked health from\n{TARGET}!",
    "recoil": "{USER}'s\nhit with recoil!",
    "enemy_fainted": "{ENEMY}\nfainted!",
    "mon_fainted": "{MON}\nfainted!",
    "gained_exp": "{BUF} gained\n{NUM} EXP. Points",
    "grew_level": "{BUF} grew to\nlevel {NUM}!",
    "learned_move": "{BUF} learned\n{MOVE}!",
    "forgot_move": "{BUF} forgot\nan old move.",
    "defeated": "{PLAYER} defeated\n{TRAINER}!",
    "prize": "{PLAYER} got ¥{NUM}\nfor winning!",
    "out_of_mons": "{PLAYER} is out of\nuseable POKéMON!",
    "whited_out": "{PLAYER} whited\nout!",
    "got_away": "Got away safely!",
    "cant_escape": "Can't escape!",
    "no_running": "No! There's no\nrunning from a\ftrainer battle!",
    "used_item": "{PLAYER} used\n{ITEM}!",
    "hp_restored": "{BUF}'s\nHP rose by {NUM}.",
    "no_effect_item": "It won't have any\neffect.",
    "ball_broke": "Oh no! The POKéMON\nbroke free!",
    "caught": "Gotcha! {BUF}\nwas caught!",
    "party_full": "There's no room\nfor more POKéMON!",
    "blocked_ball": "The trainer\nblocked the BALL!",
    "dont_thief": "Don't be a thief!",
    "come_back": "{MON}!\nCome back!",
    "no_will": "There's no will\nto battle!",
    "already_out": "{BUF} is\nalready out!",
    "no_pp": "There's no PP left\nfor this move!",
    "no_moves": "{MON} has no\nmoves left!",
    "choose_mon": "Choose a POKéMON.",
    "use_on_which": "Use on which\nPOKéMON?",
    "which_item": "Use which item?",
}
"""Name → the message (``\\n`` the box's second line, ``\\f`` a new page after A)."""

STAT_NAMES = ("ATTACK", "DEFENSE", "SPEED", "SPCL.ATK", "SPCL.DEF", "ACCURACY", "EVASION")
"""What {STAT} prints, by stat index (Crystal's stat levels' order)."""


def message_label(name: str) -> str:
    """The ROM label of a message."""
    if name not in MESSAGES:
        raise RomError(f"no battle message named {name!r}")
    return f"bt_text_{name}"


def emit_messages(asm: Assembler) -> None:
    """Every message, each at its label, checked to fit the text box."""
    for name, text in MESSAGES.items():
        check_fits(name, text)
        asm.label(message_label(name))
        asm.db(encode_message(text, name))
    for index, stat in enumerate(STAT_NAMES):
        asm.label(f"bt_stat_name_{index}")
        asm.db(ch.encode(stat))
    asm.label("bt_stat_names")
    asm.dw(*(f"bt_stat_name_{index}" for index in range(len(STAT_NAMES))))
    for label, text in (("bt_str_wild", "Wild "), ("bt_str_enemy", "Enemy "), ("bt_str_space", " ")):
        asm.label(label)
        asm.db(ch.encode(text))


# ============================================================================ routines
TEXT_CURSOR = r.addr("wBtTextCursor")
NUMBER = r.addr("wBtNumber")
MATH = r.addr("wBtMath")
DIGITS = r.addr("wBtTemp")


def emit_text_routines(asm: Assembler) -> None:
    """Frame waits, boxes, the printer, numbers."""
    _emit_waits(asm)
    _emit_boxes(asm)
    _emit_printer(asm)
    _emit_numbers(asm)


def _emit_waits(asm: Assembler) -> None:
    # bt_frame: one frame, what the battle drew on screen; keeps every register.
    asm.label("bt_frame")
    asm.jp(k.APPLY_TILEMAP)

    # bt_delay: c frames.
    asm.label("bt_delay")
    asm.call("bt_frame")
    asm.dec("c")
    asm.jr("nz", "bt_delay")
    asm.ret()

    # bt_wait_button: until A or B is newly pressed (after a frame, so a held press does not count twice).
    asm.label("bt_wait_button")
    asm.call("bt_frame")
    h.load(asm, r.addr("hJoyPressed"))
    asm.and_(1 << world_ram.BTN_A | 1 << world_ram.BTN_B)
    asm.jr("z", "bt_wait_button")
    asm.ret()

    # bt_prompt: ▼ in the box's corner, wait for A or B, the corner back. Keeps de.
    asm.label("bt_prompt")
    h.put(asm, h.coord(18, 17), PROMPT_ARROW)
    asm.call("bt_wait_button")
    h.put(asm, h.coord(18, 17), FRAME_H)
    asm.ret()


def _emit_boxes(asm: Assembler) -> None:
    # bt_box: a frame with hl = top-left in wTilemap, b = inner rows, c = inner columns (Crystal's Textbox);
    # the inside blanked. Keeps de.
    asm.label("bt_box")
    asm.push("de")
    asm.ld("de", h.SCREEN_W)
    asm.push("hl")
    asm.ld("[hl]", FRAME_TL)
    asm.call("bt_box.row")  # top edge
    asm.ld("a", FRAME_TR)
    asm.ld("[hl]", "a")
    asm.pop("hl")
    asm.add("hl", "de")
    asm.push("bc")
    asm.label("bt_box.middle")
    asm.push("hl")
    asm.ld("[hl]", FRAME_V)
    asm.push("bc")
    asm.inc("hl")
    asm.ld("a", BLANK)
    asm.label("bt_box.blank")
    asm.ld("[hl+]", "a")
    asm.dec("c")
    asm.jr("nz", "bt_box.blank")
    asm.pop("bc")
    asm.ld("[hl]", FRAME_V)
    asm.pop("hl")
    asm.add("hl", "de")
    asm.dec("b")
    asm.jr("nz", "bt_box.middle")
    asm.pop("bc")
    asm.ld("[hl]", FRAME_BL)
    asm.push("hl")
    asm.ld("a", FRAME_H)
    asm.call("bt_box.fill")
    asm.ld("[hl]", FRAME_BR)
    asm.pop("hl")
    asm.pop("de")
    asm.ret()
    asm.label("bt_box.row")  # hl at a corner: c tiles of FRAME_H after it; hl ends on the other corner
    asm.ld("a", FRAME_H)
    asm.label("bt_box.fill")
    asm.push("bc")
    asm.inc("hl")
    asm.label("bt_box.fill_loop")
    asm.ld("[hl+]", "a")
    asm.dec("c")
    asm.jr("nz", "bt_box.fill_loop")
    asm.pop("bc")
    asm.ret()

    # bt_text_box: Crystal's battle text box, rows 12-17 across the screen, empty. Keeps de.
    asm.label("bt_text_box")
    asm.ld("hl", h.coord(0, 12))
    asm.ld("bc", 4 << 8 | 18)
    asm.jp("bt_box")

    # bt_fill: hl = start, bc = count, a = byte. Keeps de.
    asm.label("bt_fill")
    asm.push("de")
    asm.ld("d", "a")
    asm.label("bt_fill.loop")
    asm.ld("a", "d")
    asm.ld("[hl+]", "a")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "bt_fill.loop")
    asm.pop("de")
    asm.ret()

    # bt_place_string: hl = screen address, de = 0x50-terminated string; hl after the last character,
    # de after the terminator. Keeps bc.
    asm.label("bt_place_string")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(END)
    asm.ret("z")
    asm.ld("[hl+]", "a")
    asm.jr("bt_place_string")


def _emit_printer(asm: Assembler) -> None:
    # bt_msg_prompt: print de, then ▼ and wait for A/B. bt_msg_auto: print de, then half a second.
    asm.label("bt_msg_prompt")
    asm.call("bt_print")
    asm.jp("bt_prompt")
    asm.label("bt_msg_auto")
    asm.call("bt_print")
    asm.ld("c", 30)
    asm.jp("bt_delay")

    # bt_print: the text box cleared, the message de printed in it (new pages wait for A/B).
    asm.label("bt_print")
    asm.call("bt_text_box")
    asm.label("bt_print.first_line")
    asm.ld("hl", h.coord(1, 14))
    asm.call("bt_print.set_cursor")
    asm.label("bt_print.loop")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(END)
    asm.ret("z")
    asm.cp(LINE)
    asm.jr("z", "bt_print.line")
    asm.cp(PARA)
    asm.jr("z", "bt_print.para")
    asm.cp(PLAYER)
    asm.jr("z", "bt_print.player")
    asm.cp(0x10)
    asm.jr("c", "bt_print.placeholder")
    asm.call("bt_put_char")
    asm.jr("bt_print.loop")
    asm.label("bt_print.line")
    asm.ld("hl", h.coord(1, 16))
    asm.call("bt_print.set_cursor")
    asm.jr("bt_print.loop")
    asm.label("bt_print.para")
    asm.push("de")
    asm.call("bt_prompt")
    asm.call("bt_text_box")
    asm.pop("de")
    asm.jr("bt_print.first_line")
    asm.label("bt_print.player")
    asm.push("de")
    asm.ld("de", r.addr("wPlayerName"))
    asm.call("bt_put_string")
    asm.pop("de")
    asm.jr("bt_print.loop")
    asm.label("bt_print.placeholder")
    asm.push("de")
    asm.call("bt_placeholder")
    asm.pop("de")
    asm.jr("bt_print.loop")
    asm.label("bt_print.set_cursor")
    asm.ld("a", "l")
    asm.ld(Mem(TEXT_CURSOR), "a")
    asm.ld("a", "h")
    asm.ld(Mem(TEXT_CURSOR + 1), "a")
    asm.ret()

    # bt_put_char: a at the text cursor, the cursor one on. Keeps bc, de, hl.
    asm.label("bt_put_char")
    asm.push("hl")
    asm.push("af")
    asm.ld("hl", TEXT_CURSOR)
    asm.ld("a", "[hl+]")
    asm.ld("h", "[hl]")
    asm.ld("l", "a")
    asm.pop("af")
    asm.ld("[hl+]", "a")
    asm.ld("a", "l")
    asm.ld(Mem(TEXT_CURSOR), "a")
    asm.ld("a", "h")
    asm.ld(Mem(TEXT_CURSOR + 1), "a")
    asm.pop("hl")
    asm.ret()

    # bt_put_string: the 0x50-terminated de at the text cursor. Keeps bc, hl.
    asm.label("bt_put_string")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(END)
    asm.ret("z")
    asm.call("bt_put_char")
    asm.jr("bt_put_string")

    # bt_placeholder: a = a placeholder code; its text at the cursor.
    asm.label("bt_placeholder")
    for code, target in (
        (USER, "bt_ph_user"),
        (TARGET, "bt_ph_target"),
        (MOVE, "bt_ph_move"),
        (NUM, "bt_ph_num"),
        (TRAINER, "bt_ph_trainer"),
        (ITEM, "bt_ph_item"),
        (STAT, "bt_ph_stat"),
        (MON, "bt_ph_mon"),
        (ENEMY, "bt_ph_enemy"),
    ):
        asm.cp(code)
        asm.jr("z", target)
    # BUF
    asm.ld("de", r.addr("wStringBuffer1"))
    asm.jr("bt_put_string")
    asm.label("bt_ph_user")
    asm.ld("a", Mem(r.addr("wBtTurn")))
    asm.label("bt_ph_side")
    asm.and_("a")
    asm.jr("nz", "bt_ph_enemy")
    asm.label("bt_ph_mon")
    asm.ld("de", r.addr("wBattleMonNickname"))
    asm.jr("bt_put_string")
    asm.label("bt_ph_target")
    asm.ld("a", Mem(r.addr("wBtTurn")))
    asm.xor(1)
    asm.jr("bt_ph_side")
    asm.label("bt_ph_enemy")
    asm.ld("a", Mem(r.addr("wBattleMode")))
    asm.cp(r.BATTLE_WILD)
    asm.ld("de", "bt_str_wild")
    asm.jr("z", "bt_ph_enemy.prefix")
    asm.ld("de", "bt_str_enemy")
    asm.label("bt_ph_enemy.prefix")
    asm.call("bt_put_string")
    asm.ld("de", r.addr("wEnemyMonNickname"))
    asm.jr("bt_put_string")
    asm.label("bt_ph_move")
    asm.ld("a", Mem(r.addr("wBtNewMove")))
    asm.call("bt_move_name")
    asm.jr("bt_put_string")
    asm.label("bt_ph_trainer")
    asm.call("bt_trainer_class_name")
    asm.call("bt_put_string")
    asm.ld("de", "bt_str_space")
    asm.call("bt_put_string")
    asm.ld("de", r.addr("wOTPlayerName"))
    asm.jr("bt_put_string")
    asm.label("bt_ph_item")
    asm.ld("hl", r.addr("wBtItemName"))
    asm.ld("a", "[hl+]")
    asm.ld("d", "[hl]")
    asm.ld("e", "a")
    asm.jr("bt_put_string")
    asm.label("bt_ph_stat")
    asm.ld("a", Mem(r.addr("wBtStat")))
    asm.add("a", "a")
    asm.ld("hl", "bt_stat_names")
    h.add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    asm.ld("d", "[hl]")
    asm.ld("e", "a")
    asm.jp("bt_put_string")
    asm.label("bt_ph_num")
    asm.ld("hl", NUMBER)
    asm.call("bt_math_set24")
    asm.call("bt_digits")
    asm.label("bt_ph_num.loop")  # b digits, most significant last in the buffer
    asm.dec("b")
    asm.ld("hl", DIGITS)
    asm.ld("a", "b")
    h.add_a_to_hl(asm)
    asm.ld("a", "[hl]")
    asm.call("bt_put_char")
    asm.ld("a", "b")
    asm.and_("a")
    asm.jr("nz", "bt_ph_num.loop")
    asm.ret()


def _emit_numbers(asm: Assembler) -> None:
    # bt_math_set24: wBtMath = the 3-byte big-endian number at hl.
    asm.label("bt_math_set24")
    asm.xor("a")
    asm.ld(Mem(MATH), "a")
    asm.ld("de", MATH + 1)
    for _ in range(3):
        asm.ld("a", "[hl+]")
        asm.ld("[de]", "a")
        asm.inc("de")
    asm.ret()

    # bt_digits: wBtMath's decimal digits (as character codes) into wBtTemp, least significant first; b = count (>= 1).
    asm.label("bt_digits")
    asm.ld("b", 0)
    asm.ld("hl", DIGITS)
    asm.label("bt_digits.loop")
    asm.ld("a", 10)
    asm.call("bt_div8")
    asm.add("a", CHARS["0"])
    asm.ld("[hl+]", "a")
    asm.inc("b")
    asm.push("hl")
    asm.call("bt_math_get16")
    asm.ld("a", "h")
    asm.or_("l")
    asm.pop("hl")
    asm.jr("nz", "bt_digits.loop")
    asm.ret()

    # bt_print_num: de = a 16-bit number printed at hl right-aligned in c columns (blanks before it). Keeps hl.
    asm.label("bt_print_num")
    asm.push("hl")
    asm.push("bc")
    asm.ld("h", "d")
    asm.ld("l", "e")
    asm.call("bt_math_set16")
    asm.call("bt_digits")
    asm.pop("de")  # e = columns
    asm.pop("hl")
    asm.push("hl")
    asm.ld("a", "e")
    asm.sub("b")
    asm.jr("c", "bt_print_num.digits")
    asm.jr("z", "bt_print_num.digits")
    asm.ld("c", "a")
    asm.ld("a", BLANK)
    asm.label("bt_print_num.pad")
    asm.ld("[hl+]", "a")
    asm.dec("c")
    asm.jr("nz", "bt_print_num.pad")
    asm.label("bt_print_num.digits")
    asm.push("hl")
    asm.ld("hl", DIGITS - 1)
    asm.ld("a", "b")
    h.add_a_to_hl(asm)
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.pop("hl")
    asm.label("bt_print_num.loop")
    asm.ld("a", "[de]")
    asm.dec("de")
    asm.ld("[hl+]", "a")
    asm.dec("b")
    asm.jr("nz", "bt_print_num.loop")
    asm.pop("hl")
    asm.ret()

    # bt_print_level: "Lv" and a = the level, left-aligned, at hl. Keeps nothing.
    asm.label("bt_print_level")
    asm.ld("[hl]", LV)
    asm.inc("hl")
    asm.ld("e", "a")
    asm.ld("d", 0)
    asm.ld("c", 2)
    asm.cp(100)
    asm.jr("c", "bt_print_level.two")
    asm.ld("c", 3)
    asm.label("bt_print_level.two")
    asm.cp(10)
    asm.jr("nc", "bt_print_num")
    asm.push("hl")  # one digit: left-aligned, a blank after it
    asm.inc("hl")
    asm.ld("[hl]", BLANK)
    asm.pop("hl")
    asm.ld("c", 1)
    asm.jr("bt_print_num")
