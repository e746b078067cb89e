"""The rule-based fallback: what the game does when nobody else has chosen a button.

Simple on purpose: answer text and fight with A, and otherwise walk towards tiles not
seen yet, so the game keeps moving and exploring even with the planner and learner gone.
"""

import random

from shared.buttons import DPAD, MOVES, Button
from shared.game.state import GameState

INTERACT_EVERY = 6
"""Press A every few steps in the overworld: talking and picking up items need it."""


class FallbackPolicy:
    """Walk to unvisited tiles, A on text and in battle, B out of menus; deterministic for a seed."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.visited: set[tuple[int, int, int, int]] = set()
        self.blocked: set[tuple[int, int, int, int, Button]] = set()
        self._last: tuple[GameState, Button] | None = None
        self._steps = 0

    def new_episode(self) -> None:
        """Every tile is unseen again; what is known about walls stays known (the maps do not change)."""
        self.visited.clear()
        self._last = None

    def choose(self, state: GameState) -> Button:
        self._learn(state)
        self._steps += 1
        if state.menu_open:
            button = Button.B
        elif state.busy or state.battle.active or self._steps % INTERACT_EVERY == 0:
            button = Button.A
        else:
            button = self._walk(state)
        self._last = (state, button)
        return button

    def _learn(self, state: GameState) -> None:
        here = (*state.map_id, state.x, state.y)
        self.visited.add(here)
        if self._last is None:
            return
        before, pressed = self._last
        moved = (before.map_id, before.x, before.y) != (state.map_id, state.x, state.y)
        if pressed in MOVES and not moved and not before.busy and before.facing == state.facing:
            self.blocked.add((*before.map_id, before.x, before.y, pressed))

    def _walk(self, state: GameState) -> Button:
        here = (*state.map_id, state.x, state.y)
        open_moves = [b for b in DPAD if (*here, b) not in self.blocked]
        if not open_moves:
            return self.rng.choice(DPAD)
        fresh = [b for b in open_moves if _neighbour(state, b) not in self.visited]
        if fresh:
            ahead = Button(state.facing)  # the game's facing is named as its button
            return ahead if ahead in fresh else self.rng.choice(fresh)
        return self.rng.choice(open_moves)


def _neighbour(state: GameState, button: Button) -> tuple[int, int, int, int]:
    dx, dy = MOVES[button]
    return (*state.map_id, state.x + dx, state.y + dy)
