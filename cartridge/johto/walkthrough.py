"""A walkthrough policy for the Johto world: the chapter to the ZEPHYRBADGE, a button a step, from any start.

Not a button list: encounters and battles come by chance, so the policy reads the game's RAM
(through a ``memory[bank, address]`` accessor such as PyBoy's ``pyboy.memory``, at the addresses of
``ram.py``) and chooses each press: the story's next goal from the event flags (a starter, the EGG
from MR.POKéMON, the EGG to ELM, the GYM); the way there by breadth-first search over the maps'
steps (``world.py``: the same collision the game uses) and over the maps joined by warps and
connections; people where their object structs say they stand; A through text, YES in a yes/no box,
A in battle; and a visit to the nearest POKéMON CENTER when the party runs low. It catches nothing.

``Walkthrough().next_button(memory)`` returns one of ``"a" "b" "up" "down" "left" "right"``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from cartridge.johto import ram as r
from cartridge.johto import world as w
from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef
from cartridge.johto.engine.overworld import OBJ_MAP_X, OBJ_MAP_Y, STRUCT, STRUCTS
from cartridge.johto.gfx import tileset as ts

BUTTONS = ("a", "b", "up", "down", "left", "right")
MOVES: dict[str, tuple[int, int]] = {"down": (0, 1), "up": (0, -1), "left": (-1, 0), "right": (1, 0)}
FACINGS = {0x00: "down", 0x04: "up", 0x08: "left", 0x0C: "right"}
LOW_HP = 0.4
"""Below this share of its most HP, the party goes to a CENTER first."""
YES_CURSOR = 0xC4A0 + 8 * 20 + 15
"""The yes/no box's cursor cell on YES (``text.YES_NO`` at (14, 7): the cursor column 15, row 8)."""


class Memory(Protocol):
    def __getitem__(self, key: tuple[int, int]) -> int: ...


Cell = tuple[int, int]


@dataclass(frozen=True)
class Goal:
    """Where the policy wants to be: ``talk`` to the object at (x, y) of map ``key`` (face it from next door, or
    across a counter), or just stand there."""

    key: str
    x: int
    y: int
    talk: bool = True


def _flag(memory: Memory, flag: int) -> bool:
    return bool(memory[1, r.addr("wEventFlags") + (flag >> 3)] >> (flag & 7) & 1)


def _u8(memory: Memory, name: str) -> int:
    var = r.CRYSTAL[name]
    return memory[var.bank, var.addr] if var.bank else memory[0, var.addr]


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


def _next_map(start: str, goal: str) -> str | None:
    """The neighbour of ``start`` on a shortest way (in maps) to ``goal``."""
    if start == goal:
        return None
    came: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        for ex in _exits(w.maps()[w.index_of(key)]):
            if ex.to in came:
                continue
            came[ex.to] = key
            if ex.to == goal:
                step = goal
                while came[step] != start:
                    step = came[step]
                return step
            queue.append(ex.to)
    return None


@dataclass
class Walkthrough:
    """The policy; ``next_button`` once a step. ``starter`` picks the ball (CYNDAQUIL, TOTODILE or CHIKORITA)."""

    starter: str = "CYNDAQUIL"
    presses: int = 0
    blocked: set[tuple[str, Cell]] = field(default_factory=set)
    _last: tuple[str, Cell, str] | None = None
    _healing: bool = False

    def next_button(self, memory: Memory) -> str:
        self.presses += 1
        button = self._choose(memory)
        if button not in BUTTONS:
            raise AssertionError(f"the policy chose {button!r}")
        return button

    # ------------------------------------------------------------------ the decision
    def _choose(self, memory: Memory) -> str:
        if _u8(memory, "wBattleMode"):
            return "a"
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
        if self._low(memory) or self._healing:
            self._healing = True
            center = "violet_center" if _flag(memory, c.EVENT_GAVE_MYSTERY_EGG_TO_ELM) else "cherrygrove_center"
            if key == center and self._healed(memory):
                self._healing = False
            else:
                return Goal(center, 4, 1)
        if not _flag(memory, c.EVENT_GOT_A_POKEMON_FROM_ELM):
            index = {"CYNDAQUIL": 5, "TOTODILE": 6, "CHIKORITA": 7}[self.starter]
            return Goal("elms_lab", index, 3)
        if not _flag(memory, c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON):
            return Goal("mr_pokemons_house", 4, 3)
        if not _flag(memory, c.EVENT_GAVE_MYSTERY_EGG_TO_ELM):
            return Goal("elms_lab", 3, 3)
        return Goal("violet_gym", 4, 2)

    def _low(self, memory: Memory) -> bool:
        count = min(_u8(memory, "wPartyCount"), 6)
        if not count:
            return False
        hp = most = 0
        for i in range(count):
            base = r.addr("wPartyMon1") + 0x30 * i
            hp += memory[1, base + 0x22] << 8 | memory[1, base + 0x23]
            most += memory[1, base + 0x24] << 8 | memory[1, base + 0x25]
        return most > 0 and hp < LOW_HP * most

    def _healed(self, memory: Memory) -> bool:
        return not self._low(memory) and self._full(memory)

    def _full(self, memory: Memory) -> bool:
        for i in range(min(_u8(memory, "wPartyCount"), 6)):
            base = r.addr("wPartyMon1") + 0x30 * i
            hp = memory[1, base + 0x22] << 8 | memory[1, base + 0x23]
            if hp != (memory[1, base + 0x24] << 8 | memory[1, base + 0x25]):
                return False
        return True

    # ------------------------------------------------------------------ the way
    def _people(self, memory: Memory) -> set[Cell]:
        out = set()
        for slot in range(1, w.MAX_OBJECTS + 1):
            base = STRUCTS + slot * STRUCT
            if memory[1, base]:
                out.add((memory[1, base + OBJ_MAP_X] - 4, memory[1, base + OBJ_MAP_Y] - 4))
        return out

    def _toward(self, memory: Memory, key: str, here: Cell, facing: str, goal: Goal) -> str:
        game_map = w.maps()[w.index_of(key)]
        people = self._people(memory)
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
