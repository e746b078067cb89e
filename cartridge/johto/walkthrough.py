"""A walkthrough policy for the Johto world: the chapter to the ZEPHYRBADGE, a button a step, from any start.

Not a button list: encounters and battles come by chance, so the policy reads the game's RAM
(through a ``memory[bank, address]`` accessor such as PyBoy's ``pyboy.memory``, at the addresses of
``ram.py``) and chooses each press: the story's next goal from the event flags (a starter, the EGG
from MR.POKéMON, the EGG to ELM, the GYM); the way there by breadth-first search over the maps'
steps (``world.py``: the same collision the game uses) and over the maps joined by warps and
connections; people where their object structs say they stand; A through text, YES in a yes/no box.
In battle it plays the menus (``battle_choice.py``): the move with the best expected damage, a Potion
when a trainer's battle is going badly, RUN from a wild battle it cannot win. Before a fight it heals
at the nearest POKéMON CENTER the story has opened (below 40 % of the party's HP anywhere, below 70 %
with an unbeaten trainer on the map, to full before FALKNER), and it trains in Route 31's grass until
its starter reaches ``FALKNER_LEVEL``. It catches nothing.

``Walkthrough().next_button(memory)`` returns one of ``"a" "b" "up" "down" "left" "right"``;
``MILESTONES`` are the chapter's steps, for reports of how far a run got and when.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from cartridge.johto import ram as r
from cartridge.johto import world as w
from cartridge.johto.battle_choice import battle_button
from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef
from cartridge.johto.engine.overworld import OBJ_MAP_X, OBJ_MAP_Y, STRUCT, STRUCTS
from cartridge.johto.gfx import tileset as ts

BUTTONS = ("a", "b", "up", "down", "left", "right")
MOVES: dict[str, tuple[int, int]] = {"down": (0, 1), "up": (0, -1), "left": (-1, 0), "right": (1, 0)}
FACINGS = {0x00: "down", 0x04: "up", 0x08: "left", 0x0C: "right"}
LOW_HP = 0.4
"""Below this share of its most HP, the party goes to a CENTER first."""
TRAINER_HP = 0.7
"""With a trainer waiting on this map, below this share it heals first."""
LEADER_HP = 1.0
"""Before FALKNER, full HP."""
FALKNER_LEVEL = 12
"""Under this level the party trains in the grass before the leader: CYNDAQUIL learns EMBER at 12, and with
TACKLE alone it loses to FALKNER most times."""
NURSE = (4, 1)
"""The nurse in either CENTER (talked to across the counter)."""
YES_CURSOR = 0xC4A0 + 8 * 20 + 15
"""The yes/no box's cursor cell on YES (``text.YES_NO`` at (14, 7): the cursor column 15, row 8)."""


class Memory(Protocol):
    def __getitem__(self, key: tuple[int, int]) -> int: ...


@dataclass(frozen=True)
class Milestone:
    """A step of the chapter, read from RAM: an event flag set, a map entered, a badge."""

    name: str
    flag: int | None = None
    map_key: str | None = None
    badge: int | None = None

    def reached(self, memory: Memory) -> bool:
        if self.flag is not None:
            return _flag(memory, self.flag)
        if self.map_key is not None:
            return _map_key(memory) == self.map_key
        assert self.badge is not None
        return bool(_u8(memory, "wJohtoBadges") >> self.badge & 1)


MILESTONES: tuple[Milestone, ...] = (
    Milestone("starter", flag=c.EVENT_GOT_A_POKEMON_FROM_ELM),
    Milestone("egg", flag=c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON),
    Milestone("rival", flag=c.EVENT_BEAT_RIVAL_CHERRYGROVE),
    Milestone("egg_to_elm", flag=c.EVENT_GAVE_MYSTERY_EGG_TO_ELM),
    Milestone("violet_city", map_key="violet_city"),
    Milestone("violet_gym", map_key="violet_gym"),
    Milestone("falkner", flag=c.EVENT_BEAT_FALKNER),
    Milestone("badge", badge=c.ZEPHYR_BADGE_BIT),
)
"""The chapter's milestones in story order (the rival may come after the EGG reaches ELM, after a whiteout)."""


Cell = tuple[int, int]


@dataclass(frozen=True)
class Goal:
    """Where the policy wants to be: ``talk`` to the object at (x, y) of map ``key`` (face it from next door, or
    across a counter), or just stand there."""

    key: str
    x: int
    y: int
    talk: bool = True


POTION_BALL = Goal("route_29", 53, 3)
"""The POTION on Route 29, picked up on the way west."""
TRAINING = Goal("route_31", 11, 9, talk=False)
"""Where the party trains: Route 31's grass next to VIOLET CITY (and its CENTER)."""


def _flag(memory: Memory, flag: int) -> bool:
    return bool(memory[1, r.addr("wEventFlags") + (flag >> 3)] >> (flag & 7) & 1)


def _u8(memory: Memory, name: str) -> int:
    var = r.CRYSTAL[name]
    return memory[var.bank, var.addr] if var.bank else memory[0, var.addr]


def _party(memory: Memory) -> Iterator[int]:
    """Each party member's struct address."""
    for i in range(min(_u8(memory, "wPartyCount"), 6)):
        yield r.addr("wPartyMon1") + 0x30 * i


def _u16(memory: Memory, address: int) -> int:
    return memory[1, address] << 8 | memory[1, address + 1]


def _hp_share(memory: Memory) -> float:
    """The party's HP over its most HP (1.0 without a party)."""
    hp = sum(_u16(memory, base + 0x22) for base in _party(memory))
    most = sum(_u16(memory, base + 0x24) for base in _party(memory))
    return hp / most if most else 1.0


def _full(memory: Memory) -> bool:
    return all(_u16(memory, base + 0x22) == _u16(memory, base + 0x24) for base in _party(memory))


def _level(memory: Memory) -> int:
    return max((memory[1, base + 0x1F] for base in _party(memory)), default=0)


def _trainers_waiting(memory: Memory, key: str) -> bool:
    """A trainer on map ``key`` has not been beaten yet."""
    game_map = w.maps()[w.index_of(key)]
    return any(p.trainer is not None and not _flag(memory, p.trainer[2]) for p in game_map.people)


def people_at(memory: Memory) -> set[Cell]:
    """Where the map's people stand (their object structs' map cells): cells a walk goes around."""
    out = set()
    for slot in range(1, w.MAX_OBJECTS + 1):
        base = STRUCTS + slot * STRUCT
        if memory[1, base]:
            out.add((memory[1, base + OBJ_MAP_X] - 4, memory[1, base + OBJ_MAP_Y] - 4))
    return out


def _map_key(memory: Memory) -> str:
    group, number = _u8(memory, "wMapGroup"), _u8(memory, "wMapNumber")
    for game_map in w.maps():
        if (game_map.group, game_map.number) == (group, number):
            return game_map.key
    raise ValueError(f"map ({group}, {number}) is not one of the Johto world's")


def _kind(game_map: MapDef, x: int, y: int) -> ts.StepKind | None:
    if 0 <= x < game_map.width and 0 <= y < game_map.height:
        return ts.KINDS[w.kind_at(game_map, x, y)]
    return None


def _is_grass(game_map: MapDef, cell: Cell) -> bool:
    kind = _kind(game_map, *cell)
    return kind is not None and kind.collision == ts.COLL_TALL_GRASS


@dataclass(frozen=True)
class Exit:
    """A way from one map to the next: reach ``cell``, then press ``press`` (None: arriving is enough)."""

    cell: Cell
    press: str | None
    to: str


def _exits(game_map: MapDef) -> list[Exit]:
    out = []
    for warp in game_map.warps:
        kind = _kind(game_map, warp.x, warp.y)
        assert kind is not None
        press = "down" if kind.collision == ts.COLL_WARP_CARPET_DOWN else None
        out.append(Exit((warp.x, warp.y), press, warp.to))
    for conn in game_map.connections:
        other = w.maps()[w.index_of(conn.to)]
        if conn.side in ("west", "east"):
            x = 0 if conn.side == "west" else game_map.width - 1
            ox = other.width - 1 if conn.side == "west" else 0
            for y in range(game_map.height):
                here, there = _kind(game_map, x, y), _kind(other, ox, y + conn.offset)
                if here and there and here.walkable and there.walkable:
                    out.append(Exit((x, y), "left" if conn.side == "west" else "right", conn.to))
        else:
            y = 0 if conn.side == "north" else game_map.height - 1
            oy = other.height - 1 if conn.side == "north" else 0
            for x in range(game_map.width):
                here, there = _kind(game_map, x, y), _kind(other, x + conn.offset, oy)
                if here and there and here.walkable and there.walkable:
                    out.append(Exit((x, y), "up" if conn.side == "north" else "down", conn.to))
    return out


@functools.cache
def _route(start: str, goal: str) -> tuple[str, ...]:
    """The maps after ``start`` on a shortest way (in maps) to ``goal``; empty when there or out of reach."""
    came: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key == goal:
            out = []
            while key != start:
                out.append(key)
                key = came[key]
            return tuple(out[::-1])
        for ex in _exits(w.maps()[w.index_of(key)]):
            if ex.to not in came:
                came[ex.to] = key
                queue.append(ex.to)
    return ()


def _next_map(start: str, goal: str) -> str | None:
    """The neighbour of ``start`` on a shortest way (in maps) to ``goal``."""
    route = _route(start, goal)
    return route[0] if route else None


def _hops(start: str, goal: str) -> int:
    return len(_route(start, goal))


@dataclass
class Walkthrough:
    """The policy; ``next_button`` once a step. ``starter`` picks the ball (CYNDAQUIL, TOTODILE or CHIKORITA)."""

    starter: str = "CYNDAQUIL"
    presses: int = 0
    blocked: set[tuple[str, Cell]] = field(default_factory=set)
    _last: tuple[str, Cell, str] | None = None
    _center: str | None = None
    """The CENTER the party is on its way to, until it is healed."""
    _grind: str = "left"

    def next_button(self, memory: Memory) -> str:
        self.presses += 1
        button = self._choose(memory)
        if button not in BUTTONS:
            raise AssertionError(f"the policy chose {button!r}")
        return button

    # ------------------------------------------------------------------ the decision
    def _choose(self, memory: Memory) -> str:
        if _u8(memory, "wBattleMode"):
            return battle_button(memory)
        if _u8(memory, "wStateFlags") >> r.TEXT_BOX_BIT & 1 or _u8(memory, "wWindowStackSize"):
            if _u8(memory, "wWindowStackSize") and memory[0, YES_CURSOR] != 0xED:
                return "up"  # a yes/no box with the cursor on NO: to YES
            return "a"
        if _u8(memory, "wScriptRunning") or _u8(memory, "wMapStatus") != 2:
            return "a"
        key = _map_key(memory)
        here = (_u8(memory, "wXCoord"), _u8(memory, "wYCoord"))
        facing = FACINGS[_u8(memory, "wPlayerDirection") & 0x0C]
        goal = self._goal(memory, key)
        return self._toward(memory, key, here, facing, goal)

    def _goal(self, memory: Memory, key: str) -> Goal:
        goal = self._story_goal(memory, key)
        if goal.key == "violet_gym" and _level(memory) < FALKNER_LEVEL:
            goal = TRAINING
        if self._center is None and _hp_share(memory) < self._needed(memory, key, goal):
            self._center = self._nearest_center(memory, key)
        if self._center is not None:
            if key == self._center and _full(memory):
                self._center = None
            else:
                return Goal(self._center, *NURSE)
        return goal

    def _story_goal(self, memory: Memory, key: str) -> Goal:
        if not _flag(memory, c.EVENT_GOT_A_POKEMON_FROM_ELM):
            index = {"CYNDAQUIL": 5, "TOTODILE": 6, "CHIKORITA": 7}[self.starter]
            return Goal("elms_lab", index, 3)
        if not _flag(memory, c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON):
            if key == POTION_BALL.key and not _flag(memory, c.EVENT_ROUTE_29_POTION):
                return POTION_BALL
            return Goal("mr_pokemons_house", 4, 3)
        if not _flag(memory, c.EVENT_GAVE_MYSTERY_EGG_TO_ELM):
            return Goal("elms_lab", 3, 3)
        return Goal("violet_gym", 4, 2)

    def _needed(self, memory: Memory, key: str, goal: Goal) -> float:
        """The share of the party's HP to have before going on from here: more with a fight ahead."""
        if goal.key == "violet_gym" and key in ("violet_city", "violet_gym"):
            leader_next = _flag(memory, c.EVENT_BEAT_BIRD_KEEPER_ROD) and _flag(memory, c.EVENT_BEAT_BIRD_KEEPER_ABE)
            return LEADER_HP if leader_next else TRAINER_HP
        if _trainers_waiting(memory, key):
            return TRAINER_HP
        return LOW_HP

    def _nearest_center(self, memory: Memory, key: str) -> str:
        """The CENTER the fewest maps away among those the story has opened."""
        open_centers = ["cherrygrove_center"]
        if _flag(memory, c.EVENT_GAVE_MYSTERY_EGG_TO_ELM):
            open_centers.append("violet_center")
        return min(open_centers, key=lambda center: _hops(key, center))

    # ------------------------------------------------------------------ the way
    def _toward(self, memory: Memory, key: str, here: Cell, facing: str, goal: Goal) -> str:
        game_map = w.maps()[w.index_of(key)]
        if goal == TRAINING and key == goal.key and _is_grass(game_map, here):
            return self._train(game_map, here)
        people = people_at(memory)
        if key == goal.key:
            targets = self._talk_cells(game_map, goal, people)
            for cell, press in targets:
                if cell == here:
                    if facing == press:
                        return "a"
                    return press
            path = self._path(key, game_map, here, {cell for cell, _ in targets}, people)
        else:
            nxt = _next_map(key, goal.key)
            exits = [ex for ex in _exits(game_map) if ex.to == nxt]
            for ex in exits:
                if ex.cell == here and ex.press:
                    return ex.press
            path = self._path(key, game_map, here, {ex.cell for ex in exits}, people)
        if not path:
            self.blocked.clear()
            return "b"
        button = path[0]
        if self._last == (key, here, button):  # pressed, and nothing moved: someone stands there
            dx, dy = MOVES[button]
            self.blocked.add((key, (here[0] + dx, here[1] + dy)))
        self._last = (key, here, button)
        return button

    def _train(self, game_map: MapDef, here: Cell) -> str:
        """Back and forth in the grass, a wild battle every few steps."""
        for press in (self._grind, "right" if self._grind == "left" else "left"):
            dx, dy = MOVES[press]
            if _is_grass(game_map, (here[0] + dx, here[1] + dy)):
                self._grind = press
                return press
        return self._grind

    def _talk_cells(self, game_map: MapDef, goal: Goal, people: set[Cell]) -> list[tuple[Cell, str]]:
        """Cells to stand on and the facing that reaches the goal (across a counter too)."""
        if not goal.talk:
            return [((goal.x, goal.y), "down")]
        out = []
        for press, (dx, dy) in MOVES.items():
            for reach in (1, 2):
                cell = (goal.x - dx * reach, goal.y - dy * reach)
                between = (goal.x - dx, goal.y - dy)
                if reach == 2:
                    kind = _kind(game_map, *between)
                    if kind is None or kind.collision != ts.COLL_COUNTER:
                        continue
                kind = _kind(game_map, *cell)
                if kind is not None and kind.walkable and kind.collision != ts.COLL_DOOR and cell not in people:
                    out.append((cell, press))
        return out

    def _path(self, key: str, game_map: MapDef, start: Cell, goals: set[Cell], people: set[Cell]) -> list[str]:
        """Presses from ``start`` to the nearest goal: floor, grass, mats; doors only as goals; ledges down."""
        blocked = {cell for k, cell in self.blocked if k == key} | people
        came: dict[Cell, tuple[Cell, str] | None] = {start: None}
        queue = deque([start])
        while queue:
            cell = queue.popleft()
            if cell in goals:
                out = []
                link = came[cell]
                while link is not None:
                    cell, press = link
                    out.append(press)
                    link = came[cell]
                return out[::-1]
            for press, nxt in self._moves(game_map, cell, goals, blocked):
                if nxt not in came:
                    came[nxt] = (cell, press)
                    queue.append(nxt)
        return []

    @staticmethod
    def _moves(game_map: MapDef, cell: Cell, goals: set[Cell], blocked: set[Cell]) -> Iterator[tuple[str, Cell]]:
        for press, (dx, dy) in MOVES.items():
            nxt = (cell[0] + dx, cell[1] + dy)
            kind = _kind(game_map, *nxt)
            if kind is None or nxt in blocked:
                continue
            if kind.collision == ts.COLL_HOP_DOWN:
                beyond = (nxt[0], nxt[1] + 1)
                landing = _kind(game_map, *beyond)
                if press == "down" and landing is not None and landing.walkable and beyond not in blocked:
                    yield press, beyond
                continue
            if not kind.walkable:
                continue
            if kind.collision == ts.COLL_DOOR and nxt not in goals:
                continue
            yield press, nxt
