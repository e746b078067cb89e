"""What the demo keeps in RAM the way Pokémon Crystal does, beside its own game: the data, in Python.

The demo plays on its own cells (``world.py``), but a reader built for Crystal looks at
Crystal's structures: the screen's tile map (``wTilemap``, 20x18 tile ids, where a text box's
words are Crystal character codes), the map's blocks (``wOverworldMapBlocks``, a 3-block
border around ``wMapWidth`` x ``wMapHeight`` blocks of 2x2 steps), the tileset's collision
table in ROM (four collision codes a block, pointed at by ``wTilesetCollisionBank/Address``),
the warps in ROM (``wCurMapWarpEventCount/Pointer`` in ``wMapScriptsBank``) and the map's
objects (``wMapObjects`` with ``wObjectMasks``). This module lays that data out; ``game.py``
copies it into RAM when a map loads and when a box opens or closes. Nothing here touches
the screen or the game's own variables: it is a mirror, written only.

The formats follow the public disassembly (pret/pokecrystal): collision codes from
``constants/collision_constants.asm``, the warp and object records from
``macros/scripts/maps.asm``, the character codes from ``constants/charmap.asm``. The
cartridge keeps its own copy of these facts (it is a separate program from the reader
that checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

from cartridge import graphics as gfx
from cartridge import world as w
from cartridge.errors import RomError

SCREEN_W, SCREEN_H = 20, 18
TEXTBOX_ROW = 12
"""Crystal's text box: rows 12-17, full width; its two lines at (1, 14) and (1, 16)."""
MAP_BORDER = 3
"""Blocks of border around a map in ``wOverworldMapBlocks``."""
BLOCKS_W = (w.MAP_WIDTH + 1) // 2
BLOCKS_H = (w.MAP_HEIGHT + 1) // 2
"""The demo's 10x9 steps as 5x5 blocks; the tenth step row is wall."""
MAP_OBJECTS = 3
"""Map object entries written per map: the player's and up to two more (the most any demo map has)."""
MAPOBJECT_LENGTH = 16
DATA_BANK = 1
"""The ROM bank that holds the collision table and the warps (mapped at 0x4000 from power-on)."""

# collision codes (constants/collision_constants.asm)
COLL_FLOOR = 0x00
COLL_WALL = 0x07
COLL_TALL_GRASS = 0x18
COLL_WARP_CARPET_DOWN = 0x70
COLL_DOOR = 0x71
COLL_WARP_CARPET_LEFT = 0x76
COLL_WARP_CARPET_RIGHT = 0x7E

# object types and sprites (constants/script_constants.asm, constants/sprite_constants.asm)
OBJECTTYPE_SCRIPT = 0
OBJECTTYPE_ITEMBALL = 1
SPRITE_CHRIS = 0x01
SPRITE_FALKNER = 0x12
SPRITE_TEACHER = 0x29
SPRITE_POKE_BALL = 0x54
NO_FLAG = 0xFFFF

# ------------------------------------------------------------------ the character set
_CHARS: dict[str, int] = {
    **{chr(ord("A") + i): 0x80 + i for i in range(26)},
    **{chr(ord("a") + i): 0xA0 + i for i in range(26)},
    **{chr(ord("0") + i): 0xF6 + i for i in range(10)},
    " ": 0x7F,
    "(": 0x9A,
    ")": 0x9B,
    ":": 0x9C,
    "'": 0xE0,
    "-": 0xE3,
    "?": 0xE6,
    "!": 0xE7,
    ".": 0xE8,
    "é": 0xEA,
    "▶": 0xED,
    ",": 0xF4,
}
FRAME_TL, FRAME_H, FRAME_TR, FRAME_V, FRAME_BL, FRAME_BR = 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E
BLANK = 0x7F


def encode(text: str) -> bytes:
    """``text`` as Crystal's character codes (its English font's tiles)."""
    try:
        return bytes(_CHARS[ch] for ch in text)
    except KeyError as exc:
        raise RomError(f"character {exc.args[0]!r} is not in the demo's character table") from exc


# ------------------------------------------------------------------ screen words
@dataclass(frozen=True)
class Box:
    """A framed box on the 20x18 screen with lines of text at (column, row) inside it."""

    left: int
    top: int
    right: int
    bottom: int
    lines: tuple[tuple[int, int, str], ...]


TEXT_STARTER, TEXT_HEAL, TEXT_CHALLENGE, TEXT_TOO_WEAK, TEXT_HAVE_BADGE = range(5)
MESSAGES: dict[int, tuple[str, str]] = {
    TEXT_STARTER: ("Take this POKéMON", "with you. Go on!"),
    TEXT_HEAL: ("Your POKéMON look", "tired. Rest now."),
    TEXT_CHALLENGE: ("I am FALKNER.", "Let us battle!"),
    TEXT_TOO_WEAK: ("Come back with a", "stronger POKéMON."),
    TEXT_HAVE_BADGE: ("You have earned", "the ZEPHYRBADGE."),
}
"""What each talk shows: two lines of at most 18 characters."""

START_MENU_ITEMS = ("POKéMON", "PACK", w.PLAYER_NAME, "SAVE", "OPTION", "EXIT")


def text_box(message: int) -> Box:
    first, second = MESSAGES[message]
    return Box(0, TEXTBOX_ROW, SCREEN_W - 1, SCREEN_H - 1, ((1, 14, first), (1, 16, second)))


def start_menu() -> Box:
    """Crystal's START menu: a box from (10, 0), items every other row from (12, 2), the cursor at (11, 2)."""
    lines = tuple((12, 2 + 2 * i, item) for i, item in enumerate(START_MENU_ITEMS))
    return Box(10, 0, SCREEN_W - 1, 3 + 2 * len(START_MENU_ITEMS), ((11, 2, "▶"), *lines))


def battle_menu() -> Box:
    """Crystal's battle menu box at (8, 12): FIGHT, PKMN, PACK, RUN, the cursor on FIGHT."""
    return Box(
        8, TEXTBOX_ROW, SCREEN_W - 1, SCREEN_H - 1, ((9, 14, "▶"), (10, 14, "FIGHT"), (10, 16, "PACK"), (16, 16, "RUN"))
    )


def draw(box: Box, first_row: int, rows: int) -> bytes:
    """Rows ``first_row .. first_row + rows - 1`` of a tile map holding only ``box`` (0 elsewhere)."""
    tiles = bytearray(SCREEN_W * SCREEN_H)
    for y in range(box.top, box.bottom + 1):
        for x in range(box.left, box.right + 1):
            edge_y = 0 if y == box.top else 2 if y == box.bottom else 1
            edge_x = 0 if x == box.left else 2 if x == box.right else 1
            tiles[y * SCREEN_W + x] = (
                (FRAME_TL, FRAME_H, FRAME_TR),
                (FRAME_V, BLANK, FRAME_V),
                (FRAME_BL, FRAME_H, FRAME_BR),
            )[edge_y][edge_x]
    for x, y, text in box.lines:
        if x + len(text) > box.right:
            raise RomError(f"{text!r} at ({x},{y}) runs over its box's right edge ({box.right})")
        tiles[y * SCREEN_W + x : y * SCREEN_W + x + len(text)] = encode(text)
    if any(tiles[: first_row * SCREEN_W]) or any(tiles[(first_row + rows) * SCREEN_W :]):
        raise RomError(f"a box drawn outside rows {first_row}..{first_row + rows - 1}")
    return bytes(tiles[first_row * SCREEN_W : (first_row + rows) * SCREEN_W])


def box_lines(box: Box) -> tuple[str, ...]:
    """The box's text row by row as a reader should find it (what the tests compare with)."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for x, y, text in box.lines:
        rows.setdefault(y, []).append((x, text))
    out = []
    for y in sorted(rows):
        line = [" "] * SCREEN_W
        for x, text in rows[y]:
            line[x : x + len(text)] = text
        out.append(" ".join("".join(line).split()))
    return tuple(out)


# ------------------------------------------------------------------ map structures
def cell_collision(game_map: int, x: int, y: int) -> int:
    """The collision code Crystal would have under the step (x, y): people and balls are objects on floor."""
    if y >= w.MAP_HEIGHT or x >= w.MAP_WIDTH:
        return COLL_WALL
    cell = w.MAPS[game_map].cell(x, y)
    if cell == gfx.WALL:
        return COLL_WALL
    if cell == gfx.GRASS:
        return COLL_TALL_GRASS
    if cell == gfx.EXIT:
        if x == 0:
            return COLL_WARP_CARPET_LEFT
        if x == w.MAP_WIDTH - 1:
            return COLL_WARP_CARPET_RIGHT
        if y == w.MAP_HEIGHT - 2:
            return COLL_WARP_CARPET_DOWN
        return COLL_DOOR
    return COLL_FLOOR


WALL_BLOCK = (COLL_WALL,) * 4


def _block_table() -> list[tuple[int, int, int, int]]:
    """Every distinct block (four collision codes: top-left, top-right, bottom-left, bottom-right) of the
    demo's maps; id 0 is never used (Crystal reads block 0 as no collision data), id 1 is all wall."""
    table = [WALL_BLOCK, WALL_BLOCK]
    for index in range(len(w.MAPS)):
        for by in range(BLOCKS_H):
            for bx in range(BLOCKS_W):
                block = _block_at(index, bx, by)
                if block not in table:
                    table.append(block)
    if len(table) > 256:
        raise RomError(f"{len(table)} distinct blocks; a block id is one byte")
    return table


def _block_at(game_map: int, bx: int, by: int) -> tuple[int, int, int, int]:
    x, y = 2 * bx, 2 * by
    return (
        cell_collision(game_map, x, y),
        cell_collision(game_map, x + 1, y),
        cell_collision(game_map, x, y + 1),
        cell_collision(game_map, x + 1, y + 1),
    )


BLOCKS = _block_table()
BORDER_BLOCK = 1


def collision_table() -> bytes:
    """Four collision codes per block id, as the tileset's collision data is laid out."""
    return b"".join(bytes(block) for block in BLOCKS)


def map_blocks(game_map: int) -> bytes:
    """``wOverworldMapBlocks`` for one map: its blocks inside a border of wall blocks, row-major."""
    stride = BLOCKS_W + 2 * MAP_BORDER
    out = bytearray([BORDER_BLOCK] * stride * (BLOCKS_H + 2 * MAP_BORDER))
    for by in range(BLOCKS_H):
        for bx in range(BLOCKS_W):
            out[(by + MAP_BORDER) * stride + bx + MAP_BORDER] = BLOCKS.index(_block_at(game_map, bx, by))
    return bytes(out)


def warp_events(game_map: int) -> bytes:
    """The map's warps as ``warp_event`` records: y, x, destination warp (1-based, 0 when none), group, number.
    The destination warp is the exit next to where the demo puts the player."""
    out = bytearray()
    for ex in (e for e in w.EXITS if e.source == game_map):
        dest_exits = [e for e in w.EXITS if e.source == ex.dest]
        near = [i for i, d in enumerate(dest_exits) if abs(d.x - ex.dest_x) + abs(d.y - ex.dest_y) == 1]
        dest = w.MAPS[ex.dest]
        out += bytes((ex.y, ex.x, near[0] + 1 if near else 0, dest.group, dest.number))
    return bytes(out)


@dataclass(frozen=True)
class MapObject:
    """One ``object_event``: who or what stands where, and the event flag that hides it."""

    x: int
    y: int
    sprite: int
    type: int
    flag: int = NO_FLAG

    def record(self) -> bytes:
        """The 16-byte ``wMapObjects`` entry (no object struct: 0xFF)."""
        body = bytes(
            (
                self.sprite,
                self.y + 4,
                self.x + 4,
                0,
                0,
                0xFF,
                0xFF,
                self.type,
                0,
                0,
                0,
                self.flag & 0xFF,
                self.flag >> 8,
            )
        )
        return (b"\xff" + body).ljust(MAPOBJECT_LENGTH, b"\x00")


def map_objects(game_map: int) -> tuple[MapObject, ...]:
    """The people and item balls of one map, in reading order."""
    out = []
    for y, row in enumerate(w.MAPS[game_map].rows):
        for x, ch in enumerate(row):
            cell = gfx.CELL_CHARS[ch]
            if cell == gfx.NPC:
                out.append(MapObject(x, y, SPRITE_TEACHER, OBJECTTYPE_SCRIPT))
            elif cell == gfx.LEADER:
                out.append(MapObject(x, y, SPRITE_FALKNER, OBJECTTYPE_SCRIPT))
            elif cell == gfx.ITEM:
                item = next(i for i in w.ITEMS if (i.map, i.x, i.y) == (game_map, x, y))
                out.append(MapObject(x, y, SPRITE_POKE_BALL, OBJECTTYPE_ITEMBALL, item.flag))
    if len(out) >= MAP_OBJECTS:
        raise RomError(f"map {w.MAPS[game_map].name} has {len(out)} objects; the mirror writes {MAP_OBJECTS - 1}")
    return tuple(out)


def map_object_records(game_map: int) -> bytes:
    """``wMapObjects`` entries 0..MAP_OBJECTS-1: the player's, the map's objects, empty ones."""
    player = bytes((0, SPRITE_CHRIS)).ljust(MAPOBJECT_LENGTH, b"\x00")
    out = player + b"".join(obj.record() for obj in map_objects(game_map))
    return out.ljust(MAP_OBJECTS * MAPOBJECT_LENGTH, b"\x00")
