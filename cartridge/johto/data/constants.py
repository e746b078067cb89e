"""Crystal's numbers the Johto world uses: event flags, key items, sprites, map ids (species, items a battle uses and
trainer classes are the creatures' data, `pokedata`, imported here for the maps and scripts).

Public facts from the disassembly (``constants/event_flags.asm``, ``item_constants.asm``,
``pokemon_constants.asm``, ``sprite_constants.asm``, ``trainer_constants.asm``,
``map_constants.asm``). Flags the world needs that Crystal has no name for are numbered from
``OWN_FLAGS`` up, past the last flag Crystal defines.
"""

from __future__ import annotations

from cartridge.johto.pokedata.items import POKE_BALL as POKE_BALL
from cartridge.johto.pokedata.items import POTION as POTION
from cartridge.johto.pokedata.trainers import (  # the creatures' facts have one home: pokedata
    BIRD_KEEPER as BIRD_KEEPER,
    BUG_CATCHER as BUG_CATCHER,
    CHIKORITA as CHIKORITA,
    CYNDAQUIL as CYNDAQUIL,
    FALKNER as FALKNER,
    PIDGEY as PIDGEY,
    RIVAL1 as RIVAL1,
    RIVAL_AGAINST as RIVAL_AGAINST,
    TOTODILE as TOTODILE,
    YOUNGSTER as YOUNGSTER,
)


# event flags (wEventFlags bit numbers)
EVENT_GOT_A_POKEMON_FROM_ELM = 26
EVENT_GOT_CYNDAQUIL_FROM_ELM = 27
EVENT_GOT_TOTODILE_FROM_ELM = 28
EVENT_GOT_CHIKORITA_FROM_ELM = 29
EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON = 30
EVENT_GAVE_MYSTERY_EGG_TO_ELM = 31
EVENT_BEAT_BIRD_KEEPER_ROD = 507
EVENT_BEAT_BIRD_KEEPER_ABE = 508
EVENT_BEAT_FALKNER = 701
EVENT_BEAT_BUG_CATCHER_WADE = 827
EVENT_BEAT_YOUNGSTER_JOEY = 937
EVENT_BEAT_YOUNGSTER_MIKEY = 938
EVENT_CYNDAQUIL_POKEBALL_IN_ELMS_LAB = 972
EVENT_TOTODILE_POKEBALL_IN_ELMS_LAB = 973
EVENT_CHIKORITA_POKEBALL_IN_ELMS_LAB = 974
EVENT_ROUTE_29_POTION = 1081
EVENT_ROUTE_31_POKE_BALL = 1083
EVENT_RIVAL_CHERRYGROVE_CITY = 1098
OWN_FLAGS = 0x700
EVENT_BEAT_RIVAL_CHERRYGROVE = OWN_FLAGS
EVENT_GOT_POKE_BALLS_FROM_ELM = OWN_FLAGS + 1
EVENT_TALKED_TO_MOM = OWN_FLAGS + 2

# items
MYSTERY_EGG = 0x45
KEY_ITEMS = frozenset({MYSTERY_EGG})
BALLS = frozenset({POKE_BALL})
ITEM_NAMES = {POKE_BALL: "POKé BALL", POTION: "POTION", MYSTERY_EGG: "MYSTERY EGG"}

# the starters' level
STARTER_LEVEL = 5

# sprites (wMapObjects' sprite byte)
SPRITE_CHRIS = 0x01
SPRITE_RIVAL = 0x04
SPRITE_MOM = 0x0C
SPRITE_ELM = 0x10
SPRITE_FALKNER = 0x12
SPRITE_BUG_CATCHER = 0x25
SPRITE_YOUNGSTER = 0x27
SPRITE_TEACHER = 0x29
SPRITE_NURSE = 0x37
SPRITE_SCIENTIST = 0x3C
SPRITE_GENTLEMAN = 0x40
SPRITE_POKE_BALL = 0x54

# object types (wMapObjects' type nibble)
OBJECTTYPE_SCRIPT, OBJECTTYPE_ITEMBALL, OBJECTTYPE_TRAINER = 0, 1, 2


ZEPHYR_BADGE_BIT = 0
