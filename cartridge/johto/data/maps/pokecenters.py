"""The POKéMON CENTERs of Cherrygrove and Violet (Crystal's 5x4 blocks): the nurse heals after a yes/no.

Entering one makes it the place a lost battle sends the player back to (``spawn``), as Crystal's do.
"""

from cartridge.johto.data.constants import SPRITE_NURSE
from cartridge.johto.data.maps import MapDef, Person, Warp
from cartridge.johto.script import close, end, heal, if_false, label, set_spawn, text, yesno

NURSE = (
    text("Welcome to our\nPOKéMON CENTER!\fShall we heal your\nPOKéMON?", done=True),
    yesno(),
    if_false("bye"),
    close(),
    heal(),
    set_spawn(),
    text("Your POKéMON are\nfighting fit!\fWe hope to see\nyou again!"),
    end(),
    label("bye"),
    text("We hope to see\nyou again!"),
    end(),
)

ROWS = (
    "##########",
    "#B______B#",
    "#__KKKK__#",
    "#________#",
    "#________#",
    "#tt____tt#",
    "#________#",
    "###MM#####",
)

CHERRYGROVE = MapDef(
    key="cherrygrove_center",
    name="Cherrygrove Pokecenter 1F",
    group=26,
    number=5,
    rows=ROWS,
    warps=(Warp(3, 7, "cherrygrove_city", 0), Warp(4, 7, "cherrygrove_city", 0)),
    people=(Person(4, 1, SPRITE_NURSE, "D", NURSE, name="nurse"),),
    border="#",
)

VIOLET = MapDef(
    key="violet_center",
    name="Violet Pokecenter 1F",
    group=10,
    number=10,
    rows=ROWS,
    warps=(Warp(3, 7, "violet_city", 1), Warp(4, 7, "violet_city", 1)),
    people=(Person(4, 1, SPRITE_NURSE, "D", NURSE, name="nurse"),),
    border="#",
)
