"""The player's house, first floor (Crystal's Players House 1F, 5x4 blocks): where the game begins."""

from cartridge.johto.data.constants import EVENT_TALKED_TO_MOM, SPRITE_MOM
from cartridge.johto.data.maps import MapDef, Person, Warp
from cartridge.johto.script import check_flag, end, face_player, if_true, jump, label, set_flag, text

MOM = (
    face_player(),
    check_flag(EVENT_TALKED_TO_MOM),
    if_true("again"),
    text("MOM: Oh, <PLAYER>!\nPROF.ELM was\fasking for you.\nHis LAB is next\fdoor, to the west."),
    set_flag(EVENT_TALKED_TO_MOM),
    jump("done"),
    label("again"),
    text("MOM: Take care out\nthere, <PLAYER>!"),
    label("done"),
    end(),
)

MAP = MapDef(
    key="players_house",
    name="Players House 1F",
    group=24,
    number=6,
    rows=(
        "##########",
        "#BBB___tt#",
        "#________#",
        "#________#",
        "#_tt_____#",
        "#_tt_____#",
        "#________#",
        "######MM##",
    ),
    warps=(Warp(6, 7, "new_bark_town", 0), Warp(7, 7, "new_bark_town", 0)),
    people=(Person(7, 3, SPRITE_MOM, "L", MOM, name="mom"),),
    border="#",
)
