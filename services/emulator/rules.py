"""The rules that always win, applied after arbitration: forbidden buttons and anti-stuck."""

import random

from shared.buttons import BUTTON_INDEX, DPAD, Button
from shared.game.state import GameState


def allowed(button: Button, legal: tuple[bool, ...]) -> bool:
    return legal[BUTTON_INDEX[button]]


class AntiStuck:
    """`patience` steps with no reward and no new tile → intervene with a button the agent was not using."""

    def __init__(self, patience: int, seed: int = 0) -> None:
        self.patience = patience
        self.idle = 0
        self.interventions = 0
        self.rng = random.Random(seed ^ 0x5EED)

    def observe(self, progressed: bool) -> None:
        self.idle = 0 if progressed else self.idle + 1

    @property
    def stuck(self) -> bool:
        return self.idle >= self.patience

    def intervene(self, state: GameState, chosen: Button) -> Button:
        """Close whatever is open, else walk somewhere other than where the agent keeps pushing."""
        self.interventions += 1
        self.idle = 0
        if state.menu_open or state.text_open:
            return Button.B if chosen == Button.A else Button.A
        return self.rng.choice([b for b in DPAD if b != chosen])
