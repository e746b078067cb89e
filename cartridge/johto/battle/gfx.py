"""The battle's pictures, drawn here: the creatures' silhouettes, the HP bar and "Lv" tiles, their colours.

No picture of the game is used. A creature is drawn from a few shapes by body plan (a bird, a four-legged
one, a bug, a plant, a round one), filled in its own colour; the back pictures are the front ones made
smaller and turned around. Pictures are kept one bit a pixel (8 bytes a tile) and doubled into the Game
Boy's two-bit format while they are loaded, as Crystal stores its font.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

FRONT_TILES = 7
"""The enemy's picture: 7x7 tiles (56x56 pixels), at screen (12, 0), tile ids 0x00-0x30 as Crystal's."""
BACK_TILES = 6
"""The player's creature, from behind: 6x6 tiles (48x48 pixels), at screen (2, 6), tile ids 0x31-0x54."""
FRONT_FIRST_TILE = 0x00
BACK_FIRST_TILE = 0x31
HUD_FIRST_TILE = 0x60
HUD_TILES = 15
"""0x60-0x61 the "HP:" label, 0x62-0x6A an HP bar tile with 0..8 pixels, 0x6B the bar's end, 0x6C-0x6D the
HUD's corner lines, 0x6E "Lv"."""


class Shape(IntEnum):
    """A body plan."""

    BIRD = 0
    QUADRUPED = 1
    BUG = 2
    PLANT = 3
    ROUND = 4


SPECIES_LOOK: dict[int, tuple[Shape, tuple[int, int, int]]] = {
    10: (Shape.BUG, (9, 22, 6)),  # Caterpie
    13: (Shape.BUG, (24, 16, 6)),  # Weedle
    16: (Shape.BIRD, (22, 15, 8)),  # Pidgey
    17: (Shape.BIRD, (24, 16, 8)),  # Pidgeotto
    19: (Shape.QUADRUPED, (18, 10, 22)),  # Rattata
    21: (Shape.BIRD, (22, 12, 8)),  # Spearow
    41: (Shape.BIRD, (10, 10, 24)),  # Zubat
    60: (Shape.ROUND, (8, 14, 26)),  # Poliwag
    69: (Shape.PLANT, (26, 24, 6)),  # Bellsprout
    92: (Shape.ROUND, (14, 6, 20)),  # Gastly
    152: (Shape.PLANT, (12, 24, 8)),  # Chikorita
    155: (Shape.QUADRUPED, (8, 12, 20)),  # Cyndaquil
    158: (Shape.QUADRUPED, (6, 16, 26)),  # Totodile
    161: (Shape.QUADRUPED, (22, 14, 8)),  # Sentret
    163: (Shape.BIRD, (20, 14, 8)),  # Hoothoot
    165: (Shape.BUG, (26, 8, 6)),  # Ledyba
    167: (Shape.BUG, (12, 22, 10)),  # Spinarak
    187: (Shape.PLANT, (28, 16, 22)),  # Hoppip
}
"""Species → (body plan, its colour as 5-bit RGB)."""

Pixels = list[list[int]]


def _canvas(size: int) -> Pixels:
    return [[0] * size for _ in range(size)]


def _ellipse(canvas: Pixels, cx: float, cy: float, rx: float, ry: float) -> None:
    for y, row in enumerate(canvas):
        for x in range(len(row)):
            if ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1.0:
                row[x] = 1


def _rect(canvas: Pixels, x0: int, y0: int, x1: int, y1: int) -> None:
    for y in range(max(0, y0), min(len(canvas), y1)):
        for x in range(max(0, x0), min(len(canvas), x1)):
            canvas[y][x] = 1


def _triangle(canvas: Pixels, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> None:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    for y, row in enumerate(canvas):
        for x in range(len(row)):
            px, py = x + 0.5, y + 0.5
            d1, d2, d3 = side(a, b, px, py), side(b, c, px, py), side(c, a, px, py)
            if (d1 >= 0 and d2 >= 0 and d3 >= 0) or (d1 <= 0 and d2 <= 0 and d3 <= 0):
                row[x] = 1


def _eye(canvas: Pixels, x: int, y: int) -> None:
    """An eye: a hole of 2x2 in the silhouette with its pupil."""
    for dy in range(3):
        for dx in range(3):
            if 0 <= y + dy < len(canvas) and 0 <= x + dx < len(canvas):
                canvas[y + dy][x + dx] = 0
    canvas[y + 1][x + 1] = 1


def _bird(c: Pixels) -> None:
    _ellipse(c, 27, 34, 15, 13)  # body
    _ellipse(c, 34, 18, 9, 9)  # head
    _triangle(c, (42, 16), (52, 20), (42, 22))  # beak
    _triangle(c, (14, 26), (2, 44), (22, 40))  # wing
    _triangle(c, (14, 40), (4, 52), (20, 46))  # tail
    _rect(c, 24, 46, 26, 54)
    _rect(c, 31, 46, 33, 54)
    _eye(c, 35, 15)


def _quadruped(c: Pixels) -> None:
    _ellipse(c, 26, 34, 17, 11)  # body
    _ellipse(c, 40, 22, 10, 9)  # head
    _triangle(c, (36, 14), (38, 4), (42, 14))  # ear
    _triangle(c, (10, 30), (2, 18), (12, 36))  # tail
    for x in (13, 20, 30, 37):
        _rect(c, x, 40, x + 4, 53)
    _eye(c, 42, 19)


def _bug(c: Pixels) -> None:
    for i, (cx, r) in enumerate(((12, 8), (21, 9), (30, 10))):
        _ellipse(c, cx, 38 - i, r, r)
    _ellipse(c, 41, 27, 11, 11)  # head
    _rect(c, 40, 8, 42, 17)  # antennae
    _rect(c, 46, 10, 48, 18)
    for x in (10, 19, 28):
        _rect(c, x, 46, x + 2, 52)
    _eye(c, 43, 24)


def _plant(c: Pixels) -> None:
    _ellipse(c, 28, 38, 12, 12)  # body
    _ellipse(c, 28, 22, 9, 8)  # head
    _triangle(c, (28, 14), (14, 2), (22, 16))  # leaves
    _triangle(c, (28, 14), (44, 2), (34, 16))
    _rect(c, 21, 48, 25, 55)
    _rect(c, 31, 48, 35, 55)
    _eye(c, 23, 20)
    _eye(c, 30, 20)


def _round(c: Pixels) -> None:
    _ellipse(c, 28, 30, 20, 19)
    _triangle(c, (10, 40), (2, 52), (18, 46))
    _triangle(c, (46, 40), (54, 52), (38, 46))
    _eye(c, 19, 22)
    _eye(c, 33, 22)


_DRAW: dict[Shape, Callable[[Pixels], None]] = {
    Shape.BIRD: _bird,
    Shape.QUADRUPED: _quadruped,
    Shape.BUG: _bug,
    Shape.PLANT: _plant,
    Shape.ROUND: _round,
}


def front_picture(shape: Shape) -> Pixels:
    """56x56 pixels, 1 = ink, facing left (toward the player's side)."""
    canvas = _canvas(FRONT_TILES * 8)
    _DRAW[shape](canvas)
    return [list(reversed(row)) for row in canvas]


def back_picture(shape: Shape) -> Pixels:
    """48x48 pixels: the front picture scaled down and turned around, its lower part cut off by the HUD's line."""
    front = front_picture(shape)
    size = BACK_TILES * 8
    return [[front[y * 56 // size][55 - x * 56 // size] for x in range(size)] for y in range(size)]


def tiles_1bpp(pixels: Pixels) -> bytes:
    """A square picture as tiles, row by row of tiles, 8 bytes each (bit 7 the leftmost pixel)."""
    count = len(pixels) // 8
    out = bytearray()
    for ty in range(count):
        for tx in range(count):
            for y in range(8):
                row = pixels[ty * 8 + y][tx * 8 : tx * 8 + 8]
                out.append(sum(bit << (7 - i) for i, bit in enumerate(row)))
    return bytes(out)


def hud_tiles_1bpp() -> bytes:
    """The HUD's tiles 0x60-0x6E, 8 bytes each."""
    hp_label = [0x00, 0x90, 0x90, 0xF2, 0x90, 0x92, 0x90, 0x00], [0x00, 0xE0, 0x90, 0xE0, 0x80, 0x80, 0x80, 0x00]
    bars = [[0xFF, 0x00, 0x00] + [(0xFF << (8 - px)) & 0xFF] * 3 + [0x00, 0xFF] for px in range(9)]
    end = [0xFE, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0xFE]
    corner = [0x80] * 7 + [0xFF], [0x01] * 7 + [0xFF]
    level = [0x00, 0x80, 0x80, 0x8A, 0x8A, 0x8A, 0xE4, 0x00]
    tiles = [*hp_label, *bars, end, *corner, level]
    assert len(tiles) == HUD_TILES
    return bytes(b for tile in tiles for b in tile)


def rgb555(red: int, green: int, blue: int) -> int:
    """A CGB colour from 5-bit components."""
    return red | green << 5 | blue << 10


def palette(colour: tuple[int, int, int]) -> bytes:
    """Four colours (white, a light tint, the colour, a dark outline), little-endian words."""
    red, green, blue = colour
    light = tuple(min(31, c + (31 - c) * 2 // 3) for c in colour)
    dark = tuple(c // 3 for c in colour)
    words = (rgb555(31, 31, 31), rgb555(*light), rgb555(red, green, blue), rgb555(*dark))
    return b"".join(w.to_bytes(2, "little") for w in words)
