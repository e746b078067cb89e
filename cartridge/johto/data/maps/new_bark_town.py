"""New Bark Town (Crystal's 10x9 blocks): the player's home, PROF.ELM's LAB, the sea; Route 29 to the west."""

from cartridge.johto.data.constants import EVENT_GOT_A_POKEMON_FROM_ELM, SPRITE_TEACHER
from cartridge.johto.data.maps import Connection, MapDef, Person, Sign, Trigger, Warp
from cartridge.johto.script import end, face_player, move_player, text

BLOCKED_WEST = (
    text("ELM: Wait,\n<PLAYER>! Take a\fPOKéMON before you\ngo in the grass!"),
    move_player("R"),
    end(),
)

NEIGHBOUR = (
    face_player(),
    text("The tall grass is\nfull of wild\fPOKéMON. Don't go\nin without one!"),
    end(),
)

MAP = MapDef(
    key="new_bark_town",
    name="New Bark Town",
    group=24,
    number=4,
    rows=(
        "TTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTT",
        "TT................TT",
        "TT................TT",
        "TT..RRRRRR..RRRR..TT",
        "TT..RRRRRR..RRRR..TT",
        "TT..HHHHHH..HHHH..TT",
        "TT..HHDHHH..HDHH..TT",
        "..................TT",
        "..................TT",
        "TT.S....FF....FF..TT",
        "TT......FF....FF..TT",
        "TT..RRRR....RRRR..TT",
        "TT..RRRR....RRRR..TT",
        "TT..HHHH....HHHH..TT",
        "TT..HHHH....HHHH..TT",
        "TT~~~~~~~~~~~~~~~~TT",
        "TTTTTTTTTTTTTTTTTTTT",
    ),
    warps=(Warp(13, 7, "players_house", 0), Warp(6, 7, "elms_lab", 0)),
    connections=(Connection("west", "route_29", 0),),
    people=(Person(10, 10, SPRITE_TEACHER, "D", NEIGHBOUR, name="neighbour"),),
    signs=(Sign(3, 10, "NEW BARK TOWN\nA quiet town by\fthe windy sea."),),
    triggers=(
        Trigger(1, 8, BLOCKED_WEST, EVENT_GOT_A_POKEMON_FROM_ELM),
        Trigger(1, 9, BLOCKED_WEST, EVENT_GOT_A_POKEMON_FROM_ELM),
    ),
)
