"""Evidence that the learner learns: after a fixed budget, its greedy return beats a random policy's clearly.

The task is the demo cartridge's first map drawn as a grid (the same walls, start and
item tile as `cartridge.world`): walk from the start to the item. Eight buttons, four of
which do nothing here, START and SELECT illegal (as before the first Pokémon), +1 for
the item, -0.01 a step, 30 steps an episode. Fixed seeds; the margin is asserted, not a number.
"""

import numpy as np
import pytest

from services.dqn_learner.settings import LearnerSettings
from shared.buttons import Button
from shared.game.state import GameState
from shared.messages import SCREEN_HEIGHT, SCREEN_WIDTH, ActionSource, Frame
from tests.dqn_learner.learning import run

ROWS = (
    "##########",
    "#...N....#",
    "#........#",
    "#..$.....#",
    "E........#",
    "E........#",
    "#........#",
    "#....#...#",
    "##########",
)
START = (6, 6)
MOVES = {Button.UP: (0, -1), Button.DOWN: (0, 1), Button.LEFT: (-1, 0), Button.RIGHT: (1, 0)}
LEGAL = tuple(b not in (Button.START, Button.SELECT) for b in Button)
SHADES = {"#": 40, ".": 170, "E": 120, "N": 90, "$": 220}
CELL = 8


class GridTask:
    """Walk to the `$` tile; screens are drawn 8x8 pixels a cell, the player as a dark square."""

    max_steps = 30

    def __init__(self) -> None:
        self.goal = next((x, y) for y, row in enumerate(ROWS) for x, ch in enumerate(row) if ch == "$")
        self.background = np.zeros((SCREEN_HEIGHT, SCREEN_WIDTH), dtype=np.uint8)
        for y, row in enumerate(ROWS):
            for x, ch in enumerate(row):
                self.background[y * CELL : (y + 1) * CELL, x * CELL : (x + 1) * CELL] = SHADES[ch]
        self.global_step = 0
        self.episode = -1
        self.pos = START
        self.t = 0

    def _frame(self, action: Button | None, reward: float) -> Frame:
        screen = self.background.copy()
        x, y = self.pos
        screen[y * CELL + 1 : (y + 1) * CELL - 1, x * CELL + 1 : (x + 1) * CELL - 1] = 0
        state = GameState(map_group=24, map_number=4, x=x, y=y, facing="down", money=3000,
                          johto_badges=0, kanto_badges=0)  # fmt: skip
        return Frame(
            env="grid",
            step=self.global_step,
            state=state,
            reward=reward,
            action=action,
            action_source=ActionSource.DQN if action else None,
            legal=LEGAL,
            episode=self.episode,
            screen=screen.tobytes(),
        )

    def reset(self) -> Frame:
        self.episode += 1
        self.global_step += 1
        self.pos, self.t = START, 0
        return self._frame(None, 0.0)

    def step(self, button: Button) -> tuple[Frame, bool]:
        if not LEGAL[list(Button).index(button)]:
            raise AssertionError(f"illegal button {button} was chosen")
        dx, dy = MOVES.get(button, (0, 0))
        x, y = self.pos[0] + dx, self.pos[1] + dy
        if ROWS[y][x] in ".$":
            self.pos = (x, y)
        self.t += 1
        self.global_step += 1
        reached = self.pos == self.goal
        frame = self._frame(button, 1.0 if reached else -0.01)
        return frame, reached or self.t >= self.max_steps


def test_random_policy_rarely_reaches_the_item() -> None:
    """The baseline the learned policy has to beat: a random walker mostly runs out of steps."""
    from tests.dqn_learner.learning import random_return

    assert random_return(GridTask(), episodes=200, seed=0) < 0.3


@pytest.mark.timeout(240)
def test_greedy_policy_beats_random_after_a_fixed_budget() -> None:
    settings = LearnerSettings(
        seed=1,
        frame_stack=2,
        torch_threads=2,
        gamma=0.95,
        learning_rate=5e-4,
        batch_size=32,
        buffer_capacity=5_000,
        learning_starts=300,
        train_every=1,
        target_update_every=200,
        actor_sync_every=1,
        epsilon_start=1.0,
        epsilon_end=0.05,
        epsilon_decay_frames=2_000,
    )
    outcome = run(GridTask(), settings, steps=3_000, random_episodes=200)
    # Optimal: 6 steps, 1 - 5 * 0.01 = 0.95. Random: mostly -0.30 (30 steps, no item).
    assert outcome.greedy_return > outcome.random_return + 0.8, outcome
