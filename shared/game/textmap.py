"""The area around the player as a text map: what a planner needs to see to walk somewhere.

Built from RAM the way Pokémon Crystal keeps its map, and from the cartridge's own ROM where
the game keeps the rest there (read at run time from the user's ROM; nothing of it is stored):

- `wOverworldMapBlocks`: the map's blocks (4x4 tiles, 2x2 steps each) inside a border of 3 blocks
  (where Crystal copies the connected maps' edges), `wMapWidth + 6` blocks a row;
- the tileset's collision table in ROM at `wTilesetCollisionBank:wTilesetCollisionAddress`, four
  collision codes a block (top-left, top-right, bottom-left, bottom-right), as the game's own
  `GetCoordTileCollision` reads it; the codes are classified as the game's
  `CollisionPermissionTable` does (land, water, wall), grass and ledges apart;
- the warps in ROM at `wMapScriptsBank:wCurMapWarpEventsPointer` (`wCurMapWarpEventCount` records
  of y, x, destination warp, map group, map number), so each door says where it leads;
- the connections (`wMapConnections`, the connected map's group and number in each direction);
- the people and item balls: `wObjectStructs` (the ones on screen, where they stand now) and
  `wMapObjects` (the rest, where they start), hidden ones left out by `wObjectMasks`.

Object coordinates are map coordinates plus 4, as the game keeps them. Everything is a pure
function of those bytes, the ROM and the `GameState`, so it is tested on crafted bytes and on the
demo cartridge, which keeps the same structures. Built only when a plan is asked for or a walk
needs a path, never in the step.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.buttons import MOVES, Button
from shared.game.maps import map_name
from shared.game.ram_map import BY_NAME, RamVar
from shared.game.reader import BankedMemory
from shared.game.state import GameState

BORDER_BLOCKS = 3
"""Blocks of border around the map in `wOverworldMapBlocks` (6 steps)."""
OBJECT_OFFSET = 4
"""Object and warp-check coordinates are map coordinates plus this."""
OVERWORLD_BLOCKS_SIZE = 1300
OBJECT_LENGTH, OBJECT_STRUCTS = 0x28, 13
MAPOBJECT_LENGTH, MAP_OBJECTS = 16, 16
WARP_EVENT_SIZE = 5
MAX_WARPS = 64
"""More than any map has; a count past it is a half-loaded map, read as none."""
OBJECTTYPE_ITEMBALL = 1

VIEW_LEFT, VIEW_RIGHT, VIEW_UP, VIEW_DOWN = 4, 5, 4, 4
"""The window shown: the screen's 10x9 steps, the player at the fifth column and row, as the game draws it."""

Side = Literal["north", "south", "west", "east"]
_CONNECTION_BITS: dict[Side, int] = {"east": 0, "west": 1, "south": 2, "north": 3}
"""`wMapConnections` bits (constants/map_data_constants.asm)."""
_CONNECTION_VARS: dict[Side, str] = {
    "north": "wNorthMapConnection",
    "south": "wSouthMapConnection",
    "west": "wWestMapConnection",
    "east": "wEastMapConnection",
}

# what the map's characters mean (the planner's system prompt explains the same legend)
WALL, FLOOR, GRASS, WATER, LEDGE, EXIT, PERSON, ITEM, PLAYER = "#", ".", ",", "~", "v", "E", "P", "*", "@"
LEGEND: dict[str, str] = {
    PLAYER: "you",
    WALL: "wall or obstacle",
    FLOOR: "floor",
    GRASS: "tall grass (wild Pokémon)",
    WATER: "water",
    LEDGE: "ledge (jump down from above only)",
    EXIT: "exit: door, stairs or warp",
    PERSON: "person",
    ITEM: "item ball",
}

# collision codes (constants/collision_constants.asm) and their kinds (data/collision/collision_permissions.asm)
_GRASS = frozenset({0x14, 0x18})
_LEDGES: dict[int, frozenset[tuple[int, int]]] = {
    0xA0: frozenset({(1, 0)}),
    0xA1: frozenset({(-1, 0)}),
    0xA2: frozenset({(0, -1)}),
    0xA3: frozenset({(0, 1)}),
    0xA4: frozenset({(0, 1), (1, 0)}),
    0xA5: frozenset({(0, 1), (-1, 0)}),
}
"""Ledge codes and the presses that jump them (over the ledge: two steps that way); no other press crosses one."""
_WALLS = frozenset(
    {0x07, 0x0F, 0x12, 0x15, 0x1A, 0x1D, 0x27, 0x2F, 0x62, 0x6A, 0xFF}
    | set(range(0x80, 0x85))
    | set(range(0x88, 0x8D))
    | set(range(0x90, 0xA0))
)
_LAND_IN_WATER_RANGE = frozenset({0x23, 0x2B})  # ice
_CARPETS: dict[int, Button] = {0x70: Button.DOWN, 0x76: Button.LEFT, 0x78: Button.UP, 0x7E: Button.RIGHT}
"""Warp carpets: the warp happens on walking off them this way."""


def terrain(code: int) -> str:
    """A collision code as the map's character (warps are marked from the warp table, not from codes)."""
    if code in _WALLS:
        return WALL
    if code in _GRASS:
        return GRASS
    if code in _LEDGES:
        return LEDGE
    if (0x20 <= code < 0x40 and code not in _LAND_IN_WATER_RANGE) or 0xC0 <= code < 0xD0:
        return WATER
    return FLOOR


_MAP_VAR_NAMES = (
    "wOverworldMapBlocks",
    "wMapBorderBlock",
    "wMapHeight",
    "wMapWidth",
    "wMapScriptsBank",
    "wMapConnections",
    *_CONNECTION_VARS.values(),
    "wTilesetCollisionBank",
    "wTilesetCollisionAddress",
    "wObjectStructs",
    "wMapObjects",
    "wObjectMasks",
    "wCurMapWarpEventCount",
    "wCurMapWarpEventsPointer",
)


@dataclass(frozen=True)
class MapRam:
    """The bytes of every variable the map is built from, by name."""

    data: dict[str, bytes]

    def u8(self, name: str) -> int:
        return self.data[name][0]

    def pointer(self, name: str) -> int:
        """A little-endian address, as the CPU stores one."""
        return int.from_bytes(self.data[name][:2], "little")


def read_map_ram(memory: BankedMemory, variables: Mapping[str, RamVar] = BY_NAME) -> MapRam:
    """One read a variable (about 2.3 KB in all): WRAM0 as mapped, WRAM bank 1 explicitly. `variables`: where
    each is (a symbol file's `Layout.on_demand` for a ROM hack; Crystal's by default)."""
    found = (variables[name] for name in _MAP_VAR_NAMES)
    return MapRam(
        {var.name: bytes(memory[1, var.addr : var.end] if var.bank else memory[var.addr : var.end]) for var in found}
    )


def rom_byte(rom: bytes, bank: int, address: int) -> int | None:
    """The byte at `bank:address` as the CPU would see it (0000-3FFF is always bank 0); None outside the ROM."""
    offset = address if address < 0x4000 else bank * 0x4000 + (address - 0x4000)
    if not 0 <= address < 0x8000 or offset >= len(rom):
        return None
    return rom[offset]


class MapExit(BaseModel):
    """A way off this map: a warp at (x, y), or a whole edge (x and y None) joined to the next map."""

    model_config = ConfigDict(frozen=True)

    x: int | None = None
    y: int | None = None
    edge: Side | None = None
    to: str
    """The destination map's name (or its group and number when the name is not known)."""


class TextMap(BaseModel):
    """The window around the player as rows of characters (`LEGEND`), and what is in and around it."""

    model_config = ConfigDict(frozen=True)

    map_name: str
    left: int
    """Map x of the rows' first column (may be negative: the border)."""
    top: int
    rows: tuple[str, ...]
    x: int
    y: int
    facing: str
    exits: tuple[MapExit, ...] = ()
    """Every exit of the map, the nearest first; those in the window are also `E` in the rows."""
    people: tuple[tuple[int, int], ...] = ()
    items: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Thing:
    x: int
    y: int
    kind: Literal["person", "item"]


@dataclass(frozen=True)
class Warp:
    x: int
    y: int
    group: int
    number: int
    carpet: Button | None = None
    """The way to walk off a warp carpet for the warp to happen (None: stepping on it is enough)."""


@dataclass(frozen=True)
class Collisions:
    """Collision codes of the map's steps and its 6-step border, looked up when asked for (a prompt needs 90
    of a big map's 2,500, a path search a few hundred) and kept."""

    blocks: bytes
    stride: int
    rom: bytes
    bank: int
    table: int
    width: int
    height: int
    known: dict[tuple[int, int], int] = field(default_factory=dict)

    def get(self, cell: tuple[int, int], default: int | None = None) -> int | None:
        """The step's collision code (0xFF, a wall, for a block without collision data), `default` off the area."""
        code = self.known.get(cell)
        if code is not None:
            return code
        x, y = cell
        border = 2 * BORDER_BLOCKS
        if not self.blocks or not (-border <= x < self.width + border and -border <= y < self.height + border):
            return default
        block = self.blocks[((y + border) // 2) * self.stride + (x + border) // 2]
        found = rom_byte(self.rom, self.bank, self.table + block * 4 + (x & 1) + 2 * (y & 1)) if block else None
        code = self.known[cell] = 0xFF if found is None else found
        return code

    def __contains__(self, cell: tuple[int, int]) -> bool:
        return self.get(cell) is not None


NO_COLLISIONS = Collisions(b"", 0, b"", 0, 0, 0, 0)


@dataclass(frozen=True)
class AreaMap:
    """The whole map and its border, as the game's RAM and ROM describe it now."""

    map_name: str
    width: int
    """In steps (2 a block); 0 when the RAM holds no usable map (mid-load)."""
    height: int
    codes: Collisions
    """Collision code of every step of the map and its 6-step border."""
    things: tuple[Thing, ...]
    warps: tuple[Warp, ...]
    connections: dict[Side, str]
    x: int
    y: int
    facing: str
    surfing: bool = False
    _things_at: dict[tuple[int, int], Thing] = field(default_factory=dict, repr=False, compare=False)
    _warps_at: dict[tuple[int, int], Warp] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._things_at.update({(t.x, t.y): t for t in reversed(self.things)})
        self._warps_at.update({(w.x, w.y): w for w in reversed(self.warps)})

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def thing_at(self, x: int, y: int) -> Thing | None:
        return self._things_at.get((x, y))

    def warp_at(self, x: int, y: int) -> Warp | None:
        return self._warps_at.get((x, y))

    def terrain_at(self, x: int, y: int) -> str:
        code = self.codes.get((x, y))
        return WALL if code is None else terrain(code)

    def char_at(self, x: int, y: int) -> str:
        if (x, y) == (self.x, self.y):
            return PLAYER
        thing = self.thing_at(x, y)
        if thing is not None:
            return PERSON if thing.kind == "person" else ITEM
        if self.warp_at(x, y) is not None:
            return EXIT
        return self.terrain_at(x, y)

    def standable(self, x: int, y: int) -> bool:
        """The player can stand here (nobody else does, and the ground takes a step)."""
        if (x, y) not in self.codes or self.thing_at(x, y) is not None:
            return False
        kind = self.terrain_at(x, y)
        return kind in (FLOOR, GRASS) or (kind == WATER and self.surfing) or self.warp_at(x, y) is not None

    def moves(self, x: int, y: int) -> Iterator[tuple[Button, int, int]]:
        """Where one press of each direction takes the player from (x, y): a step, or a jump over a ledge."""
        for button, (dx, dy) in MOVES.items():
            nx, ny = x + dx, y + dy
            code = self.codes.get((nx, ny))
            if code in _LEDGES:
                if (dx, dy) in _LEDGES[code] and self.standable(nx + dx, ny + dy):
                    yield button, nx + dx, ny + dy
                continue
            if self.standable(nx, ny):
                yield button, nx, ny

    def exits(self) -> list[MapExit]:
        """Warps (the nearest first) and connected edges."""
        warps = sorted(self.warps, key=lambda w: abs(w.x - self.x) + abs(w.y - self.y))
        out = [MapExit(x=w.x, y=w.y, to=_name(w.group, w.number)) for w in warps]
        out += [MapExit(edge=side, to=name) for side, name in self.connections.items()]
        return out

    def text_map(self) -> TextMap:
        """The screen-sized window around the player, and the map's exits, people and items."""
        left, top = self.x - VIEW_LEFT, self.y - VIEW_UP
        rows = tuple(
            "".join(self.char_at(x, y) for x in range(left, self.x + VIEW_RIGHT + 1))
            for y in range(top, self.y + VIEW_DOWN + 1)
        )
        return TextMap(
            map_name=self.map_name,
            left=left,
            top=top,
            rows=rows,
            x=self.x,
            y=self.y,
            facing=self.facing,
            exits=tuple(self.exits()),
            people=tuple((t.x, t.y) for t in self.things if t.kind == "person"),
            items=tuple((t.x, t.y) for t in self.things if t.kind == "item"),
        )


def _name(group: int, number: int) -> str:
    return map_name(group, number) or f"map ({group}, {number})"


def build_area_map(ram: MapRam, rom: bytes, state: GameState) -> AreaMap:
    """The map as RAM and ROM say now. A map the RAM does not describe (mid-load, a garbage size) is an empty
    map with no steps, never an exception: a planner then just sees no map."""
    width, height = ram.u8("wMapWidth"), ram.u8("wMapHeight")
    stride = width + 2 * BORDER_BLOCKS
    blocks = ram.data["wOverworldMapBlocks"]
    name = state.map_name or _name(state.map_group, state.map_number)
    if not width or not height or stride * (height + 2 * BORDER_BLOCKS) > OVERWORLD_BLOCKS_SIZE:
        return AreaMap(name, 0, 0, NO_COLLISIONS, (), (), {}, state.x, state.y, state.facing, state.player_state == 4)
    codes = Collisions(
        blocks,
        stride,
        rom,
        ram.u8("wTilesetCollisionBank"),
        ram.pointer("wTilesetCollisionAddress"),
        2 * width,
        2 * height,
    )
    return AreaMap(
        map_name=name,
        width=2 * width,
        height=2 * height,
        codes=codes,
        things=_things(ram),
        warps=_warps(ram, rom, codes),
        connections=_connections(ram),
        x=state.x,
        y=state.y,
        facing=state.facing,
        surfing=state.player_state == 4,
    )


def _things(ram: MapRam) -> tuple[Thing, ...]:
    """People and item balls: where the on-screen ones stand now, where the others start; hidden ones not at all."""
    records = ram.data["wMapObjects"]
    masks = ram.data["wObjectMasks"]
    structs = ram.data["wObjectStructs"]

    def kind(index: int) -> Literal["person", "item"]:
        return "item" if records[index * MAPOBJECT_LENGTH + 8] & 0x0F == OBJECTTYPE_ITEMBALL else "person"

    found: dict[int, Thing] = {}
    for slot in range(1, OBJECT_STRUCTS):  # slot 0 is the player
        s = structs[slot * OBJECT_LENGTH : (slot + 1) * OBJECT_LENGTH]
        index = s[0x01]
        if s[0x00] == 0 or not 0 < index < MAP_OBJECTS:
            continue
        found[index] = Thing(s[0x10] - OBJECT_OFFSET, s[0x11] - OBJECT_OFFSET, kind(index))
    for index in range(1, MAP_OBJECTS):
        record = records[index * MAPOBJECT_LENGTH : (index + 1) * MAPOBJECT_LENGTH]
        if index in found or record[1] == 0 or masks[index] != 0:
            continue
        found[index] = Thing(record[3] - OBJECT_OFFSET, record[2] - OBJECT_OFFSET, kind(index))
    return tuple(found[i] for i in sorted(found))


def _warps(ram: MapRam, rom: bytes, codes: Collisions) -> tuple[Warp, ...]:
    count = ram.u8("wCurMapWarpEventCount")
    if count > MAX_WARPS:
        return ()
    bank, start = ram.u8("wMapScriptsBank"), ram.pointer("wCurMapWarpEventsPointer")
    warps = []
    for i in range(count):
        record = [rom_byte(rom, bank, start + i * WARP_EVENT_SIZE + k) for k in range(WARP_EVENT_SIZE)]
        if any(b is None for b in record):
            return tuple(warps)
        y, x, _, group, number = record
        assert x is not None and y is not None and group is not None and number is not None
        warps.append(Warp(x, y, group, number, _CARPETS.get(codes.get((x, y)) or 0)))
    return tuple(warps)


def _connections(ram: MapRam) -> dict[Side, str]:
    bits = ram.u8("wMapConnections")
    out: dict[Side, str] = {}
    for side, var in _CONNECTION_VARS.items():
        group, number = ram.data[var][0], ram.data[var][1]
        if bits >> _CONNECTION_BITS[side] & 1 and group != 0xFF:
            out[side] = _name(group, number)
    return out


def read_area_map(
    memory: BankedMemory, rom: bytes, state: GameState, variables: Mapping[str, RamVar] = BY_NAME
) -> AreaMap:
    """`build_area_map` on what `memory` holds now."""
    return build_area_map(read_map_ram(memory, variables), rom, state)
