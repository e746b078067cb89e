"""The chapter's trainers: their classes (Crystal's class ids, names, base reward, DVs) and parties.

From the public disassembly: `constants/trainer_constants.asm` (class ids; a trainer's id is its 1-based
place in its class's list), `data/trainers/class_names.asm`, `data/trainers/attributes.asm` (base reward),
`data/trainers/dvs.asm` and `data/trainers/parties.asm`. The overworld starts a trainer battle with
`wOtherTrainerClass` and `wOtherTrainerID` set to a (class, id) of `TRAINERS`. The prize is the base reward
times the level of the party's last creature, times four (the game adds the reward to the wallet four times).
A party member without moves knows the last four it would have learned by its level, as in Crystal.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainerClass:
    """A trainer class: Crystal's id, its name, base reward, and the DVs every member's creatures have
    (attack, defense, speed, special; 0-15)."""

    number: int
    name: str
    base_reward: int
    dvs: tuple[int, int, int, int]


@dataclass(frozen=True)
class TrainerMon:
    """A party member: level, species, and its four moves (Crystal's ids; empty: learned by level)."""

    level: int
    species: int
    moves: tuple[int, ...] = ()


@dataclass(frozen=True)
class Trainer:
    """A trainer: class id, id within the class, name (`?` is the rival's, as the game writes it), party."""

    trainer_class: int
    number: int
    name: str
    party: tuple[TrainerMon, ...]


FALKNER, RIVAL1, YOUNGSTER, BIRD_KEEPER, BUG_CATCHER = 1, 9, 16, 18, 24

TRAINER_CLASSES: dict[int, TrainerClass] = {
    FALKNER: TrainerClass(FALKNER, "LEADER", 25, (9, 10, 7, 7)),
    RIVAL1: TrainerClass(RIVAL1, "RIVAL", 15, (13, 13, 13, 13)),
    YOUNGSTER: TrainerClass(YOUNGSTER, "YOUNGSTER", 4, (9, 8, 8, 8)),
    BIRD_KEEPER: TrainerClass(BIRD_KEEPER, "BIRD KEEPER", 6, (9, 8, 8, 8)),
    BUG_CATCHER: TrainerClass(BUG_CATCHER, "BUG CATCHER", 4, (9, 8, 8, 8)),
}
"""Class id → class."""

TACKLE, MUD_SLAP, GUST = 33, 189, 16
PIDGEY, PIDGEOTTO, SPEAROW, RATTATA, CATERPIE, WEEDLE = 16, 17, 21, 19, 10, 13
CHIKORITA, CYNDAQUIL, TOTODILE = 152, 155, 158

TRAINERS: tuple[Trainer, ...] = (
    Trainer(
        FALKNER,
        1,
        "FALKNER",
        (TrainerMon(7, PIDGEY, (TACKLE, MUD_SLAP)), TrainerMon(9, PIDGEOTTO, (TACKLE, MUD_SLAP, GUST))),
    ),
    Trainer(RIVAL1, 1, "?", (TrainerMon(5, CHIKORITA),)),
    Trainer(RIVAL1, 2, "?", (TrainerMon(5, CYNDAQUIL),)),
    Trainer(RIVAL1, 3, "?", (TrainerMon(5, TOTODILE),)),
    Trainer(YOUNGSTER, 1, "JOEY", (TrainerMon(4, RATTATA),)),
    Trainer(YOUNGSTER, 2, "MIKEY", (TrainerMon(2, PIDGEY), TrainerMon(4, RATTATA))),
    Trainer(BIRD_KEEPER, 1, "ROD", (TrainerMon(7, PIDGEY), TrainerMon(7, PIDGEY))),
    Trainer(BIRD_KEEPER, 2, "ABE", (TrainerMon(9, SPEAROW),)),
    Trainer(BUG_CATCHER, 1, "DON", (TrainerMon(3, CATERPIE), TrainerMon(3, CATERPIE))),
    Trainer(
        BUG_CATCHER,
        4,
        "WADE",
        (TrainerMon(2, CATERPIE), TrainerMon(2, CATERPIE), TrainerMon(3, WEEDLE), TrainerMon(2, CATERPIE)),
    ),
)
"""Every trainer the chapter can fight. The rival's id is the one whose starter is strong against the player's:
1 (Chikorita) against Totodile, 2 (Cyndaquil) against Chikorita, 3 (Totodile) against Cyndaquil."""

RIVAL_AGAINST: dict[int, int] = {TOTODILE: 1, CHIKORITA: 2, CYNDAQUIL: 3}
"""The player's starter → the rival's trainer id (his starter strong against it)."""


def prize(trainer: Trainer) -> int:
    """The money a win over `trainer` pays: base reward × the last creature's level × 4."""
    return TRAINER_CLASSES[trainer.trainer_class].base_reward * trainer.party[-1].level * 4
