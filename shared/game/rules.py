"""The rules that always win, whoever chose the button: forbidden buttons and anti-stuck."""

import random

from shared.buttons import BUTTONS, DPAD, Button
from shared.game.state import GameState

FORBIDDEN_BEFORE_FIRST_POKEMON = frozenset({Button.START, Button.SELECT})
"""The START menu and SELECT before the first Pokémon only lead an agent into menus it cannot use yet."""
TEXT_BOX_BUTTONS = frozenset({Button.A, Button.B})
"""What a text box in the overworld reads: A or B turns its page. A direction, START or SELECT is lost there."""
ALL_ALLOWED: tuple[bool, ...] = (True,) * len(BUTTONS)
BEFORE_FIRST_POKEMON: tuple[bool, ...] = tuple(b not in FORBIDDEN_BEFORE_FIRST_POKEMON for b in BUTTONS)
IN_A_TEXT_BOX: tuple[bool, ...] = tuple(b in TEXT_BOX_BUTTONS for b in BUTTONS)


def allowed_buttons(state: GameState) -> tuple[bool, ...]:
    """Which of `BUTTONS` may be played in `state`.

    START/SELECT are forbidden until the party has its first Pokémon. While a text box is open in the overworld
    with no menu on it (a person talking, a sign, a trainer's challenge; not a YES/NO box, not the START menu, not
    a battle), only A and B: the game ignores the rest, so a press of one changes nothing, and a greedy policy
    that prefers it in that state presses it forever (a learner pressed UP through JOEY's challenge on Route 30
    for 1,850 steps, the value of UP there within 0.13 of A's).
    """
    if state.text_box:
        return IN_A_TEXT_BOX
    return ALL_ALLOWED if state.party_count else BEFORE_FIRST_POKEMON


class AntiStuck:
    """`patience` steps without progress → intervene with a button the agent was not using.

    `enabled` False: it never steps in (greedy evaluation: what a policy does alone, not with the rule's help).
    """

    def __init__(self, patience: int, seed: int = 0, enabled: bool = True) -> None:
        self.patience = patience
        self.enabled = enabled
        self.idle = 0
        self.rng = random.Random(seed ^ 0x5EED)

    def observe(self, progressed: bool) -> None:
        self.idle = 0 if progressed else self.idle + 1

    def reset(self) -> None:
        self.idle = 0

    @property
    def stuck(self) -> bool:
        return self.enabled and self.idle >= self.patience

    def intervene(self, state: GameState, chosen: Button) -> Button:
        """Close whatever is open, else walk somewhere other than where the agent keeps pushing."""
        self.idle = 0
        if state.menu_open or state.text_open:
            return Button.B if chosen == Button.A else Button.A
        return self.rng.choice([b for b in DPAD if b != chosen])
