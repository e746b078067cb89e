"""The maps compiled into what the ROM holds: blocks, the tileset's tables, Crystal's records, the map headers.

Everything a map needs at run time is computed here once: its blocks (2x2 steps, shared by all maps
as one tileset, block 0 all trees), its ``wOverworldMapBlocks`` image with the 3-block border filled
from the connected maps' edges as Crystal fills it, Crystal's connection structs, warp records and
map object records, and the engine's own tables (signs, triggers, connections by side). The engine
then loads a map by copying; the project's reader sees what Crystal's engine would have built.
Every cross-reference (warps, connections, objects on the map) is checked, with errors that name the
map and the place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cartridge.errors import RomError
from cartridge.johto import charmap as ch
from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef, Person, Side, all_maps
from cartridge.johto.gfx import tileset as ts

BORDER = 3
"""Blocks of border around a map in ``wOverworldMapBlocks``."""
MAP_BLOCKS_SIZE = 1300
MAPOBJECT_LENGTH = 16
MAX_OBJECTS = 12
"""Object structs 1..12 each hold one map object (13 structs, the player's first)."""
SIDES: tuple[Side, ...] = ("north", "south", "west", "east")
CONNECTION_BITS: dict[Side, int] = {"east": 0, "west": 1, "south": 2, "north": 3}
FACINGS = {"D": 0, "U": 1, "L": 2, "R": 3}
NO_FLAG = 0xFFFF

Block = tuple[int, int, int, int]
"""Four step kinds: top-left, top-right, bottom-left, bottom-right."""


@functools.cache
def maps() -> tuple[MapDef, ...]:
    found = all_maps()
    validate(found)
    return found


def index_of(key: str) -> int:
    for i, game_map in enumerate(maps()):
        if game_map.key == key:
            return i
    raise RomError(f"no map called {key!r}; the maps are {', '.join(m.key for m in maps())}")


def kind_at(game_map: MapDef, x: int, y: int) -> int:
    return ts.BY_CHAR[game_map.rows[y][x]]


def validate(found: tuple[MapDef, ...]) -> None:
    """Sizes, characters, warps, connections and objects agree; texts fit their boxes."""
    keys = {m.key: m for m in found}
    for m in found:
        if m.width % 2 or m.height % 2 or any(len(row) != m.width for row in m.rows):
            raise RomError(f"map {m.key}: rows must all be {m.width} steps and both sizes even (blocks of 2x2)")
        if (m.width // 2 + 2 * BORDER) * (m.height // 2 + 2 * BORDER) > MAP_BLOCKS_SIZE:
            raise RomError(f"map {m.key}: {m.width}x{m.height} steps do not fit wOverworldMapBlocks with its border")
        for y, row in enumerate(m.rows):
            for x, char in enumerate(row):
                if char not in ts.BY_CHAR:
                    raise RomError(f"map {m.key} ({x},{y}): unknown step {char!r}")
        for warp in m.warps:
            collision = ts.KINDS[kind_at(m, warp.x, warp.y)].collision
            if collision not in (ts.COLL_DOOR, ts.COLL_WARP_CARPET_DOWN):
                raise RomError(f"map {m.key}: warp at ({warp.x},{warp.y}) is not on a door or a mat")
            if warp.to not in keys or warp.dest >= len(keys[warp.to].warps):
                raise RomError(f"map {m.key}: warp at ({warp.x},{warp.y}) leads to {warp.to} #{warp.dest}: none")
        for conn in m.connections:
            other = keys.get(conn.to)
            if other is None or conn.offset % 2:
                raise RomError(f"map {m.key}: connection {conn.side} to {conn.to!r} (offset must be even)")
            back = {"north": "south", "south": "north", "west": "east", "east": "west"}[conn.side]
            if not any(o.side == back and o.to == m.key and o.offset == -conn.offset for o in other.connections):
                raise RomError(f"map {m.key}: {conn.to} has no {back} connection back with offset {-conn.offset}")
        if len(m.people) > MAX_OBJECTS:
            raise RomError(f"map {m.key}: {len(m.people)} objects; at most {MAX_OBJECTS}")
        for person in m.people:
            if not (0 <= person.x < m.width and 0 <= person.y < m.height):
                raise RomError(
                    f"map {m.key}: object {person.name or person.sprite} at ({person.x},{person.y}) is off it"
                )
        for sign in m.signs:
            ch.check_page_text(sign.text, f"{m.key} sign at ({sign.x},{sign.y})")


# ------------------------------------------------------------------ blocks
def _map_blocks(game_map: MapDef) -> list[list[Block]]:
    return [
        [
            (
                kind_at(game_map, 2 * bx, 2 * by),
                kind_at(game_map, 2 * bx + 1, 2 * by),
                kind_at(game_map, 2 * bx, 2 * by + 1),
                kind_at(game_map, 2 * bx + 1, 2 * by + 1),
            )
            for bx in range(game_map.width // 2)
        ]
        for by in range(game_map.height // 2)
    ]


@functools.cache
def block_table() -> tuple[Block, ...]:
    """Every distinct block; id 0 is all trees (the reader takes block 0 for a wall, and so it is)."""
    table: list[Block] = [(ts.TREE,) * 4]
    for game_map in maps():
        border = (ts.BY_CHAR[game_map.border],) * 4
        for block in [border, *(b for row in _map_blocks(game_map) for b in row)]:
            if block not in table:
                table.append(block)
    if len(table) > 256:
        raise RomError(f"the maps use {len(table)} different blocks; a block id is one byte (256)")
    return tuple(table)


def block_ids(game_map: MapDef) -> list[list[int]]:
    table = {block: i for i, block in enumerate(block_table())}
    return [[table[b] for b in row] for row in _map_blocks(game_map)]


def collision_table() -> bytes:
    """Four of Crystal's collision codes per block (the tileset's collision data)."""
    return bytes(ts.KINDS[kind].collision for block in block_table() for kind in block)


def kind_table() -> bytes:
    """Four step kinds per block (what the engine draws)."""
    return bytes(kind for block in block_table() for kind in block)


def overworld_blocks(game_map: MapDef) -> bytes:
    """``wOverworldMapBlocks`` for the map: its blocks in a 3-block border, the connected maps' edges in it."""
    width, height = game_map.width // 2, game_map.height // 2
    stride = width + 2 * BORDER
    border = block_table().index((ts.BY_CHAR[game_map.border],) * 4)
    out = [[border] * stride for _ in range(height + 2 * BORDER)]
    for by, row in enumerate(block_ids(game_map)):
        for bx, block in enumerate(row):
            out[by + BORDER][bx + BORDER] = block
    for conn in game_map.connections:
        other = maps()[index_of(conn.to)]
        theirs = block_ids(other)
        ow, oh = other.width // 2, other.height // 2
        shift = conn.offset // 2
        if conn.side in ("west", "east"):
            for r in range(height + 2 * BORDER):
                src_row = r - BORDER + shift
                if 0 <= src_row < oh:
                    for k in range(BORDER):
                        if conn.side == "west":
                            out[r][k] = theirs[src_row][ow - BORDER + k]
                        else:
                            out[r][width + BORDER + k] = theirs[src_row][k]
        else:
            for col in range(stride):
                src_col = col - BORDER + shift
                if 0 <= src_col < ow:
                    for k in range(BORDER):
                        if conn.side == "north":
                            out[k][col] = theirs[oh - BORDER + k][src_col]
                        else:
                            out[height + BORDER + k][col] = theirs[k][src_col]
    return bytes(b for row in out for b in row)


# ------------------------------------------------------------------ Crystal's records
def connection_structs(game_map: MapDef, blocks_address: dict[str, int]) -> tuple[int, bytes]:
    """``wMapConnections`` and the four 12-byte connection structs (north, south, west, east), as Crystal's
    ``map_connection_struct``; a side with nothing connected has group 0xFF."""
    bits = 0
    out = b""
    width = game_map.width // 2
    stride = width + 2 * BORDER
    for side in SIDES:
        conn = next((x for x in game_map.connections if x.side == side), None)
        if conn is None:
            out += b"\xff" + b"\x00" * 11
            continue
        bits |= 1 << CONNECTION_BITS[side]
        other = maps()[index_of(conn.to)]
        ow, oh = other.width // 2, other.height // 2
        shift = conn.offset // 2
        if side in ("north", "south"):
            length = min(ow - shift, width) if shift >= 0 else min(ow, width + shift)
            location_row = 0 if side == "north" else game_map.height // 2 + BORDER
            location = 0xC800 + location_row * stride + BORDER + max(-shift, 0)
            source_row = oh - BORDER if side == "north" else 0
            pointer = blocks_address[conn.to] + (source_row + BORDER) * (ow + 2 * BORDER) + BORDER + max(shift, 0)
            y_offset = (2 * oh - 1) & 0xFF if side == "north" else 0
            x_offset = conn.offset & 0xFF
        else:
            height = game_map.height // 2
            length = min(oh - shift, height) if shift >= 0 else min(oh, height + shift)
            location_col = 0 if side == "west" else width + BORDER
            location = 0xC800 + (BORDER + max(-shift, 0)) * stride + location_col
            source_col = ow - BORDER if side == "west" else 0
            pointer = blocks_address[conn.to] + (BORDER + max(shift, 0)) * (ow + 2 * BORDER) + source_col + BORDER
            y_offset = conn.offset & 0xFF
            x_offset = (2 * ow - 1) & 0xFF if side == "west" else 0
        window = 0xC800 + stride  # where the screen starts after crossing (informative)
        out += bytes((other.group, other.number))
        out += pointer.to_bytes(2, "little") + location.to_bytes(2, "little")
        out += bytes((max(length, 0), ow, y_offset, x_offset)) + window.to_bytes(2, "little")
    return bits, out


def warp_records(game_map: MapDef) -> bytes:
    """Crystal's ``warp_event`` records: y, x, destination warp (1-based), map group, map number."""
    out = b""
    for warp in game_map.warps:
        dest = maps()[index_of(warp.to)]
        out += bytes((warp.y, warp.x, warp.dest + 1, dest.group, dest.number))
    return out


def object_type(person: Person) -> int:
    if person.item is not None:
        return c.OBJECTTYPE_ITEMBALL
    if person.trainer is not None:
        return c.OBJECTTYPE_TRAINER
    return c.OBJECTTYPE_SCRIPT


def object_record(person: Person, struct_id: int) -> tuple[bytes, bytes]:
    """A ``wMapObjects`` entry without its script pointer (bytes 0-9, then 12-15): the pointer is a label."""
    sight = person.trainer[3] if person.trainer else 0
    flag = NO_FLAG if person.hide_flag is None else person.hide_flag
    head = bytes(
        (
            struct_id,
            person.sprite,
            person.y + 4,
            person.x + 4,
            6 + FACINGS[person.facing],  # SPRITEMOVEDATA_STANDING_DOWN/UP/LEFT/RIGHT
            0,
            0xFF,
            0xFF,
            object_type(person),
            sight,
        )
    )
    return head, flag.to_bytes(2, "little") + b"\x00\x00"


@dataclass(frozen=True)
class SpawnPoint:
    """Where a loss sends the player: a map and a step in it (in front of the nurse)."""

    map_index: int
    x: int
    y: int


SPAWN_KEYS = ("cherrygrove_center", "violet_center")
HOME_SPAWN = ("players_house", 3, 3)


def spawn_point(game_map: MapDef) -> tuple[int, int] | None:
    """In a Center, the step in front of the nurse; elsewhere none."""
    if game_map.key in SPAWN_KEYS:
        nurse = game_map.people[0]
        return nurse.x, nurse.y + 2
    return None
