"""Evidence that the learner learns: on the demo cartridge in PyBoy, after a fixed budget, its greedy
return beats a random policy's by a clear margin.

The task: from the start tile of New Bark Town (6, 6), walk to the floor item at (3, 3)
(picking it up adds money, read from RAM). Eight buttons, START and SELECT illegal (as the
emulator masks them before the first Pokémon), +1 for the item, -0.05 a step, +-0.1 per tile
closer to or further from the item, 30 steps an episode (the item terminates it, the 30th step
truncates it, as the frames say), every episode from the same boot save state. A step is the emulator's (the game
core's machine): press 8 frames, release, 16 more. Fixed seeds; the margin is asserted, not a number.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTONS, Button
from shared.game.machine import resolve_rom, start_machine
from shared.messages import ActionSource, Frame
from tests.dqn_learner.learning import random_return, run

GOAL = (3, 3)
STEP_COST = -0.05
"""Every step costs, so standing still (A, B, walking into a wall) is never as good as walking on."""
SHAPING = 0.1
"""Reward per tile of progress towards the goal (and minus that per tile away): a difference of
potentials, so it changes how fast the goal is found, not which policy is best (Ng et al. 1999)."""
LEGAL = tuple(b not in (Button.START, Button.SELECT) for b in BUTTONS)


class ItemTask:
    """Walk to the floor item on the game core's machine (the emulator's step and screen); its own reward."""

    max_steps = 30

    def __init__(self, rom: Path) -> None:
        self.machine, self.start = start_machine(resolve_rom(rom))
        self.global_step = 0
        self.episode = -1
        self.t = 0
        self.money = 0

    def _frame(self, action: Button | None, reward: float, terminated: bool = False, truncated: bool = False) -> Frame:
        return Frame(
            env="item",
            step=self.global_step,
            state=self.state,
            reward=reward,
            action=action,
            action_source=ActionSource.DQN if action else None,
            legal=LEGAL,
            episode=self.episode,
            terminated=terminated,
            truncated=truncated,
            screen=self.machine.small_screen(),
        )

    def reset(self) -> Frame:
        self.machine.load_state(self.start)
        self.machine.refresh_screen()  # the screen buffer is stale after a load
        self.state = self.machine.state()
        self.money = self.state.money
        self.distance = abs(self.state.x - GOAL[0]) + abs(self.state.y - GOAL[1])
        self.episode += 1
        self.global_step += 1
        self.t = 0
        return self._frame(None, 0.0)

    def step(self, button: Button) -> tuple[Frame, bool]:
        if not LEGAL[BUTTONS.index(button)]:
            raise AssertionError(f"illegal button {button} was chosen")
        self.machine.step(button)
        self.state = self.machine.state()
        self.t += 1
        self.global_step += 1
        reached = self.state.money > self.money
        distance = abs(self.state.x - GOAL[0]) + abs(self.state.y - GOAL[1])
        reward = (1.0 if reached else STEP_COST) + SHAPING * (self.distance - distance)
        self.distance = distance
        truncated = not reached and self.t >= self.max_steps
        return self._frame(button, reward, terminated=reached, truncated=truncated), reached or truncated

    def close(self) -> None:
        self.machine.close()


@pytest.fixture
def task(demo_rom: Path) -> Iterator[ItemTask]:
    task = ItemTask(demo_rom)
    yield task
    task.close()


def test_the_item_is_reachable_and_random_play_rarely_gets_it(task: ItemTask) -> None:
    """The task works as described (6 steps reach the item), and random play mostly runs out of steps."""
    task.reset()
    for button in (Button.LEFT,) * 3 + (Button.UP,) * 2:
        frame, over = task.step(button)
        assert not over and frame.reward == pytest.approx(STEP_COST + SHAPING)
    frame, over = task.step(Button.UP)
    assert over and frame.reward == pytest.approx(1.0 + SHAPING) and (frame.state.x, frame.state.y) == GOAL
    assert random_return(task, episodes=200, seed=0) < -1.0


@pytest.mark.timeout(300)
def test_greedy_policy_beats_random_after_a_fixed_budget(task: ItemTask) -> None:
    settings = LearnerSettings(
        seed=1,
        frame_stack=2,
        torch_threads=1,
        gamma=0.9,
        learning_rate=5e-4,
        batch_size=32,
        buffer_capacity=5_000,
        learning_starts=300,
        train_every=1,
        target_update_every=200,
        actor_sync_every=1,
        epsilon_start=1.0,
        epsilon_end=0.05,
        epsilon_decay_frames=1_000,
    )
    outcome = run(task, settings, steps=1_500, random_episodes=200)
    # Optimal: 6 steps, 1 + 0.6 - 5 * 0.05 = 1.35. Random: about -1.25 (mostly 30 steps, no item).
    # Without the item a return is at most 0.6 - 1.5 = -0.9, so this margin means "walks to the item".
    assert outcome.greedy_return > outcome.random_return + 1.5, outcome
