"""Violet Gym (Crystal's 5x8 blocks): two BIRD KEEPERs watch the way to FALKNER and the ZEPHYRBADGE."""

from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import MapDef, Person, Warp
from cartridge.johto.script import (
    battle,
    check_flag,
    close,
    end,
    face_player,
    give_badge,
    if_true,
    jump,
    label,
    set_flag,
    text,
)
from cartridge.johto.trainers import trainer_script

FALKNER = (
    face_player(),
    check_flag(c.EVENT_BEAT_FALKNER),
    if_true("after"),
    text("FALKNER: I am\nFALKNER, leader of\fthis GYM. My bird\nPOKéMON will show\fyou their might!"),
    close(),
    battle(c.FALKNER, 1),
    set_flag(c.EVENT_BEAT_FALKNER),
    give_badge(c.ZEPHYR_BADGE_BIT),
    text("<PLAYER> received\nthe ZEPHYRBADGE.\fFALKNER: It is\nyours. Well flown!"),
    jump("done"),
    label("after"),
    text("FALKNER: Keep on\ntraining. The sky\fis wide."),
    label("done"),
    end(),
)

MAP = MapDef(
    key="violet_gym",
    name="Violet Gym",
    group=10,
    number=7,
    rows=(
        "##########",
        "#gGGGGGGg#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "#GggGGggG#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "#GggGGggG#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "#GggGGggG#",
        "#GGGGGGGG#",
        "#GGGGGGGG#",
        "####MM####",
    ),
    warps=(Warp(4, 15, "violet_city", 0), Warp(5, 15, "violet_city", 0)),
    people=(
        Person(4, 2, c.SPRITE_FALKNER, "D", FALKNER, name="falkner"),
        Person(
            7,
            10,
            c.SPRITE_YOUNGSTER,
            "L",
            trainer_script(
                c.BIRD_KEEPER, 1, c.EVENT_BEAT_BIRD_KEEPER_ROD,
                "ROD: FALKNER's\nbirds are fast.\fTry mine first!",
                "ROD: Our birds\nwill fly higher.",
            ),
            trainer=(c.BIRD_KEEPER, 1, c.EVENT_BEAT_BIRD_KEEPER_ROD, 3),
            name="rod",
        ),
        Person(
            2,
            6,
            c.SPRITE_YOUNGSTER,
            "R",
            trainer_script(
                c.BIRD_KEEPER, 2, c.EVENT_BEAT_BIRD_KEEPER_ABE,
                "ABE: You want to\nsee FALKNER? Beat\fme first!",
                "ABE: FALKNER is\nstronger than me.",
            ),
            trainer=(c.BIRD_KEEPER, 2, c.EVENT_BEAT_BIRD_KEEPER_ABE, 3),
            name="abe",
        ),
    ),
    border="#",
)
