"""The items a battle can use, with Crystal's item ids (`constants/item_constants.asm`).

Potions sit in the bag's items pocket (`wNumItems`/`wItems`), Poké Balls in its ball pocket
(`wNumBalls`/`wBalls`), as in Crystal. A Potion restores 20 HP (`data/items/heal_hp.asm`); a Poké Ball
multiplies nothing (the catch formula uses the species' catch rate as it is).
"""

from dataclasses import dataclass

POKE_BALL = 0x05
POTION = 0x12
POTION_HEAL = 20


@dataclass(frozen=True)
class Item:
    """An item the battle's PACK lists: its id, name as the game spells it, and whether it sits in the ball pocket."""

    number: int
    name: str
    ball: bool


ITEMS: tuple[Item, ...] = (Item(POTION, "POTION", False), Item(POKE_BALL, "POKé BALL", True))
"""What PACK offers in battle, in its order."""
