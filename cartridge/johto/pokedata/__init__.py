"""The creatures of the Johto world as Python data: species, moves, the type chart, wild encounters, trainers, items.

Every number is a public fact of Pokémon Crystal, read from the public disassembly (pret/pokecrystal's
`data/pokemon/base_stats/*.asm`, `data/pokemon/evos_attacks.asm`, `data/moves/moves.asm`,
`data/types/type_matchups.asm`, `data/wild/johto_grass.asm`, `data/trainers/parties.asm`,
`data/trainers/attributes.asm`, `data/trainers/dvs.asm`, `data/growth_rates.asm`): species and
move numbers are Crystal's (National Dex numbers, Crystal's move ids), so the project's name tables
read them. Only the species, moves and trainers the first chapter meets are here; the battle engine
(`cartridge/johto/battle/`) lays these tables into the ROM and the reference model computes with them.
"""

from cartridge.johto.pokedata.encounters import ENCOUNTERS, GRASS_SLOT_PERCENT, RouteEncounters
from cartridge.johto.pokedata.items import ITEMS, POKE_BALL, POTION, POTION_HEAL, Item
from cartridge.johto.pokedata.moves import LEARNSET_MAX_LEVEL, MOVES, Effect, Move
from cartridge.johto.pokedata.species import GROWTH_RATES, SPECIES, Growth, Species
from cartridge.johto.pokedata.trainers import TRAINER_CLASSES, TRAINERS, Trainer, TrainerClass, TrainerMon
from cartridge.johto.pokedata.types import TYPE_CHART, TYPE_NAMES, Type, is_special

__all__ = [
    "ENCOUNTERS",
    "GRASS_SLOT_PERCENT",
    "GROWTH_RATES",
    "ITEMS",
    "LEARNSET_MAX_LEVEL",
    "MOVES",
    "POKE_BALL",
    "POTION",
    "POTION_HEAL",
    "SPECIES",
    "TRAINERS",
    "TRAINER_CLASSES",
    "TYPE_CHART",
    "TYPE_NAMES",
    "Effect",
    "Growth",
    "Item",
    "Move",
    "RouteEncounters",
    "Species",
    "Trainer",
    "TrainerClass",
    "TrainerMon",
    "Type",
    "is_special",
]
