"""Idle presses on the real cartridge: a press into a wall, A facing nothing, B in the open, a side in a yes/no box
count; a step, a turn, text come up, the cursor moved do not; and the walkthrough, which plays the chapter well,
almost never makes one."""

from pathlib import Path

import pytest

from cartridge.johto.walkthrough import Walkthrough
from shared.buttons import BUTTONS, Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.game.rewards import RewardWeights
from shared.game.rules import allowed_buttons

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


def test_a_side_in_a_yes_no_box_is_idle_and_the_mask_takes_it_away(johto_rom: Path) -> None:
    """ELM's "Will you take it?" box: LEFT and RIGHT move nothing (one column), UP and DOWN move the cursor."""
    core = GameCore(*start_machine(resolve_rom(johto_rom)), anti_stuck=False, idle_mask=True)
    walkthrough = Walkthrough()
    try:
        for _ in range(200):
            if core.state.menu_open:
                break
            core.step(Button(walkthrough.next_button(core.machine.pyboy.memory)))
        assert core.state.menu_open and "Will you take it?" in core.screen_text()
        asked = core.save_state()
        idle = {}
        for button in (Button.RIGHT, Button.LEFT, Button.DOWN):
            core.load(asked)
            idle[button] = core.step(button).facts.idle_press
        assert idle == {Button.RIGHT: True, Button.LEFT: True, Button.DOWN: False}
        core.load(asked)
        core.step(Button.RIGHT)
        assert Button.RIGHT in masked(core) and core.state.menu_open
        core.step(Button.DOWN)  # the cursor moved: the game changed
        assert Button.RIGHT not in masked(core)
    finally:
        core.close()


def test_the_walkthrough_to_the_badge_makes_almost_no_idle_press(johto_rom: Path) -> None:
    """1,636 presses to the ZEPHYRBADGE, A through every text box, menu and battle: 2 idle ones (DOWN, once on Route
    29 and once on Route 30). A cost for idle presses asks next to nothing of good play, and a mask of them takes
    none of its presses away in a menu or a battle."""
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


def masked(core: GameCore) -> set[Button]:
    return {button for button, ok in zip(BUTTONS, core.legal(), strict=True) if not ok}


def test_the_idle_mask_forbids_a_button_just_pressed_to_no_effect_until_the_game_changes(demo_rom: Path) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)), idle_mask=True)
    try:
        plain = masked(core)  # what the rules forbid anyway
        core.step(Button.DOWN)  # a step down to (6,7)
        assert masked(core) == plain
        core.step(Button.DOWN)  # the border: changed nothing
        assert masked(core) == plain | {Button.DOWN}
        core.step(Button.A)  # facing the border, A changes nothing either
        assert masked(core) == plain | {Button.DOWN, Button.A}
        chosen = core.step(Button.DOWN)  # chosen anyway: forbidden, and the rules play something else
        assert chosen.facts.forbidden and chosen.by_rules and chosen.button is not Button.DOWN
        core.reset()
        assert masked(core) == plain
    finally:
        core.close()
    off = GameCore(*start_machine(resolve_rom(demo_rom)))
    try:
        for button in (Button.DOWN, Button.DOWN):
            off.step(button)
        assert off.legal() == allowed_buttons(off.state)  # off by default: the rules' mask alone
    finally:
        off.close()


def test_a_change_lifts_the_idle_mask(demo_rom: Path) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)), idle_mask=True)
    try:
        plain = masked(core)
        for button in (Button.DOWN, Button.DOWN, Button.LEFT):  # a step, the border, then a turn to the wall
            core.step(button)
        assert masked(core) == plain
        core.step(Button.LEFT)  # the wall
        assert masked(core) == plain | {Button.LEFT}
        core.step(Button.UP)  # a step up: the game changed
        assert masked(core) == plain
    finally:
        core.close()
