"""Cherrygrove City (Crystal's 20x9 blocks): the POKéMON CENTER, the sea; the rival waits here on the way back."""

from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import Connection, MapDef, Person, Sign, Trigger, Warp
from cartridge.johto.script import (
    appear,
    battle,
    check_flag,
    disappear,
    end,
    if_true,
    jump,
    label,
    set_flag,
    text,
)

RIVAL = 1
RIVAL_BATTLE = (
    appear(RIVAL),
    text("<RIVAL>: You got\na POKéMON from\fELM's LAB too?\nLet's see who is\fstronger!"),
    check_flag(c.EVENT_GOT_CYNDAQUIL_FROM_ELM),
    if_true("vs_cyndaquil"),
    check_flag(c.EVENT_GOT_TOTODILE_FROM_ELM),
    if_true("vs_totodile"),
    battle(c.RIVAL1, c.RIVAL_AGAINST[c.CHIKORITA], can_lose=True),
    jump("after"),
    label("vs_cyndaquil"),
    battle(c.RIVAL1, c.RIVAL_AGAINST[c.CYNDAQUIL], can_lose=True),
    jump("after"),
    label("vs_totodile"),
    battle(c.RIVAL1, c.RIVAL_AGAINST[c.TOTODILE], can_lose=True),
    label("after"),
    text("<RIVAL>: Hmph.\nI'll be the\fstrongest trainer\nthere is."),
    disappear(RIVAL),
    set_flag(c.EVENT_BEAT_RIVAL_CHERRYGROVE),
    end(),
)

MAP = MapDef(
    key="cherrygrove_city",
    name="Cherrygrove City",
    group=26,
    number=3,
    rows=(
        "TTTTTTTTTTTTTTTTTT....TTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTT....TTTTTTTTTTTTTTTTTT",
        "TT................................TTTTTT",
        "TT..S.............................TTTTTT",
        "TT..RRRR....RRRR....PPPPPP..RRRR..TTTTTT",
        "TT..RRRR....RRRR....PPPPPP..RRRR..TTTTTT",
        "TT..HHHH....HHHH....HHHHHH..HHHH..TTTTTT",
        "TT..HHHH....HHHH....HHHDHH..HHHH..TTTTTT",
        "~~......................................",
        "~~......................................",
        "~~~~....FFFF....FFFF................TTTT",
        "~~~~....FFFF....FFFF................TTTT",
        "~~~~~~..............................TTTT",
        "~~~~~~..............................TTTT",
        "~~~~~~~~~~~~~~..........TTTTTTTTTTTTTTTT",
        "~~~~~~~~~~~~~~..........TTTTTTTTTTTTTTTT",
        "~~~~~~~~~~~~~~~~~~~~~~~~TTTTTTTTTTTTTTTT",
        "~~~~~~~~~~~~~~~~~~~~~~~~TTTTTTTTTTTTTTTT",
    ),
    warps=(Warp(23, 7, "cherrygrove_center", 0),),
    connections=(Connection("east", "route_29", 0), Connection("north", "route_30", -10)),
    people=(Person(19, 4, c.SPRITE_RIVAL, "U", hide_flag=c.EVENT_RIVAL_CHERRYGROVE_CITY, name="rival"),),
    signs=(Sign(4, 3, "CHERRYGROVE CITY\nA harbour town on\fthe way north."),),
    triggers=tuple(
        Trigger(x, 2, RIVAL_BATTLE, c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON, when_set=True,
                also_clear=c.EVENT_BEAT_RIVAL_CHERRYGROVE)
        for x in range(18, 22)
    ),
    border="~",
)
