"""The demo world: maps, exits, floor items, encounter tables and game-balance numbers.

Kept apart from the program (``game.py``) so the layout can be read -- and drawn in the
docs -- as data. Map ids are Pokémon Crystal's real (group, number) pairs from the public
disassembly's ``constants/map_constants.asm`` so the project's map names resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from cartridge.errors import RomError
from cartridge.graphics import CELL_CHARS, EXIT, ITEM

MAP_WIDTH = 10
MAP_HEIGHT = 9


@dataclass(frozen=True)
class GameMap:
    """One screen-sized map: its Crystal id and its 10x9 cells as ASCII rows."""

    name: str
    group: int
    number: int
    rows: tuple[str, ...]

    def cells(self) -> bytes:
        """Cell types, row-major, as the program stores them (validated so a typo cannot slip in)."""
        if len(self.rows) != MAP_HEIGHT or any(len(r) != MAP_WIDTH for r in self.rows):
            raise RomError(f"map {self.name} must be {MAP_WIDTH}x{MAP_HEIGHT} cells")
        try:
            return bytes(CELL_CHARS[ch] for row in self.rows for ch in row)
        except KeyError as exc:
            raise RomError(f"map {self.name}: unknown cell character {exc.args[0]!r}") from exc

    def cell(self, x: int, y: int) -> int:
        """Cell type at map-relative (x, y)."""
        return CELL_CHARS[self.rows[y][x]]


NEW_BARK, ROUTE_29, VIOLET_CITY, VIOLET_GYM = range(4)

MAPS: tuple[GameMap, ...] = (
    GameMap(
        "New Bark Town",
        24,
        4,
        (
            "##########",
            "#...N....#",
            "#........#",
            "#..$.....#",
            "E........#",
            "E........#",
            "#........#",
            "#....#...#",
            "##########",
        ),
    ),
    GameMap(
        "Route 29",
        24,
        3,
        (
            "##########",
            "#,,,,#...#",
            "#,,,,#.$.#",
            "E,,,,....#",
            "E,,,,....E",
            "#,,,,,...E",
            "#..,,,,..#",
            "#........#",
            "##########",
        ),
    ),
    GameMap(
        "Violet City",
        10,
        5,
        (
            "##########",
            "#.#####..#",
            "#.##E##..#",
            "#........E",
            "#........E",
            "#..,,,...#",
            "#..,,,...#",
            "#........#",
            "##########",
        ),
    ),
    GameMap(
        "Violet Gym",
        10,
        7,
        (
            "##########",
            "#___L____#",
            "#________#",
            "#_#____#_#",
            "#________#",
            "#_#____#_#",
            "#________#",
            "#___E____#",
            "##########",
        ),
    ),
)


@dataclass(frozen=True)
class Exit:
    """Stepping onto (x, y) of ``source`` puts the player at (dest_x, dest_y) of ``dest``."""

    source: int
    x: int
    y: int
    dest: int
    dest_x: int
    dest_y: int


EXITS: tuple[Exit, ...] = (
    Exit(NEW_BARK, 0, 4, ROUTE_29, 8, 4),
    Exit(NEW_BARK, 0, 5, ROUTE_29, 8, 5),
    Exit(ROUTE_29, 9, 4, NEW_BARK, 1, 4),
    Exit(ROUTE_29, 9, 5, NEW_BARK, 1, 5),
    Exit(ROUTE_29, 0, 3, VIOLET_CITY, 8, 3),
    Exit(ROUTE_29, 0, 4, VIOLET_CITY, 8, 4),
    Exit(VIOLET_CITY, 9, 3, ROUTE_29, 1, 3),
    Exit(VIOLET_CITY, 9, 4, ROUTE_29, 1, 4),
    Exit(VIOLET_CITY, 4, 2, VIOLET_GYM, 4, 6),
    Exit(VIOLET_GYM, 4, 7, VIOLET_CITY, 4, 3),
)


@dataclass(frozen=True)
class FloorItem:
    """A ball on the floor worth ``money``; picked up once, remembered by event flag ``flag``."""

    map: int
    x: int
    y: int
    flag: int
    money: int


# Event flag bit numbers inside wEventFlags (DA72...).
EVENT_GOT_STARTER = 0x01
EVENT_ITEM_NEW_BARK = 0x08
EVENT_ITEM_ROUTE_29 = 0x09
EVENT_BEAT_LEADER = 0x10

ITEMS: tuple[FloorItem, ...] = (
    FloorItem(NEW_BARK, 3, 3, EVENT_ITEM_NEW_BARK, 500),
    FloorItem(ROUTE_29, 7, 2, EVENT_ITEM_ROUTE_29, 1234),
)

START_MAP = NEW_BARK
START_X, START_Y = 6, 6
START_MONEY = 3000
PLAYER_ID = 0x3039
PLAYER_NAME = "CHRIS"

STARTER_SPECIES = 155  # Cyndaquil
STARTER_LEVEL = 5
STARTER_HP = 20
STARTER_MOVES = (33, 43, 0, 0)  # Tackle, Leer
STARTER_PP = (35, 30, 0, 0)

WILD_ENCOUNTERS: tuple[tuple[int, int], ...] = (
    (16, 3),  # Pidgey
    (161, 3),  # Sentret
    (19, 4),  # Rattata
    (163, 3),  # Hoothoot
)
ENCOUNTER_EVERY = 3  # grass steps per encounter, counted only once the player has a Pokémon

LEADER_SPECIES = 17  # Pidgeotto
LEADER_LEVEL = 9
GYM_MIN_LEVEL = 6  # the leader refuses weaker challengers, so a wild win must come first
GYM_PRIZE = 1800
MAX_MONEY = 999_999

PLAYER_DAMAGE_BONUS = 2  # damage dealt = own level + 2
HP_PER_LEVEL = 3
EXP_PER_ENEMY_LEVEL = 32
MAX_LEVEL = 100

WALK_FRAMES = 16
WARP_FRAMES = 8
CUTSCENE_FRAMES = 60


def enemy_hp(level: int) -> int:
    """Enemy max HP; the program computes the same ``3 * level + 10``."""
    return 3 * level + 10


def exp_for_level(level: int) -> int:
    """Experience needed to reach ``level`` (a cubic curve like Crystal's medium-fast group)."""
    return level**3


def validate_world() -> None:
    """Check the tables agree with the maps, so a layout edit cannot strand the player."""
    for ex in EXITS:
        if MAPS[ex.source].cell(ex.x, ex.y) != EXIT:
            raise RomError(f"exit at {MAPS[ex.source].name} ({ex.x},{ex.y}) is not on an exit cell")
        if MAPS[ex.dest].cell(ex.dest_x, ex.dest_y) == EXIT:
            raise RomError(f"exit to {MAPS[ex.dest].name} ({ex.dest_x},{ex.dest_y}) lands on another exit")
    for item in ITEMS:
        if MAPS[item.map].cell(item.x, item.y) != ITEM:
            raise RomError(f"item at {MAPS[item.map].name} ({item.x},{item.y}) is not on an item cell")
    for index, game_map in enumerate(MAPS):
        for y, row in enumerate(game_map.rows):
            for x, ch in enumerate(row):
                if CELL_CHARS.get(ch) == EXIT and not any(e.source == index and (e.x, e.y) == (x, y) for e in EXITS):
                    raise RomError(f"exit cell at {game_map.name} ({x},{y}) leads nowhere")
