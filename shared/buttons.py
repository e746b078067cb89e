"""The action space: the Game Boy's eight buttons, in one fixed order (the DQN's output index)."""

from collections.abc import Sequence
from enum import StrEnum

from shared.errors import ConfigError


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
MOVES: dict[Button, tuple[int, int]] = {
    Button.UP: (0, -1),
    Button.DOWN: (0, 1),
    Button.LEFT: (-1, 0),
    Button.RIGHT: (1, 0),
}
"""The step each direction button takes on a map, (dx, dy) with y growing southward, as the game counts them."""

BUTTON_PRESETS: dict[str, tuple[Button, ...]] = {
    "all": BUTTONS,
    "no_select": tuple(b for b in BUTTONS if b is not Button.SELECT),
}
"""`all`: the eight buttons in the project's order; `no_select`: the seven the project's agents use."""


def parse_buttons(buttons: str | Sequence[str | Button]) -> tuple[Button, ...]:
    """A preset name, or button names in the order of the action space's indices."""
    if isinstance(buttons, str):
        try:
            return BUTTON_PRESETS[buttons]
        except KeyError:
            raise ConfigError(
                f"unknown button preset {buttons!r}: use one of {', '.join(BUTTON_PRESETS)}, "
                f"or a sequence of button names from {', '.join(BUTTONS)}"
            ) from None
    chosen: list[Button] = []
    for name in buttons:
        try:
            button = Button(str(name).lower())
        except ValueError:
            raise ConfigError(f"unknown button {name!r}: the buttons are {', '.join(BUTTONS)}") from None
        if button in chosen:
            raise ConfigError(f"button {button.value!r} is given twice in buttons={tuple(buttons)!r}")
        chosen.append(button)
    if not chosen:
        raise ConfigError(f"buttons is empty: give button names from {', '.join(BUTTONS)}, or a preset")
    return tuple(chosen)
