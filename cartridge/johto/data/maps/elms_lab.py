"""PROF.ELM's LAB (Crystal's 5x6 blocks): three POKé BALLs on the table, the errand, the POKé BALLs after it."""

from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef, Person, Warp
from cartridge.johto.script import (
    Step,
    check_flag,
    check_item,
    disappear,
    end,
    face_player,
    give_item,
    give_mon,
    if_false,
    if_true,
    jump,
    label,
    set_flag,
    take_item,
    text,
    yesno,
)

ELM = (
    face_player(),
    check_flag(c.EVENT_GAVE_MYSTERY_EGG_TO_ELM),
    if_true("after"),
    check_item(c.MYSTERY_EGG),
    if_true("deliver"),
    check_flag(c.EVENT_GOT_A_POKEMON_FROM_ELM),
    if_true("errand"),
    text("ELM: <PLAYER>! I'm\nglad you came.\fPick one of the\nPOKéMON in the\fballs on my table.\nIt's yours!"),
    jump("done"),
    label("errand"),
    text("ELM: My friend\nMR.POKéMON lives\fup ROUTE 30, past\nCHERRYGROVE. He\ffound something.\nPlease see him!"),
    jump("done"),
    label("deliver"),
    text("ELM: You brought\nthe EGG! Thanks!\fHere, take these\nPOKé BALLs."),
    take_item(c.MYSTERY_EGG),
    set_flag(c.EVENT_GAVE_MYSTERY_EGG_TO_ELM),
    give_item(c.POKE_BALL, 5),
    set_flag(c.EVENT_GOT_POKE_BALLS_FROM_ELM),
    text("<PLAYER> received\n5 POKé BALLs.\fELM: VIOLET CITY's\nGYM is beyond\fROUTE 31. Go and\nearn a BADGE!"),
    jump("done"),
    label("after"),
    text("ELM: FALKNER leads\nthe VIOLET GYM.\fGood luck!"),
    label("done"),
    end(),
)


def _ball(name: str, species: int, kind: str, got_flag: int, ball_flag: int) -> tuple[Step, ...]:
    return (
        check_flag(c.EVENT_GOT_A_POKEMON_FROM_ELM),
        if_true("taken"),
        text(f"It's {name},\nthe {kind} POKéMON.\fWill you take it?", done=True),
        yesno(),
        if_false("no"),
        disappear_self(name),
        give_mon(species, c.STARTER_LEVEL),
        set_flag(c.EVENT_GOT_A_POKEMON_FROM_ELM),
        set_flag(got_flag),
        set_flag(ball_flag),
        text(f"<PLAYER> received\n{name}!\fELM: MR.POKéMON\nup ROUTE 30 asked\ffor my help. Would\nyou go for me?"),
        jump("done"),
        label("no"),
        text("Think it over\ncarefully.", done=False),
        jump("done"),
        label("taken"),
        text("ELM kept this one\nfor his research."),
        label("done"),
        end(),
    )


BALL_INDEX = {"CYNDAQUIL": 2, "TOTODILE": 3, "CHIKORITA": 4}
"""The balls' object numbers (1 is ELM)."""


def disappear_self(name: str) -> Step:
    return disappear(BALL_INDEX[name])


MAP = MapDef(
    key="elms_lab",
    name="Elms Lab",
    group=24,
    number=5,
    rows=(
        "##########",
        "#BBB__BBB#",
        "#________#",
        "#____ttt_#",
        "#________#",
        "#________#",
        "#tt____tt#",
        "#________#",
        "#________#",
        "#BB____BB#",
        "#________#",
        "####MM####",
    ),
    warps=(Warp(4, 11, "new_bark_town", 1), Warp(5, 11, "new_bark_town", 1)),
    people=(
        Person(3, 3, c.SPRITE_ELM, "D", ELM, name="elm"),
        Person(
            5,
            3,
            c.SPRITE_POKE_BALL,
            "D",
            _ball(
                "CYNDAQUIL",
                c.CYNDAQUIL,
                "fire",
                c.EVENT_GOT_CYNDAQUIL_FROM_ELM,
                c.EVENT_CYNDAQUIL_POKEBALL_IN_ELMS_LAB,
            ),
            hide_flag=c.EVENT_CYNDAQUIL_POKEBALL_IN_ELMS_LAB,
            name="cyndaquil ball",
        ),
        Person(
            6,
            3,
            c.SPRITE_POKE_BALL,
            "D",
            _ball(
                "TOTODILE", c.TOTODILE, "water", c.EVENT_GOT_TOTODILE_FROM_ELM, c.EVENT_TOTODILE_POKEBALL_IN_ELMS_LAB
            ),
            hide_flag=c.EVENT_TOTODILE_POKEBALL_IN_ELMS_LAB,
            name="totodile ball",
        ),
        Person(
            7,
            3,
            c.SPRITE_POKE_BALL,
            "D",
            _ball(
                "CHIKORITA",
                c.CHIKORITA,
                "grass",
                c.EVENT_GOT_CHIKORITA_FROM_ELM,
                c.EVENT_CHIKORITA_POKEBALL_IN_ELMS_LAB,
            ),
            hide_flag=c.EVENT_CHIKORITA_POKEBALL_IN_ELMS_LAB,
            name="chikorita ball",
        ),
    ),
    border="#",
)
