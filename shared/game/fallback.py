"""The rule-based fallback: what the game does when nobody else has chosen a button.

Simple on purpose, but it must keep a real game moving: A through text and battles, YES in a yes/no
box (a NO declines the starter the game offers, forever), B only out of the START menu and its lists,
and otherwise walk towards tiles not seen yet. A door or a map's edge just come through is not taken
back for a while: without that rule, measured on the Johto world, a third of its steps went in and
out of the first doors it found.

Which box is open is read from the words on screen (`GameCore.screen_text`, only while a menu is):
Crystal's yes/no box says YES and NO with the cursor `▶` before one, its START menu ends in EXIT.
"""

import random
from collections.abc import Callable

from shared.buttons import DPAD, MOVES, Button
from shared.game.progress import idle_press
from shared.game.state import GameState

INTERACT_EVERY = 6
"""Press A every few steps in the overworld: talking and picking up items need it."""
WAY_BACK_STEPS = 150
"""Steps after coming through a door (or over a map's edge) during which the fallback does not go back through it:
long enough to look around the new map, short enough not to shut the way back for good."""
CURSOR = "▶"
OPPOSITE = {Button.UP: Button.DOWN, Button.DOWN: Button.UP, Button.LEFT: Button.RIGHT, Button.RIGHT: Button.LEFT}

Tile = tuple[int, int, int, int]
"""(map group, map number, x, y)."""
Words = Callable[[], tuple[str, ...]]
"""The words in the boxes on screen, read when asked."""


def _no_words() -> tuple[str, ...]:
    return ()


def menu_button(words: tuple[str, ...]) -> Button:
    """The press in an open menu: YES in a yes/no box (the cursor moved up to it first), B out of the START menu and
    the lists it opens, A in any other."""
    plain = {word.removeprefix(CURSOR) for word in words}
    if {"YES", "NO"} <= plain:
        return Button.UP if f"{CURSOR}NO" in words else Button.A
    return Button.B if "EXIT" in plain or not words else Button.A


class FallbackPolicy:
    """Walk to unvisited tiles, A on text and in battle, YES in a yes/no box, B out of the START menu; a way just
    come through is not taken back for a while; deterministic for a seed."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.visited: set[Tile] = set()
        self.blocked: set[tuple[int, int, int, int, Button]] = set()
        self.way_back: tuple[Tile, Button, int] | None = None
        """The tile a door or an edge brought the player to, the press that would go back through it, and the step
        until which that is avoided."""
        self._last: tuple[GameState, Button] | None = None
        self._settled: GameState | None = None
        """The last state seen with the player free to walk (a door's warp runs as a script in between)."""
        self._steps = 0

    def new_episode(self) -> None:
        """Every tile is unseen again; what is known about walls stays known (the maps do not change)."""
        self.visited.clear()
        self.way_back = None
        self._last = None
        self._settled = None

    def choose(self, state: GameState, words: Words = _no_words) -> Button:
        """The button for `state`; `words` reads the words on screen, asked only while a menu is open."""
        self._learn(state)
        self._steps += 1
        if state.battle.active:
            button = Button.A
        elif state.menu_open:
            button = menu_button(words())
        elif state.busy or self._steps % INTERACT_EVERY == 0:
            button = Button.A
        else:
            button = self._walk(state)
        self._last = (state, button)
        return button

    def _learn(self, state: GameState) -> None:
        here = (*state.map_id, state.x, state.y)
        self.visited.add(here)
        if not state.busy:
            before, self._settled = self._settled, state
            if before is not None and before.map_id != state.map_id:
                # through a door or over an edge, facing the way in: going back that way is avoided for a while
                self.way_back = (here, OPPOSITE[Button(state.facing)], self._steps + WAY_BACK_STEPS)
        if self._last is None:
            return
        last, pressed = self._last
        if pressed in DPAD and idle_press(last, state, pressed):
            self.blocked.add((*last.map_id, last.x, last.y, pressed))

    def _walk(self, state: GameState) -> Button:
        here = (*state.map_id, state.x, state.y)
        open_moves = [b for b in DPAD if (*here, b) not in self.blocked]
        if not open_moves:
            return self.rng.choice(DPAD)
        if self.way_back is not None and self._steps <= self.way_back[2]:
            door, back, _ = self.way_back
            onward = [b for b in open_moves if not (here == door and b == back) and _neighbour(state, b) != door]
            open_moves = onward or open_moves
        fresh = [b for b in open_moves if _neighbour(state, b) not in self.visited]
        if fresh:
            ahead = Button(state.facing)  # the game's facing is named as its button
            return ahead if ahead in fresh else self.rng.choice(fresh)
        return self.rng.choice(open_moves)


def _neighbour(state: GameState, button: Button) -> Tile:
    dx, dy = MOVES[button]
    return (*state.map_id, state.x + dx, state.y + dy)
