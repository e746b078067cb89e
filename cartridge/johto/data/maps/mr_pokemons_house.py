"""MR.POKéMON's house (Crystal's 4x4 blocks): the end of the errand, an EGG for PROF.ELM."""

from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef, Person, Warp
from cartridge.johto.script import check_flag, end, face_player, give_item, if_true, jump, label, set_flag, text

MR_POKEMON = (
    face_player(),
    check_flag(c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON),
    if_true("again"),
    text("MR.POKéMON: You\nmust be <PLAYER>.\fELM sent you? Then\nplease take this\fto him. It's an\nEGG I was given."),
    give_item(c.MYSTERY_EGG, 1),
    set_flag(c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON),
    text("<PLAYER> received\nthe MYSTERY EGG.\fMR.POKéMON: ELM\nwill know what\fit is. Safe trip\nback to NEW BARK!"),
    jump("done"),
    label("again"),
    text("MR.POKéMON: ELM is\nwaiting for that\fEGG, <PLAYER>."),
    label("done"),
    end(),
)

MAP = MapDef(
    key="mr_pokemons_house",
    name="Mr Pokemons House",
    group=26,
    number=10,
    rows=(
        "########",
        "#BBB_tt#",
        "#______#",
        "#_tt___#",
        "#_tt___#",
        "#______#",
        "#______#",
        "##MM####",
    ),
    warps=(Warp(2, 7, "route_30", 0), Warp(3, 7, "route_30", 0)),
    people=(Person(4, 3, c.SPRITE_GENTLEMAN, "D", MR_POKEMON, name="mr pokemon"),),
    border="#",
)
