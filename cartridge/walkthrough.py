"""A scripted play-through of the demo cartridge, one button per step.

The step is the one the emulator service takes: press, hold ``HOLD_FRAMES`` frames,
release, and tick until ``STEP_FRAMES`` frames have passed. Tests replay this list to
prove the game can be finished; the service and benchmarks can use it as a known-good
policy. ``MILESTONES`` names the step index (0-based) *after which* each milestone holds.
"""

from __future__ import annotations

from typing import Protocol

HOLD_FRAMES = 8
STEP_FRAMES = 24
BUTTONS = ("a", "b", "start", "select", "up", "down", "left", "right")


def _walk(direction: str, count: int) -> list[str]:
    return [direction] * count


_NEW_BARK = [
    *_walk("left", 3),  # (6,6) -> (3,6)
    *_walk("up", 3),  # -> (3,3): the ball, +500
    *["up", "right", "up"],  # -> (4,2), facing the NPC at (4,1) (the last press only turns)
    *["a", "a"],  # open the text box, close it: the cut-scene starts
    *["b", "b", "b"],  # the 60-frame cut-scene ignores input; the starter arrives
    *_walk("down", 2),  # -> (4,4)
    *_walk("left", 4),  # -> (0,4): exit to Route 29 (8,4)
]
_ROUTE_29 = [
    *_walk("up", 2),  # -> (8,2)
    "left",  # -> (7,2): the ball, +1234
    "down",  # -> (7,3)
    *_walk("left", 5),  # third grass step at (2,3): a wild Pidgey, level 3
    *_walk("a", 3),  # three attacks win; the experience makes level 6
    *_walk("left", 2),  # -> (0,3): exit to Violet City (8,3)
]
_VIOLET_CITY = [*_walk("left", 4), "up"]  # -> (4,2): the gym door, into Violet Gym (4,6)
_VIOLET_GYM = [
    *_walk("up", 4),  # -> (4,2), facing the leader at (4,1)
    *["a", "a"],  # text box; closing it starts the trainer battle
    *_walk("a", 5),  # five attacks beat the level 9 Pidgeotto: Zephyr badge, prize money
]

WALKTHROUGH: tuple[str, ...] = (*_NEW_BARK, *_ROUTE_29, *_VIOLET_CITY, *_VIOLET_GYM)

_R29 = len(_NEW_BARK)
_VC = _R29 + len(_ROUTE_29)
_GYM = _VC + len(_VIOLET_CITY)

MILESTONES: dict[str, int] = {
    "item_new_bark": 5,
    "text_box_open": 9,
    "first_pokemon": 12,
    "entered_route_29": _R29 - 1,
    "item_route_29": _R29 + 2,
    "wild_battle_started": _R29 + 8,
    "wild_battle_won": _R29 + 11,
    "entered_violet_city": _VC - 1,
    "entered_violet_gym": _GYM - 1,
    "gym_battle_started": _GYM + 5,
    "badge": len(WALKTHROUGH) - 1,
}


class _Emulator(Protocol):
    def button_press(self, button: str) -> None: ...

    def button_release(self, button: str) -> None: ...

    def tick(self, count: int = 1, render: bool = True) -> bool: ...


def play_step(
    pyboy: _Emulator, button: str, hold: int = HOLD_FRAMES, total: int = STEP_FRAMES, render: bool = False
) -> None:
    """Press ``button``, hold it ``hold`` frames, release, and finish the ``total``-frame step."""
    if button not in BUTTONS:
        raise ValueError(f"unknown button {button!r}; expected one of {', '.join(BUTTONS)}")
    if not 0 < hold < total:
        raise ValueError(f"hold must be in 1..{total - 1} frames, got {hold}")
    pyboy.button_press(button)
    pyboy.tick(hold, render)
    pyboy.button_release(button)
    pyboy.tick(total - hold, render)
