"""Crystal's types (its own numbering, `constants/type_constants.asm`) and the type chart for the types present.

The chart keeps the disassembly's order and its effectiveness codes (20 super effective, 5 not very
effective, 0 no effect, out of 10): a damage value is multiplied by the code and divided by ten once per
matching entry, in this order, as the game does, so a dual-typed defender's rounding comes out the same.
Only entries whose attacking type is some present move's and whose defending type is some present
species' are kept (a test checks that none is missing).
"""

from enum import IntEnum


class Type(IntEnum):
    """Type ids as Crystal numbers them: physical types below 20, special from 20 (FIRE)."""

    NORMAL = 0
    FIGHTING = 1
    FLYING = 2
    POISON = 3
    GROUND = 4
    ROCK = 5
    BUG = 7
    GHOST = 8
    STEEL = 9
    CURSE = 19
    FIRE = 20
    WATER = 21
    GRASS = 22
    ELECTRIC = 23
    PSYCHIC = 24
    ICE = 25
    DRAGON = 26
    DARK = 27


SPECIAL_FROM = Type.FIRE
"""Moves of this type and above use special attack and special defense (Crystal's split by type)."""

SUPER_EFFECTIVE, EFFECTIVE, NOT_VERY_EFFECTIVE, NO_EFFECT = 20, 10, 5, 0

TYPE_NAMES: dict[Type, str] = {t: ("???" if t is Type.CURSE else t.name) for t in Type}
"""How the move menu names a type (Crystal writes `???` for CURSE's)."""


def is_special(move_type: Type) -> bool:
    """True when a move of this type hits with special attack against special defense."""
    return move_type >= SPECIAL_FROM


T = Type
TYPE_CHART: tuple[tuple[Type, Type, int], ...] = (
    (T.FIRE, T.FIRE, NOT_VERY_EFFECTIVE),
    (T.FIRE, T.WATER, NOT_VERY_EFFECTIVE),
    (T.FIRE, T.GRASS, SUPER_EFFECTIVE),
    (T.FIRE, T.BUG, SUPER_EFFECTIVE),
    (T.WATER, T.FIRE, SUPER_EFFECTIVE),
    (T.WATER, T.WATER, NOT_VERY_EFFECTIVE),
    (T.WATER, T.GRASS, NOT_VERY_EFFECTIVE),
    (T.GRASS, T.FIRE, NOT_VERY_EFFECTIVE),
    (T.GRASS, T.WATER, SUPER_EFFECTIVE),
    (T.GRASS, T.GRASS, NOT_VERY_EFFECTIVE),
    (T.GRASS, T.POISON, NOT_VERY_EFFECTIVE),
    (T.GRASS, T.FLYING, NOT_VERY_EFFECTIVE),
    (T.GRASS, T.BUG, NOT_VERY_EFFECTIVE),
    (T.POISON, T.GRASS, SUPER_EFFECTIVE),
    (T.POISON, T.POISON, NOT_VERY_EFFECTIVE),
    (T.POISON, T.GHOST, NOT_VERY_EFFECTIVE),
    (T.GROUND, T.FIRE, SUPER_EFFECTIVE),
    (T.GROUND, T.GRASS, NOT_VERY_EFFECTIVE),
    (T.GROUND, T.POISON, SUPER_EFFECTIVE),
    (T.GROUND, T.FLYING, NO_EFFECT),
    (T.GROUND, T.BUG, NOT_VERY_EFFECTIVE),
    (T.FLYING, T.GRASS, SUPER_EFFECTIVE),
    (T.FLYING, T.BUG, SUPER_EFFECTIVE),
    (T.PSYCHIC, T.POISON, SUPER_EFFECTIVE),
    (T.BUG, T.FIRE, NOT_VERY_EFFECTIVE),
    (T.BUG, T.GRASS, SUPER_EFFECTIVE),
    (T.BUG, T.POISON, NOT_VERY_EFFECTIVE),
    (T.BUG, T.FLYING, NOT_VERY_EFFECTIVE),
    (T.BUG, T.GHOST, NOT_VERY_EFFECTIVE),
    (T.GHOST, T.NORMAL, NO_EFFECT),
    (T.GHOST, T.GHOST, SUPER_EFFECTIVE),
    (T.DARK, T.GHOST, SUPER_EFFECTIVE),
    (T.NORMAL, T.GHOST, NO_EFFECT),
)
"""(attacking type, defending type, effectiveness out of 10), in the disassembly's order."""
