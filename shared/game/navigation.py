"""Go-to: a target a planner names ("walk to (x, y)", "take the exit to the west") walked one press at a time.

The path is a breadth-first search over the text map's cells (`textmap.AreaMap.moves`: floor, grass,
exits, ledges jumped the one way they go; people, items and walls in the way). A `Walker` plays it
one press a step and looks at where the player got to: a press that did not move the player is
tried once more (a turn on the spot takes one), then the cell is taken as blocked and the path is
searched again; a move that went somewhere else (a ledge, a warp inside the map) searches again
from there. It ends when the target is reached, the map changes (an exit taken), a battle starts,
or no path is left; the caller bounds it in time (a plan's time-to-live).
"""

from collections import deque
from collections.abc import Callable
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from shared.buttons import MOVES, Button
from shared.game.state import GameState
from shared.game.textmap import AreaMap, Side

MAX_TRIES = 2
"""Presses of one direction that may leave the player where they were before the cell counts as blocked."""


class WalkTo(BaseModel):
    """Where a plan wants the player: a cell of the current map, or its exit on one side."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    x: int | None = None
    y: int | None = None
    exit: Side | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        cell = self.x is not None and self.y is not None
        if cell == (self.exit is not None) or (self.x is None) != (self.y is None):
            raise ValueError("a walk target is either x and y, or an exit side (north, south, west, east)")
        return self

    def describe(self) -> str:
        return f"the exit to the {self.exit}" if self.exit else f"({self.x}, {self.y})"


def side_of(dx: int, dy: int) -> Side | None:
    """The direction of an offset by its longer axis (east/west on a tie), None for no offset."""
    if dx == dy == 0:
        return None
    if abs(dx) >= abs(dy):
        return "east" if dx > 0 else "west"
    return "south" if dy > 0 else "north"


def exit_cells(area: AreaMap, side: Side) -> set[tuple[int, int]]:
    """Cells that take the player off the map toward `side`: warps lying that way from the player, and, if the
    map is joined to another on that side, the steps just past its edge."""
    cells = {(w.x, w.y) for w in area.warps if side_of(w.x - area.x, w.y - area.y) == side}
    if side in area.connections:
        if side in ("west", "east"):
            x = -1 if side == "west" else area.width
            cells |= {(x, y) for y in range(area.height)}
        else:
            y = -1 if side == "north" else area.height
            cells |= {(x, y) for x in range(area.width)}
    return cells


def find_path(
    area: AreaMap, goals: set[tuple[int, int]], avoid: frozenset[tuple[int, int]] = frozenset()
) -> list[Button] | None:
    """The presses from the player's cell to the nearest of `goals` (a goal nobody can stand on is reached by
    standing next to it and facing it), or None when none can be reached. [] when already there."""
    found = _search(area, goals, avoid)
    return None if found is None else found[0]


def _search(
    area: AreaMap, goals: set[tuple[int, int]], avoid: frozenset[tuple[int, int]]
) -> tuple[list[Button], bool] | None:
    """`find_path`'s presses, and whether the last one only faces a goal nobody can stand on."""
    start = (area.x, area.y)
    if start in goals:
        return [], False
    came: dict[tuple[int, int], tuple[tuple[int, int], Button] | None] = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        for button, nx, ny in area.moves(*cell):
            if (nx, ny) in came or (nx, ny) in avoid:
                continue
            came[(nx, ny)] = (cell, button)
            if (nx, ny) in goals:
                return _presses(came, (nx, ny)), False
            queue.append((nx, ny))
        for button, (dx, dy) in MOVES.items():  # a goal one cannot stand on: face it from next door
            goal = (cell[0] + dx, cell[1] + dy)
            if goal in goals and goal in area.codes and not area.standable(*goal):
                return [*_presses(came, cell), button], True
    return None


def _presses(came: dict[tuple[int, int], tuple[tuple[int, int], Button] | None], cell: tuple[int, int]) -> list[Button]:
    out: list[Button] = []
    link = came[cell]
    while link is not None:
        cell, button = link
        out.append(button)
        link = came[cell]
    return out[::-1]


Outcome = Literal["walking", "arrived", "left_map", "unreachable", "battle"]


class Walker:
    """Walks to one `WalkTo`, a press a call; `area` is asked for the map only when a path must be (re)searched."""

    def __init__(self, target: WalkTo) -> None:
        self.target = target
        self.outcome: Outcome = "walking"
        self._map: tuple[int, int] | None = None
        self._goals: set[tuple[int, int]] = set()
        self._path: deque[Button] = deque()
        self._expected: tuple[int, int] | None = None
        self._from: tuple[int, int] | None = None
        self._tries = 0
        self._avoid: set[tuple[int, int]] = set()
        self._last = Button.A
        self._facing_last = False
        """The path's last press only faces the target (a person, an item): once pressed, the walk is over."""

    @property
    def done(self) -> bool:
        return self.outcome != "walking"

    @property
    def remaining(self) -> int:
        """Presses left on the path last searched (0 before a search): what the walk still needs, at least."""
        return len(self._path)

    def next(self, state: GameState, area: Callable[[], AreaMap]) -> Button | None:
        """This step's press, or None when the walk is over (`outcome` says how)."""
        if self.done:
            return None
        if state.battle.active:
            return self._end("battle")
        if self._facing_last and not self._path and self._expected is None:
            return self._end("arrived")
        if self._map is None:
            self._map = state.map_id
        elif state.map_id != self._map:
            return self._end("left_map")
        if state.menu_open:
            return Button.B
        if state.text_open:
            return Button.A
        here = (state.x, state.y)
        if self._expected is not None and here != self._expected:
            if here == self._from:
                self._tries += 1
                if self._tries >= MAX_TRIES:
                    self._avoid.add(self._expected)
                    self._path.clear()
                else:
                    self._path.appendleft(self._last)
            else:  # somewhere else: a ledge's jump, a warp within the map
                self._path.clear()
        elif self._expected is not None:
            self._tries = 0
        if not self._path:
            found = self._plan(area())
            if found is None:
                return self._end("unreachable")
            self._path, self._facing_last = deque(found[0]), found[1]
            if not self._path:
                return self._end("arrived")
        button = self._path.popleft()
        self._last = button
        dx, dy = MOVES[button]
        self._from, self._expected = here, (here[0] + dx, here[1] + dy)
        if not self._path and self._facing_last:
            self._expected = None  # this press may only turn the player to face the target
        return button

    def _plan(self, area: AreaMap) -> tuple[list[Button], bool] | None:
        if self.target.exit is not None:
            if not self._goals:
                self._goals = exit_cells(area, self.target.exit)
            here = (area.x, area.y)
            warp = area.warp_at(*here)
            if here in self._goals and warp is not None and warp.carpet is not None:
                return [warp.carpet], False  # on a warp carpet: walking off it this way warps
        else:
            assert self.target.x is not None and self.target.y is not None
            self._goals = {(self.target.x, self.target.y)}
        return _search(area, self._goals, frozenset(self._avoid))

    def _end(self, outcome: Outcome) -> None:
        self.outcome = outcome
        return None
