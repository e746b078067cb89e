"""The action space: the Game Boy's eight buttons, in one fixed order (the DQN's output index)."""

from enum import StrEnum


class Button(StrEnum):
    """Names as PyBoy's `button_press` takes them."""

    A = "a"
    B = "b"
    START = "start"
    SELECT = "select"
    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"


BUTTONS: tuple[Button, ...] = tuple(Button)
"""Index i of a legal-action mask or a Q-vector is BUTTONS[i]."""
BUTTON_INDEX: dict[Button, int] = {b: i for i, b in enumerate(BUTTONS)}
DPAD: tuple[Button, ...] = (Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT)
