"""The Johto world's ground: what each map character is (its collision code, palette and 16x16 picture).

A map is drawn in steps (one character a step, ``data/maps``); a step kind here becomes four 8x8
tiles at ids ``4 * kind`` .. ``4 * kind + 3`` (top-left, top-right, bottom-left, bottom-right) of VRAM
bank 0, in its BG palette. The collision codes are Crystal's (``constants/collision_constants.asm``),
so the project's reader classifies the steps as the game does. Pictures are made here by small
functions, four shades each (0 light .. 3 dark); the palettes say which colours those are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from cartridge.errors import RomError
from cartridge.graphics import split_16x16
from cartridge.johto.layout import MAP_TILE_COUNT

# collision codes (constants/collision_constants.asm)
COLL_FLOOR = 0x00
COLL_WALL = 0x07
COLL_TALL_GRASS = 0x18
COLL_WATER = 0x29
COLL_WARP_CARPET_DOWN = 0x70
COLL_DOOR = 0x71
COLL_COUNTER = 0x90
COLL_HOP_DOWN = 0xA3

# BG palettes (7 is the text's)
PAL_GROUND, PAL_GREEN, PAL_WATER, PAL_ROOF, PAL_INDOOR, PAL_GYM, PAL_CENTER = range(7)
BG_PALETTES: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((31, 31, 27), (27, 25, 17), (20, 16, 8), (6, 5, 3)),  # ground: paths, houses' walls
    ((26, 31, 20), (14, 26, 10), (5, 16, 6), (2, 6, 2)),  # trees, grass, ledges
    ((24, 29, 31), (12, 20, 31), (4, 10, 24), (1, 3, 10)),  # water
    ((31, 29, 26), (29, 14, 10), (18, 5, 4), (6, 2, 2)),  # roofs
    ((31, 29, 22), (26, 20, 12), (16, 11, 6), (5, 3, 2)),  # indoors
    ((29, 28, 31), (20, 18, 28), (10, 8, 18), (3, 2, 7)),  # the gym
    ((31, 28, 29), (31, 16, 20), (20, 6, 10), (6, 1, 3)),  # the Pokémon Center
)

Picture = list[list[int]]


def _grid(fn: Callable[[int, int], int]) -> Picture:
    return [[fn(x, y) for x in range(16)] for y in range(16)]


def _speckle(x: int, y: int) -> int:
    return 1 if (x * 7 + y * 13) % 23 == 0 else 0


def _tree(x: int, y: int) -> int:
    if y >= 12:
        return 3 if 6 <= x <= 9 else 1
    d = (x - 7.5) ** 2 + (y - 6) ** 2
    if d < 30:
        return 1 if (x + 2 * y) % 7 == 0 else 2
    return 3 if d < 44 else 1


def _grass(x: int, y: int) -> int:
    lx, ly = x % 8, y % 8
    if ly in (1, 2, 3) and lx in (1, 4, 6):
        return 3
    return 2 if ly >= 4 else 1


def _lawn(x: int, y: int) -> int:
    return 2 if (x + y * 3) % 11 == 0 else 1


def _water(x: int, y: int) -> int:
    return 2 if (y % 4 == 1 and (x + y) % 8 < 4) else 1


def _ledge(x: int, y: int) -> int:
    if y >= 12:
        return 3 if y == 12 else 2
    return _lawn(x, y)


def _roof(x: int, y: int) -> int:
    return 3 if y % 4 == 3 else (2 if (x + y // 4 * 2) % 8 == 0 else 1)


def _wall(x: int, y: int) -> int:
    if y in (0, 15):
        return 3
    return 2 if 4 <= x <= 11 and 4 <= y <= 10 and (x in (4, 11) or y in (4, 10)) else 1


def _door(x: int, y: int) -> int:
    if 3 <= x <= 12 and y >= 2:
        return 3 if x in (3, 12) or y == 2 else 2
    return 1


def _sign(x: int, y: int) -> int:
    if 2 <= x <= 13 and 2 <= y <= 9:
        return 3 if x in (2, 13) or y in (2, 9) else 1
    return 3 if 7 <= x <= 8 and y > 9 else 0


def _fence(x: int, y: int) -> int:
    return 3 if (x % 8 in (2, 3)) or y in (4, 5, 10, 11) else 0


def _flower(x: int, y: int) -> int:
    d = (x % 8 - 3.5) ** 2 + (y % 8 - 3.5) ** 2
    return 3 if d < 2 else (2 if d < 6 else 0)


def _floor_in(x: int, y: int) -> int:
    return 1 if y % 8 == 7 or (x + (y // 8) * 8) % 16 == 15 else 0


def _wall_in(x: int, y: int) -> int:
    return 3 if y >= 14 else (2 if y % 5 == 4 else 1)


def _carpet(x: int, y: int) -> int:
    return 3 if x in (1, 14) or y in (1, 14) else 2


def _shelf(x: int, y: int) -> int:
    return 3 if y % 5 == 0 or x in (0, 15) else (1 + (x // 3) % 2)


def _counter(x: int, y: int) -> int:
    return 3 if y in (3, 15) else (2 if y < 3 else 1)


def _table(x: int, y: int) -> int:
    return 3 if (1 <= x <= 14 and y in (4, 12)) or (x in (1, 14) and 4 <= y <= 12) else (2 if 4 < y < 12 else 0)


def _gym_floor(x: int, y: int) -> int:
    return 1 if (x // 4 + y // 4) % 2 else 0


def _statue(x: int, y: int) -> int:
    d = abs(x - 7.5) + abs(y - 6)
    return 3 if d > 6 and y < 13 else (2 if y < 13 else 3)


def _rock(x: int, y: int) -> int:
    d = math.hypot(x - 7.5, y - 8)
    return 3 if 6 < d < 7.5 else (2 if d <= 6 else 0)


@dataclass(frozen=True)
class StepKind:
    """What one map character is."""

    char: str
    name: str
    collision: int
    palette: int
    picture: Callable[[int, int], int]

    @property
    def walkable(self) -> bool:
        """Floor, grass, doors and mats take a step; walls, water, counters and ledges (from the side) do not."""
        return self.collision in (COLL_FLOOR, COLL_TALL_GRASS, COLL_DOOR, COLL_WARP_CARPET_DOWN)


KINDS: tuple[StepKind, ...] = (
    StepKind("T", "tree", COLL_WALL, PAL_GREEN, _tree),
    StepKind(".", "path", COLL_FLOOR, PAL_GROUND, _speckle),
    StepKind(",", "tall grass", COLL_TALL_GRASS, PAL_GREEN, _grass),
    StepKind('"', "lawn", COLL_FLOOR, PAL_GREEN, _lawn),
    StepKind("~", "water", COLL_WATER, PAL_WATER, _water),
    StepKind("v", "ledge", COLL_HOP_DOWN, PAL_GREEN, _ledge),
    StepKind("R", "roof", COLL_WALL, PAL_ROOF, _roof),
    StepKind("H", "house wall", COLL_WALL, PAL_GROUND, _wall),
    StepKind("D", "door", COLL_DOOR, PAL_GROUND, _door),
    StepKind("S", "sign", COLL_WALL, PAL_GROUND, _sign),
    StepKind("f", "fence", COLL_WALL, PAL_GROUND, _fence),
    StepKind("F", "flowers", COLL_FLOOR, PAL_ROOF, _flower),
    StepKind("_", "floor", COLL_FLOOR, PAL_INDOOR, _floor_in),
    StepKind("#", "inside wall", COLL_WALL, PAL_INDOOR, _wall_in),
    StepKind("M", "mat", COLL_WARP_CARPET_DOWN, PAL_ROOF, _carpet),
    StepKind("B", "shelf", COLL_WALL, PAL_INDOOR, _shelf),
    StepKind("K", "counter", COLL_COUNTER, PAL_CENTER, _counter),
    StepKind("t", "table", COLL_WALL, PAL_INDOOR, _table),
    StepKind("G", "gym floor", COLL_FLOOR, PAL_GYM, _gym_floor),
    StepKind("g", "statue", COLL_WALL, PAL_GYM, _statue),
    StepKind("P", "center roof", COLL_WALL, PAL_CENTER, _roof),
    StepKind("o", "rock", COLL_WALL, PAL_GROUND, _rock),
)
BY_CHAR: dict[str, int] = {kind.char: index for index, kind in enumerate(KINDS)}
TREE = BY_CHAR["T"]


def tile_data() -> bytes:
    """Every kind's four tiles in 2bpp, kind by kind (tile id = 4 * kind + quarter)."""
    if 4 * len(KINDS) > MAP_TILE_COUNT:
        raise RomError(f"{len(KINDS)} step kinds need {4 * len(KINDS)} tiles; the map has {MAP_TILE_COUNT}")
    return b"".join(split_16x16(_grid(kind.picture)) for kind in KINDS)


def palette_bytes() -> bytes:
    """The seven map palettes, CGB colours little-endian, 8 bytes a palette."""
    out = bytearray()
    for palette in BG_PALETTES:
        for red, green, blue in palette:
            value = red | green << 5 | blue << 10
            out += bytes((value & 0xFF, value >> 8))
    return bytes(out)
