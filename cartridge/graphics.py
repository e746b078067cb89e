"""The cartridge's own pictures: 16x16 map cells, the player sprite, the text-box frame.

Everything is drawn here in Python (ASCII art and a few shapes) and converted to the
Game Boy's 2-bit-per-pixel tile format, so the project ships no third-party graphics.
Shade characters: ``.`` colour 0, ``+`` colour 1, ``o`` colour 2, ``#`` colour 3; which
real colour each one is comes from the cell type's CGB palette.
"""

from __future__ import annotations

from collections.abc import Callable

from cartridge.errors import RomError

SHADES = {".": 0, "+": 1, "o": 2, "#": 3}

# Cell types: the index is also the BG palette number and (times four) the first tile.
FLOOR, WALL, GRASS, EXIT, ITEM, GYM, NPC, LEADER = range(8)
CELL_NAMES = ("floor", "wall", "grass", "exit", "item", "gym", "npc", "leader")
CELL_CHARS = {".": FLOOR, "#": WALL, ",": GRASS, "E": EXIT, "$": ITEM, "_": GYM, "N": NPC, "L": LEADER}
BLOCKING = (WALL, NPC, LEADER)

BOX_FIRST_TILE = 32  # nine 8x8 text-box frame tiles
SPRITE_FIRST_TILE = 48  # player: down, up, side (4 tiles each)
TEXT_PALETTE = FLOOR  # the window reuses the floor palette (white, black ink)

PERSON_DOWN = """
......####......
....##oooo##....
...#oooooooo#...
...#oo++++oo#...
...#+#++++#+#...
...#++++++++#...
....#++++++#....
...##oooooo##...
..#+#oooooo#+#..
..#+#oooooo#+#..
...##oooooo##...
....#oooooo#....
....########....
....#oo##oo#....
....####.###....
................
"""

PERSON_UP = """
......####......
....##oooo##....
...#oooooooo#...
...#oooooooo#...
...#oooooooo#...
...#oooooooo#...
....#oooooo#....
...##oooooo##...
..#+#oooooo#+#..
..#+#oooooo#+#..
...##oooooo##...
....#oooooo#....
....########....
....#oo##oo#....
....####.###....
................
"""

PERSON_SIDE = """
......####......
....##oooo##....
...#oooooooo#...
...#oooo++++#...
...#ooo++#++#...
...#ooo+++++#...
....#o+++++#....
....#oooooo#....
....#o#+ooo#....
....#o#+ooo#....
....#oooooo#....
....#oooooo#....
....########....
.....#oo#o#.....
.....###.##.....
................
"""


def parse_picture(art: str, width: int = 16, height: int = 16) -> list[list[int]]:
    """Turn ASCII art into rows of colour indices, checking its size (a typo would shift tiles)."""
    rows = [line for line in art.strip("\n").splitlines()]
    if len(rows) != height or any(len(row) != width for row in rows):
        raise RomError(f"picture must be {width}x{height} characters, got {[len(r) for r in rows]}")
    try:
        return [[SHADES[ch] for ch in row] for row in rows]
    except KeyError as exc:
        raise RomError(f"unknown shade character {exc.args[0]!r}; use one of {''.join(SHADES)}") from exc


def encode_tile(pixels: list[list[int]]) -> bytes:
    """One 8x8 tile in 2bpp: per row a low-bit byte then a high-bit byte, leftmost pixel = bit 7."""
    out = bytearray()
    for row in pixels:
        low = high = 0
        for x, colour in enumerate(row):
            low |= (colour & 1) << (7 - x)
            high |= (colour >> 1) << (7 - x)
        out += bytes((low, high))
    return bytes(out)


def split_16x16(pixels: list[list[int]]) -> bytes:
    """Four tiles in the order top-left, top-right, bottom-left, bottom-right."""
    quads = []
    for oy, ox in ((0, 0), (0, 8), (8, 0), (8, 8)):
        quads.append(encode_tile([row[ox : ox + 8] for row in pixels[oy : oy + 8]]))
    return b"".join(quads)


def _grid(fn: Callable[[int, int], int]) -> list[list[int]]:
    return [[fn(x, y) for x in range(16)] for y in range(16)]


def _floor(x: int, y: int) -> int:
    return 1 if (x * 7 + y * 13) % 29 == 0 else 0


def _tree(x: int, y: int) -> int:
    if y >= 12:
        return 3 if 6 <= x <= 9 else _floor(x, y)
    d = (x - 7.5) ** 2 + (y - 6) ** 2
    if d < 30:
        return 1 if (x + y) % 5 == 0 and d < 20 else 2
    if d < 42:
        return 3
    return _floor(x, y)


def _grass(x: int, y: int) -> int:
    lx, ly = x % 8, y % 8
    if ly in (2, 3, 4) and lx in (1, 3, 5) and (lx - 1) // 2 <= ly - 2:
        return 3
    if ly >= 5:
        return 2
    return 1 if (lx + ly) % 3 == 0 else 0


def _exit(x: int, y: int) -> int:
    if x in (0, 15) or y == 0:
        return 3
    if y >= 13:
        return 1 if (x // 2 + y) % 2 else 2
    return 2 if x % 5 else 3


def _ball(x: int, y: int) -> int:
    d = (x - 7.5) ** 2 + (y - 7.5) ** 2
    if d > 42:
        return _floor(x, y)
    if d > 30 or y in (7, 8):
        return 3
    return 2 if y < 7 else 1


def _gym(x: int, y: int) -> int:
    if x == 0 or y == 0:
        return 3
    return 1 if (x // 4 + y // 4) % 2 else 0


def cell_pictures() -> list[list[list[int]]]:
    """The eight cell pictures, indexed by cell type."""
    person = parse_picture(PERSON_DOWN)
    return [
        _grid(_floor),
        _grid(_tree),
        _grid(_grass),
        _grid(_exit),
        _grid(_ball),
        _grid(_gym),
        person,
        person,
    ]


def box_tiles() -> bytes:
    """Nine 8x8 frame tiles: corners, edges and the plain inside (ink = colour 3)."""
    tiles = []
    for part in range(9):
        row_band, col_band = divmod(part, 3)  # 0 top/left, 1 middle, 2 bottom/right
        pixels = []
        for y in range(8):
            line = []
            for x in range(8):
                ink = (row_band == 0 and y == 2) or (row_band == 2 and y == 5)
                ink = ink or (col_band == 0 and x == 2) or (col_band == 2 and x == 5)
                inside_y = (row_band != 0 or y >= 2) and (row_band != 2 or y <= 5)
                inside_x = (col_band != 0 or x >= 2) and (col_band != 2 or x <= 5)
                line.append(3 if ink and inside_x and inside_y else 0)
            pixels.append(line)
        tiles.append(encode_tile(pixels))
    return b"".join(tiles)


def tile_data() -> bytes:
    """All tile data, to be copied to VRAM 0x8000 (tile numbers as the constants above say)."""
    data = bytearray(b"".join(split_16x16(p) for p in cell_pictures()))
    data += box_tiles()
    data = data.ljust(SPRITE_FIRST_TILE * 16, b"\x00")
    for art in (PERSON_DOWN, PERSON_UP, PERSON_SIDE):
        data += split_16x16(parse_picture(art))
    return bytes(data)


def window_map() -> bytes:
    """A 32x18 window tile map: one big framed box, shown partly for text, menu and battle."""
    rows = []
    for y in range(18):
        band_y = 0 if y == 0 else 2 if y == 17 else 1
        row = []
        for x in range(32):
            band_x = 0 if x == 0 else 2 if x == 19 else 1
            row.append(BOX_FIRST_TILE + band_y * 3 + band_x if x < 20 else BOX_FIRST_TILE + 4)
        rows.append(bytes(row))
    return b"".join(rows)


def rgb(r: int, g: int, b: int) -> int:
    """An RGB555 colour from 8-bit components."""
    return (r >> 3) | (g >> 3) << 5 | (b >> 3) << 10


BG_PALETTES: list[tuple[int, int, int, int]] = [
    (rgb(248, 240, 216), rgb(216, 200, 160), rgb(150, 120, 80), rgb(24, 24, 32)),  # floor / text
    (rgb(200, 232, 160), rgb(104, 184, 72), rgb(40, 112, 48), rgb(16, 40, 16)),  # wall (tree)
    (rgb(200, 240, 150), rgb(120, 200, 90), rgb(56, 144, 56), rgb(16, 64, 24)),  # grass
    (rgb(248, 224, 176), rgb(232, 160, 96), rgb(160, 80, 40), rgb(56, 24, 16)),  # exit
    (rgb(248, 248, 248), rgb(240, 240, 240), rgb(224, 48, 40), rgb(24, 24, 32)),  # item ball
    (rgb(232, 232, 248), rgb(176, 176, 224), rgb(96, 96, 160), rgb(32, 32, 72)),  # gym floor
    (rgb(248, 240, 216), rgb(248, 200, 160), rgb(64, 120, 224), rgb(24, 24, 32)),  # npc
    (rgb(248, 240, 216), rgb(248, 200, 160), rgb(120, 72, 200), rgb(24, 24, 32)),  # leader
]
OBJ_PALETTES: list[tuple[int, int, int, int]] = [
    (rgb(0, 0, 0), rgb(248, 208, 168), rgb(216, 40, 40), rgb(24, 24, 32)),  # player
]


def palette_bytes(palettes: list[tuple[int, int, int, int]]) -> bytes:
    """Palettes as the CGB palette RAM wants them: little-endian RGB555, four colours each."""
    out = bytearray()
    for palette in palettes:
        for colour in palette:
            out += bytes((colour & 0xFF, colour >> 8))
    return bytes(out)


# Player sprite: (tile offset, attribute) for the four 8x8 parts TL, TR, BL, BR per facing.
# Facing index: 0 down, 1 up, 2 left, 3 right (right = left mirrored, OAM attribute bit 5).
XFLIP = 0x20


def sprite_table() -> bytes:
    """Per facing, four (tile, attribute) pairs for the OAM entries in TL, TR, BL, BR order."""
    down, up, side = SPRITE_FIRST_TILE, SPRITE_FIRST_TILE + 4, SPRITE_FIRST_TILE + 8
    table = [
        [(down, 0), (down + 1, 0), (down + 2, 0), (down + 3, 0)],
        [(up, 0), (up + 1, 0), (up + 2, 0), (up + 3, 0)],
        [(side, 0), (side + 1, 0), (side + 2, 0), (side + 3, 0)],
        [(side + 1, XFLIP), (side, XFLIP), (side + 3, XFLIP), (side + 2, XFLIP)],
    ]
    return bytes(b for facing in table for pair in facing for b in pair)
