"""The species the chapter meets: base stats, types, catch rate, base experience, growth rate, learnset.

Numbers from the public disassembly's `data/pokemon/base_stats/*.asm` and `data/pokemon/evos_attacks.asm`
(the level-up moves up to `LEARNSET_MAX_LEVEL`, in its order, duplicates included: a move already known is
skipped when learned again, as the game does). Growth rates from `data/growth_rates.asm`: the experience
to reach level n is a/b·n³ + c·n² + d·n − e. Evolution is not part of this world.
"""

from dataclasses import dataclass
from enum import IntEnum

from cartridge.johto.pokedata.types import Type


class Growth(IntEnum):
    """Crystal's growth rate ids (`GROWTH_*`)."""

    MEDIUM_FAST = 0
    SLIGHTLY_FAST = 1
    SLIGHTLY_SLOW = 2
    MEDIUM_SLOW = 3
    FAST = 4
    SLOW = 5


GROWTH_RATES: dict[Growth, tuple[int, int, int, int, int]] = {
    Growth.MEDIUM_FAST: (1, 1, 0, 0, 0),
    Growth.SLIGHTLY_FAST: (3, 4, 10, 0, 30),
    Growth.SLIGHTLY_SLOW: (3, 4, 20, 0, 70),
    Growth.MEDIUM_SLOW: (6, 5, -15, 100, 140),
    Growth.FAST: (4, 5, 0, 0, 0),
    Growth.SLOW: (5, 4, 0, 0, 0),
}
"""Growth rate → (a, b, c, d, e) of a/b·n³ + c·n² + d·n − e."""


@dataclass(frozen=True)
class Species:
    """One species: National Dex number, name as the game spells it, base stats (HP, attack, defense, speed,
    special attack, special defense), types, catch rate, base experience, growth rate, (level, move id) learnset."""

    number: int
    name: str
    base: tuple[int, int, int, int, int, int]
    types: tuple[Type, Type]
    catch_rate: int
    base_exp: int
    growth: Growth
    learnset: tuple[tuple[int, int], ...]


T, G = Type, Growth
_SPECIES = (
    Species(10, "CATERPIE", (45, 30, 35, 45, 20, 20), (T.BUG, T.BUG), 255, 53, G.MEDIUM_FAST, ((1, 33), (1, 81))),
    Species(13, "WEEDLE", (40, 35, 30, 50, 20, 20), (T.BUG, T.POISON), 255, 52, G.MEDIUM_FAST, ((1, 40), (1, 81))),
    Species(
        16,
        "PIDGEY",
        (40, 45, 40, 56, 35, 35),
        (T.NORMAL, T.FLYING),
        255,
        55,
        G.MEDIUM_SLOW,
        ((1, 33), (5, 28), (9, 16), (15, 98)),
    ),
    Species(
        17,
        "PIDGEOTTO",
        (63, 60, 55, 71, 50, 50),
        (T.NORMAL, T.FLYING),
        120,
        113,
        G.MEDIUM_SLOW,
        ((1, 33), (1, 28), (1, 16), (5, 28), (9, 16), (15, 98)),
    ),
    Species(
        19,
        "RATTATA",
        (30, 56, 35, 72, 25, 35),
        (T.NORMAL, T.NORMAL),
        255,
        57,
        G.MEDIUM_FAST,
        ((1, 33), (1, 39), (7, 98), (13, 158), (20, 116)),
    ),
    Species(
        21,
        "SPEAROW",
        (40, 60, 30, 70, 31, 31),
        (T.NORMAL, T.FLYING),
        255,
        58,
        G.MEDIUM_FAST,
        ((1, 64), (1, 45), (7, 43), (13, 31)),
    ),
    Species(
        41,
        "ZUBAT",
        (40, 45, 35, 55, 30, 40),
        (T.POISON, T.FLYING),
        255,
        54,
        G.MEDIUM_FAST,
        ((1, 141), (6, 48), (12, 44), (19, 109)),
    ),
    Species(
        60,
        "POLIWAG",
        (40, 50, 40, 90, 40, 40),
        (T.WATER, T.WATER),
        255,
        77,
        G.MEDIUM_SLOW,
        ((1, 145), (7, 95), (13, 55), (19, 3)),
    ),
    Species(
        69,
        "BELLSPROUT",
        (50, 75, 35, 40, 70, 30),
        (T.GRASS, T.POISON),
        255,
        84,
        G.MEDIUM_SLOW,
        ((1, 22), (6, 74), (11, 35), (15, 79), (17, 77), (19, 78)),
    ),
    Species(
        92,
        "GASTLY",
        (30, 35, 30, 80, 100, 35),
        (T.GHOST, T.POISON),
        190,
        95,
        G.MEDIUM_SLOW,
        ((1, 95), (1, 122), (8, 180), (13, 212), (16, 174)),
    ),
    Species(
        152,
        "CHIKORITA",
        (45, 49, 65, 45, 49, 65),
        (T.GRASS, T.GRASS),
        45,
        64,
        G.MEDIUM_SLOW,
        ((1, 33), (1, 45), (8, 75), (12, 115), (15, 77)),
    ),
    Species(
        155,
        "CYNDAQUIL",
        (39, 52, 43, 65, 60, 50),
        (T.FIRE, T.FIRE),
        45,
        65,
        G.MEDIUM_SLOW,
        ((1, 33), (1, 43), (6, 108), (12, 52), (19, 98)),
    ),
    Species(
        158,
        "TOTODILE",
        (50, 65, 64, 43, 44, 48),
        (T.WATER, T.WATER),
        45,
        66,
        G.MEDIUM_SLOW,
        ((1, 10), (1, 43), (7, 99), (13, 55), (20, 44)),
    ),
    Species(
        161,
        "SENTRET",
        (35, 46, 34, 20, 35, 45),
        (T.NORMAL, T.NORMAL),
        255,
        57,
        G.MEDIUM_FAST,
        ((1, 33), (5, 111), (11, 98), (17, 154)),
    ),
    Species(
        163,
        "HOOTHOOT",
        (60, 30, 30, 50, 36, 56),
        (T.NORMAL, T.FLYING),
        255,
        58,
        G.MEDIUM_FAST,
        ((1, 33), (1, 45), (6, 193), (11, 64), (16, 95)),
    ),
    Species(165, "LEDYBA", (40, 20, 30, 55, 40, 80), (T.BUG, T.FLYING), 255, 54, G.FAST, ((1, 33), (8, 48), (15, 4))),
    Species(
        167,
        "SPINARAK",
        (40, 60, 40, 30, 40, 40),
        (T.BUG, T.POISON),
        255,
        54,
        G.FAST,
        ((1, 40), (1, 81), (6, 184), (11, 132), (17, 101)),
    ),
    Species(
        187,
        "HOPPIP",
        (35, 35, 40, 50, 35, 55),
        (T.GRASS, T.FLYING),
        255,
        74,
        G.MEDIUM_SLOW,
        ((1, 150), (5, 235), (5, 39), (10, 33), (13, 77), (15, 78), (17, 79), (20, 73)),
    ),
)
SPECIES: dict[int, Species] = {species.number: species for species in _SPECIES}
"""National Dex number → species."""

STARTERS = (152, 155, 158)
"""Chikorita, Cyndaquil, Totodile: the three balls in Elm's lab, level 5."""
