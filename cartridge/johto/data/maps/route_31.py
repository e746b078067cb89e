"""Route 31 (Crystal's 20x9 blocks): west from the top of Route 30 to Violet City; a bug catcher on the path."""

from cartridge.johto.data import constants as c
from cartridge.johto.data.maps import Connection, MapDef, Person, Sign
from cartridge.johto.trainers import trainer_script

MAP = MapDef(
    key="route_31",
    name="Route 31",
    group=26,
    number=2,
    rows=(
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TT....,,,,,,,,TTTT..........TTTTTTTTTTTT",
        "TT....,,,,,,,,TTTT..........TTTTTTTTTTTT",
        "TT....,,,,,,,,........,,,,......TTTTTTTT",
        "TT....,,,,,,,,........,,,,......TTTTTTTT",
        "TTTTTTvvvvvvvvvvvvTTTT,,,,vvvv..TTTTTTTT",
        "TTTSTT................,,,,......TTTTTTTT",
        "..........,,,,..........,,,,......TTTTTT",
        "..........,,,,..........,,,,......TTTTTT",
        "TTTT......,,,,....TTTT..............TTTT",
        "TTTT......,,,,....TTTT..............TTTT",
        "TT..................TT......,,,,....TTTT",
        "TT...o..............TT......,,,,....TTTT",
        "TT~~~~~~~~..........TTTT....,,,,....TTTT",
        "TT~~~~~~~~..........TTTT....,,,,....TTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTT....TTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTT....TTTTTTTT",
    ),
    connections=(Connection("south", "route_30", -20), Connection("west", "violet_city", 14)),
    people=(
        Person(
            20,
            7,
            c.SPRITE_BUG_CATCHER,
            "D",
            trainer_script(
                c.BUG_CATCHER, 4, c.EVENT_BEAT_BUG_CATCHER_WADE,
                "WADE: I caught a\nlot of bugs. Let\fme show you!",
                "WADE: My bugs need\nmore training.",
            ),
            trainer=(c.BUG_CATCHER, 4, c.EVENT_BEAT_BUG_CATCHER_WADE, 3),
            name="wade",
        ),
        Person(8, 3, c.SPRITE_POKE_BALL, item=(c.POKE_BALL, 1), hide_flag=c.EVENT_ROUTE_31_POKE_BALL, name="ball"),
    ),
    signs=(Sign(3, 7, "ROUTE 31\nVIOLET CITY is\fto the west."),),
)
