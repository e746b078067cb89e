"""Violet City (Crystal's 20x18 blocks): the GYM, the POKéMON CENTER; Route 31 to the east."""

from cartridge.johto.data.constants import SPRITE_TEACHER
from cartridge.johto.data.maps import Connection, MapDef, Person, Sign, Warp
from cartridge.johto.script import end, face_player, text

LOCAL = (
    face_player(),
    text("FALKNER's GYM is\nthe big building\fin the north."),
    end(),
)

MAP = MapDef(
    key="violet_city",
    name="Violet City",
    group=10,
    number=5,
    rows=(
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TT....................................TT",
        "TT....................................TT",
        "TT..RRRRRR....RRRRRRRR....RRRRRR......TT",
        "TT..RRRRRR....RRRRRRRR....RRRRRR......TT",
        "TT..HHHHHH....RRRRRRRR....HHHHHH......TT",
        "TT..HHHHHH....RRRRRRRR....HHHHHH......TT",
        "TT............HHHHHHHH................TT",
        "TT............HHHDHHHH................TT",
        "TT.......S............................TT",
        "TT....................................TT",
        "TT~~~~~~~~......FFFF..................TT",
        "TT~~~~~~~~......FFFF..................TT",
        "TT~~~~~~~~............................TT",
        "TT~~~~~~~~............................TT",
        "TT..........RRRR..........PPPPPP......TT",
        "TT..........RRRR..........PPPPPP......TT",
        "TT..........HHHH..........HHHHHH......TT",
        "TT..........HHHH..........HHHDHH......TT",
        "TT....................................TT",
        "TT....................................TT",
        "TT......................................",
        "TT......................................",
        "TT....FFFF............................TT",
        "TT....FFFF............................TT",
        "TT..RRRRRR....RRRR....TTTT....RRRR....TT",
        "TT..RRRRRR....RRRR....TTTT....RRRR....TT",
        "TT..HHHHHH....HHHH....TTTT....HHHH....TT",
        "TT..HHHHHH....HHHH....TTTT....HHHH....TT",
        "TT....................................TT",
        "TT....................................TT",
        "TT~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~TT",
        "TT~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~TT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
    ),
    warps=(Warp(17, 9, "violet_gym", 0), Warp(29, 19, "violet_center", 0)),
    connections=(Connection("east", "route_31", -14),),
    people=(Person(24, 21, SPRITE_TEACHER, "D", LOCAL, name="local"),),
    signs=(Sign(9, 10, "VIOLET CITY\nAn old city with\fa tall tower."),),
)
