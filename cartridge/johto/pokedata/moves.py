"""The moves the chapter's creatures know or learn, with Crystal's numbers (`data/moves/moves.asm`).

Accuracy and effect chance are percentages as the disassembly writes them; the ROM stores them as
Crystal does, `percent * 255 // 100` (100 % is 255, which never misses). Effects are named after
Crystal's `EFFECT_*` constants; the battle engine carries out the ones listed in `HANDLED` and says
"But nothing happened!" for the others (a move of that kind still uses its turn and its PP).
"""

from dataclasses import dataclass
from enum import IntEnum

from cartridge.johto.pokedata.types import Type

LEARNSET_MAX_LEVEL = 20
"""Learnsets keep the moves learned up to this level: more than the chapter reaches, and it keeps the set of
moves (and so of effects) small. A creature past it learns nothing new."""


class Effect(IntEnum):
    """A move's effect, numbered for this ROM (Crystal's names)."""

    NORMAL_HIT = 0
    PRIORITY_HIT = 1
    MULTI_HIT = 2
    LEECH_HIT = 3
    LEVEL_DAMAGE = 4
    FLINCH_HIT = 5
    POISON_HIT = 6
    BURN_HIT = 7
    PARALYZE_HIT = 8
    SPEED_DOWN_HIT = 9
    ACCURACY_DOWN_HIT = 10
    ATTACK_DOWN = 11
    DEFENSE_DOWN = 12
    SPEED_DOWN = 13
    SPEED_DOWN_2 = 14
    ACCURACY_DOWN = 15
    DEFENSE_CURL = 16
    SP_ATK_UP = 17
    POISON = 18
    PARALYZE = 19
    SLEEP = 20
    SYNTHESIS = 21
    GUST = 22
    TRAP_TARGET = 23
    RAGE = 24
    CONFUSE = 25
    LEECH_SEED = 26
    REFLECT = 27
    FOCUS_ENERGY = 28
    SPLASH = 29
    CURSE = 30
    SPITE = 31
    FORESIGHT = 32
    MEAN_LOOK = 33
    RECOIL_HIT = 34


DAMAGING = frozenset(
    {
        Effect.NORMAL_HIT,
        Effect.PRIORITY_HIT,
        Effect.MULTI_HIT,
        Effect.LEECH_HIT,
        Effect.LEVEL_DAMAGE,
        Effect.FLINCH_HIT,
        Effect.POISON_HIT,
        Effect.BURN_HIT,
        Effect.PARALYZE_HIT,
        Effect.SPEED_DOWN_HIT,
        Effect.ACCURACY_DOWN_HIT,
        Effect.GUST,
        Effect.TRAP_TARGET,
        Effect.RAGE,
        Effect.RECOIL_HIT,
    }
)
"""Effects whose move deals damage (a power above 0)."""

HANDLED = DAMAGING | {
    Effect.ATTACK_DOWN,
    Effect.DEFENSE_DOWN,
    Effect.SPEED_DOWN,
    Effect.SPEED_DOWN_2,
    Effect.ACCURACY_DOWN,
    Effect.DEFENSE_CURL,
    Effect.SP_ATK_UP,
    Effect.POISON,
    Effect.PARALYZE,
    Effect.SLEEP,
    Effect.SYNTHESIS,
}
"""Effects the engine carries out. Trapping, Rage and Gust hit as plain damage; the rest of `Effect` do nothing."""


@dataclass(frozen=True)
class Move:
    """One move: Crystal's id, its name as the game spells it, type, power, accuracy %, PP, effect, effect chance %."""

    number: int
    name: str
    type: Type
    power: int
    accuracy: int
    pp: int
    effect: Effect
    chance: int = 0

    @property
    def accuracy_byte(self) -> int:
        """The accuracy as the ROM keeps it (255 = 100 %)."""
        return self.accuracy * 255 // 100

    @property
    def chance_byte(self) -> int:
        """The side effect's chance as the ROM keeps it (255 = 100 %)."""
        return self.chance * 255 // 100


T, E = Type, Effect
_MOVES = (
    Move(3, "DOUBLESLAP", T.NORMAL, 15, 85, 10, E.MULTI_HIT),
    Move(4, "COMET PUNCH", T.NORMAL, 18, 85, 15, E.MULTI_HIT),
    Move(10, "SCRATCH", T.NORMAL, 40, 100, 35, E.NORMAL_HIT),
    Move(16, "GUST", T.FLYING, 40, 100, 35, E.GUST),
    Move(22, "VINE WHIP", T.GRASS, 35, 100, 10, E.NORMAL_HIT),
    Move(28, "SAND-ATTACK", T.GROUND, 0, 100, 15, E.ACCURACY_DOWN),
    Move(31, "FURY ATTACK", T.NORMAL, 15, 85, 20, E.MULTI_HIT),
    Move(33, "TACKLE", T.NORMAL, 35, 95, 35, E.NORMAL_HIT),
    Move(35, "WRAP", T.NORMAL, 15, 85, 20, E.TRAP_TARGET),
    Move(39, "TAIL WHIP", T.NORMAL, 0, 100, 30, E.DEFENSE_DOWN),
    Move(40, "POISON STING", T.POISON, 15, 100, 35, E.POISON_HIT, 30),
    Move(43, "LEER", T.NORMAL, 0, 100, 30, E.DEFENSE_DOWN),
    Move(44, "BITE", T.DARK, 60, 100, 25, E.FLINCH_HIT, 30),
    Move(45, "GROWL", T.NORMAL, 0, 100, 40, E.ATTACK_DOWN),
    Move(48, "SUPERSONIC", T.NORMAL, 0, 55, 20, E.CONFUSE),
    Move(52, "EMBER", T.FIRE, 40, 100, 25, E.BURN_HIT, 10),
    Move(55, "WATER GUN", T.WATER, 40, 100, 25, E.NORMAL_HIT),
    Move(64, "PECK", T.FLYING, 35, 100, 35, E.NORMAL_HIT),
    Move(73, "LEECH SEED", T.GRASS, 0, 90, 10, E.LEECH_SEED),
    Move(74, "GROWTH", T.NORMAL, 0, 100, 40, E.SP_ATK_UP),
    Move(75, "RAZOR LEAF", T.GRASS, 55, 95, 25, E.NORMAL_HIT),
    Move(77, "POISONPOWDER", T.POISON, 0, 75, 35, E.POISON),
    Move(78, "STUN SPORE", T.GRASS, 0, 75, 30, E.PARALYZE),
    Move(79, "SLEEP POWDER", T.GRASS, 0, 75, 15, E.SLEEP),
    Move(81, "STRING SHOT", T.BUG, 0, 95, 40, E.SPEED_DOWN),
    Move(95, "HYPNOSIS", T.PSYCHIC, 0, 60, 20, E.SLEEP),
    Move(98, "QUICK ATTACK", T.NORMAL, 40, 100, 30, E.PRIORITY_HIT),
    Move(99, "RAGE", T.NORMAL, 20, 100, 20, E.RAGE),
    Move(101, "NIGHT SHADE", T.GHOST, 1, 100, 15, E.LEVEL_DAMAGE),
    Move(108, "SMOKESCREEN", T.NORMAL, 0, 100, 20, E.ACCURACY_DOWN),
    Move(109, "CONFUSE RAY", T.GHOST, 0, 100, 10, E.CONFUSE),
    Move(111, "DEFENSE CURL", T.NORMAL, 0, 100, 40, E.DEFENSE_CURL),
    Move(115, "REFLECT", T.PSYCHIC, 0, 100, 20, E.REFLECT),
    Move(116, "FOCUS ENERGY", T.NORMAL, 0, 100, 30, E.FOCUS_ENERGY),
    Move(122, "LICK", T.GHOST, 20, 100, 30, E.PARALYZE_HIT, 30),
    Move(132, "CONSTRICT", T.NORMAL, 10, 100, 35, E.SPEED_DOWN_HIT, 10),
    Move(141, "LEECH LIFE", T.BUG, 20, 100, 15, E.LEECH_HIT),
    Move(145, "BUBBLE", T.WATER, 20, 100, 30, E.SPEED_DOWN_HIT, 10),
    Move(150, "SPLASH", T.NORMAL, 0, 100, 40, E.SPLASH),
    Move(154, "FURY SWIPES", T.NORMAL, 18, 80, 15, E.MULTI_HIT),
    Move(158, "HYPER FANG", T.NORMAL, 80, 90, 15, E.FLINCH_HIT, 10),
    Move(165, "STRUGGLE", T.NORMAL, 50, 100, 1, E.RECOIL_HIT),
    Move(174, "CURSE", T.CURSE, 0, 100, 10, E.CURSE),
    Move(180, "SPITE", T.GHOST, 0, 100, 10, E.SPITE),
    Move(184, "SCARY FACE", T.NORMAL, 0, 90, 10, E.SPEED_DOWN_2),
    Move(189, "MUD-SLAP", T.GROUND, 20, 100, 10, E.ACCURACY_DOWN_HIT, 100),
    Move(193, "FORESIGHT", T.NORMAL, 0, 100, 40, E.FORESIGHT),
    Move(212, "MEAN LOOK", T.NORMAL, 0, 100, 5, E.MEAN_LOOK),
    Move(235, "SYNTHESIS", T.GRASS, 0, 100, 5, E.SYNTHESIS),
)
MOVES: dict[int, Move] = {move.number: move for move in _MOVES}
"""Crystal's move id → move (STRUGGLE is what a creature uses with no PP left)."""
STRUGGLE = 165
