"""Text in Crystal's character set, with its control codes: how the Johto world's strings become bytes.

The codes are public facts (the disassembly's ``constants/charmap.asm``); the project's readers
decode the same codes (``shared/game/charset.py``), and the font's tiles sit at the same ids, so a
character's code is also the tile that shows it. Markup in the Python strings:

| markup | code | meaning (``print_text_page``, ``place_string``) |
|---|---|---|
| ``\\n`` | 0x4F ``<LINE>`` | continue on the text box's second line (row 16) |
| ``\\f`` | 0x51 ``<PARA>`` | ▼, wait for A or B, clear the box, go on from its first line |
| ``\\v`` | 0x55 ``<CONT>`` | ▼, wait, the second line moves up, go on from the second line |
| ``<NEXT>`` | 0x4E | place_string: two rows down, back to where the line began (menus) |
| ``<PLAYER>`` / ``<RIVAL>`` | 0x52 / 0x53 | the name in ``wPlayerName`` / ``wRivalName`` |
| ``<PK><MN>`` | 0xE1 0xE2 | the two halves of "PKMN" |
| end ``"prompt"`` | 0x58 ``<PROMPT>`` | ▼, wait, end: the page's last words need A |
| end ``"done"`` | 0x57 ``<DONE>`` | end without waiting (a yes/no box or a menu follows) |
| end ``"string"`` | 0x50 ``@`` | a plain string's end (names, menu items) |
"""

from __future__ import annotations

from typing import Literal

from cartridge.errors import RomError

NEXT, LINE, END, PARA, PLAYER, RIVAL, CONT, DONE, PROMPT = 0x4E, 0x4F, 0x50, 0x51, 0x52, 0x53, 0x55, 0x57, 0x58
FRAME_TL, FRAME_H, FRAME_TR, FRAME_V, FRAME_BL, FRAME_BR, BLANK = range(0x79, 0x80)
CURSOR = 0xED
"""▶"""
PROMPT_ARROW = 0xEE
"""▼"""
CURSOR_BLANK = BLANK

CHARS: dict[str, int] = {
    **{chr(ord("A") + i): 0x80 + i for i in range(26)},
    **{chr(ord("a") + i): 0xA0 + i for i in range(26)},
    **{chr(ord("0") + i): 0xF6 + i for i in range(10)},
    " ": BLANK,
    "“": 0x72,
    "”": 0x73,
    "…": 0x75,
    "(": 0x9A,
    ")": 0x9B,
    ":": 0x9C,
    ";": 0x9D,
    "[": 0x9E,
    "]": 0x9F,
    "'": 0xE0,
    "-": 0xE3,
    "?": 0xE6,
    "!": 0xE7,
    ".": 0xE8,
    "&": 0xE9,
    "é": 0xEA,
    "→": 0xEB,
    "▶": CURSOR,
    "▼": PROMPT_ARROW,
    "♂": 0xEF,
    "¥": 0xF0,
    "×": 0xF1,
    "/": 0xF3,
    ",": 0xF4,
    "♀": 0xF5,
    "\n": LINE,
    "\f": PARA,
    "\v": CONT,
}
TAGS: dict[str, int] = {"<NEXT>": NEXT, "<PLAYER>": PLAYER, "<RIVAL>": RIVAL, "<PK>": 0xE1, "<MN>": 0xE2}
ENDS: dict[str, int] = {"prompt": PROMPT, "done": DONE, "string": END}

TEXT_BOX_WIDTH = 18
"""Characters on one line of the text box (columns 1-18)."""


def encode(text: str, end: Literal["prompt", "done", "string"] = "string") -> bytes:
    """``text`` as Crystal's codes with its end code; a character the font lacks is an error naming it."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "<":
            close = text.find(">", i)
            tag = text[i : close + 1]
            if close < 0 or tag not in TAGS:
                raise RomError(f"unknown text tag {tag or text[i:]!r} in {text!r}; known: {', '.join(TAGS)}")
            out.append(TAGS[tag])
            i = close + 1
            continue
        code = CHARS.get(text[i])
        if code is None:
            raise RomError(f"character {text[i]!r} of {text!r} is not in the Johto font")
        out.append(code)
        i += 1
    out.append(ENDS[end])
    return bytes(out)


def check_page_text(text: str, name: str) -> None:
    """A text box line holds 18 characters (a name counts as 7: ``<PLAYER>`` is at most 7 letters here)."""
    for line in text.replace("\f", "\n").replace("\v", "\n").split("\n"):
        width = len(line.replace("<PLAYER>", "#" * 7).replace("<RIVAL>", "#" * 7))
        if width > TEXT_BOX_WIDTH:
            raise RomError(f"text {name}: line {line!r} is {width} characters; a text box line holds {TEXT_BOX_WIDTH}")


def encode_page(text: str, name: str, end: Literal["prompt", "done"] = "prompt") -> bytes:
    """Dialogue for ``print_text_page``, its lines checked against the box's width."""
    check_page_text(text, name)
    return encode(text, end)
