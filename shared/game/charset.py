"""Pokémon Crystal's character set (English): the codes its names are stored in and its font's tiles on screen.

Facts from the public disassembly's `constants/charmap.asm`: the same code is a name's letter in RAM and the
tile that shows it, so one table decodes both. Control codes (text commands such as `<PLAYER>`) never reach
the screen's tile map (the printer expands them), so they are not here.
"""

TEXT_END = 0x50
"""A string's terminator."""

CHARS: dict[int, str] = {
    **{0x80 + i: chr(ord("A") + i) for i in range(26)},
    **{0xA0 + i: chr(ord("a") + i) for i in range(26)},
    **{0xF6 + i: chr(ord("0") + i) for i in range(10)},
    0x6E: "Lv",
    0x72: "“",
    0x73: "”",
    0x75: "…",
    0x7F: " ",
    0x9A: "(",
    0x9B: ")",
    0x9C: ":",
    0x9D: ";",
    0x9E: "[",
    0x9F: "]",
    0xC0: "Ä",
    0xC1: "Ö",
    0xC2: "Ü",
    0xC3: "ä",
    0xC4: "ö",
    0xC5: "ü",
    0xD0: "'d",
    0xD1: "'l",
    0xD2: "'m",
    0xD3: "'r",
    0xD4: "'s",
    0xD5: "'t",
    0xD6: "'v",
    0xE0: "'",
    0xE1: "PK",
    0xE2: "MN",
    0xE3: "-",
    0xE6: "?",
    0xE7: "!",
    0xE8: ".",
    0xE9: "&",
    0xEA: "é",
    0xEB: "→",
    0xED: "▶",
    0xEE: "▼",
    0xEF: "♂",
    0xF0: "¥",
    0xF1: "×",
    0xF2: ".",
    0xF3: "/",
    0xF4: ",",
    0xF5: "♀",
}
"""Code → text."""

FRAME_TOP_LEFT, FRAME_TOP, FRAME_TOP_RIGHT, FRAME_SIDE, FRAME_BOTTOM_LEFT, FRAME_BOTTOM_RIGHT = range(0x79, 0x7F)
"""The box frame's tiles (`┌ ─ ┐ │ └ ┘`): every text box and menu is drawn inside them."""
