"""People and item balls on the map: their tiles (VRAM bank 1) and palettes, and which sprite uses which.

A person has three pictures (down, up, left; right is left flipped), four tiles each, at tile ids 0-11;
an item ball is tiles 12-15. ``sprite_kinds`` gives each of Crystal's sprite ids (``wMapObjects``'
sprite byte) its OBJ palette, with bit 7 set for a ball.
"""

from __future__ import annotations

from cartridge.graphics import PERSON_DOWN, PERSON_SIDE, PERSON_UP, parse_picture, split_16x16
from cartridge.johto.data import constants as c


def _ball() -> list[list[int]]:
    pixels = []
    for y in range(16):
        row = []
        for x in range(16):
            d = (x - 7.5) ** 2 + (y - 8.5) ** 2
            if d > 42:
                row.append(0)
            elif d > 30 or y in (8, 9):
                row.append(3)
            else:
                row.append(2 if y < 8 else 1)
        pixels.append(row)
    return pixels


def tile_data() -> bytes:
    """16 tiles: a person down, up, left; a ball."""
    people = b"".join(split_16x16(parse_picture(art)) for art in (PERSON_DOWN, PERSON_UP, PERSON_SIDE))
    return people + split_16x16(_ball())


PAL_PLAYER, PAL_RIVAL, PAL_PEOPLE, PAL_NURSE, PAL_BALL, PAL_ELM, PAL_LEADER, PAL_TRAINER = range(8)
OBJ_PALETTES: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((31, 31, 31), (31, 24, 18), (28, 6, 6), (4, 2, 2)),
    ((31, 31, 31), (31, 24, 18), (16, 6, 20), (4, 2, 6)),
    ((31, 31, 31), (31, 24, 18), (6, 12, 28), (2, 3, 8)),
    ((31, 31, 31), (31, 24, 18), (31, 14, 20), (8, 2, 4)),
    ((31, 31, 31), (31, 31, 31), (28, 4, 4), (4, 2, 2)),
    ((31, 31, 31), (31, 24, 18), (24, 24, 24), (4, 4, 4)),
    ((31, 31, 31), (31, 24, 18), (8, 18, 26), (2, 4, 10)),
    ((31, 31, 31), (31, 24, 18), (10, 20, 8), (2, 6, 2)),
)
SPRITE_PALETTES = {
    c.SPRITE_CHRIS: PAL_PLAYER,
    c.SPRITE_RIVAL: PAL_RIVAL,
    c.SPRITE_NURSE: PAL_NURSE,
    c.SPRITE_ELM: PAL_ELM,
    c.SPRITE_FALKNER: PAL_LEADER,
    c.SPRITE_YOUNGSTER: PAL_TRAINER,
    c.SPRITE_BUG_CATCHER: PAL_TRAINER,
}
BALL_BIT = 0x80


def sprite_kinds() -> bytes:
    """One byte per sprite id 0..0x54: its palette, bit 7 for a ball."""
    out = bytearray([PAL_PEOPLE] * (c.SPRITE_POKE_BALL + 1))
    for sprite, palette in SPRITE_PALETTES.items():
        out[sprite] = palette
    out[c.SPRITE_POKE_BALL] = BALL_BIT | PAL_BALL
    return bytes(out)


def palette_bytes() -> bytes:
    out = bytearray()
    for palette in OBJ_PALETTES:
        for red, green, blue in palette:
            value = red | green << 5 | blue << 10
            out += bytes((value & 0xFF, value >> 8))
    return bytes(out)
