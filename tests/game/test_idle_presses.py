"""Idle presses on the real cartridge: a press into a wall, A facing nothing, B in the open count; a step, a turn,
text come up do not; and the walkthrough, which plays the chapter well, almost never makes one."""

from pathlib import Path

import pytest

from cartridge.johto.walkthrough import Walkthrough
from shared.buttons import Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.game.rewards import RewardWeights

pytestmark = pytest.mark.timeout(120)


def test_presses_that_change_nothing_are_idle_and_cost_their_weight(demo_rom: Path) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)), weights=RewardWeights(idle_press=-0.02))
    try:
        # from (6,6) facing down: a step down, the border below, a turn to the wall on the left, the wall, A, B
        steps = [core.step(Button(b)) for b in ("down", "down", "left", "left", "a", "b", "up")]
    finally:
        core.close()
    assert [(s.view.state.x, s.view.state.y) for s in steps] == [(6, 7)] * 6 + [(6, 6)]
    assert [s.facts.idle_press for s in steps] == [False, True, False, True, True, True, False]
    assert [s.breakdown.get("idle_press") for s in steps] == [None, -0.02, None, -0.02, -0.02, -0.02, None]


def test_the_walkthrough_to_the_badge_makes_almost_no_idle_press(johto_rom: Path) -> None:
    """1,636 presses to the ZEPHYRBADGE, A through every text box and menu: 2 idle ones (DOWN, once on Route 29
    and once on Route 30). A cost for idle presses asks next to nothing of good play."""
    core = GameCore(*start_machine(resolve_rom(johto_rom)), anti_stuck=False)
    walkthrough, idle, played = Walkthrough(), 0, 0
    try:
        while played < 4_000:
            step = core.step(Button(walkthrough.next_button(core.machine.pyboy.memory)))
            played += 1
            idle += step.facts.idle_press
            if step.facts.badges:
                break
    finally:
        core.close()
    assert step.facts.badges == 1, f"the walkthrough did not reach the badge in {played} presses"
    assert idle <= 5, f"{idle} idle presses of {played}"
