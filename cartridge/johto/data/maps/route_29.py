"""Route 29 (Crystal's 30x9 blocks): New Bark Town to Cherrygrove City, grass across the path, ledges."""

from cartridge.johto.data.constants import EVENT_ROUTE_29_POTION, POTION, SPRITE_POKE_BALL
from cartridge.johto.data.maps import Connection, MapDef, Person, Sign

MAP = MapDef(
    key="route_29",
    name="Route 29",
    group=24,
    number=3,
    rows=(
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TT....TTTT,,,,,,TTTTTTTT....,,,,,,,,TTTTTTTT....TTTT....TTTT",
        "TT....TTTT,,,,,,TTTTTTTT....,,,,,,,,TTTTTTTT....TTTT....TTTT",
        "TT..........,,,,....,,,,....,,,,,,,,........,,,,........TTTT",
        "TT..........,,,,....,,,,....,,,,,,,,........,,,,........TTTT",
        "TTvvvvvv....vvvvvvvv....vvvvvvvv....vvvvvvvv....vvvvvvvvTTTT",
        'TT..................................................""""TSTT',
        "........,,,,............,,,,............,,,,................",
        "........,,,,............,,,,............,,,,................",
        "TT......,,,,....TTTT....,,,,....TTTT....,,,,....TTTT....TTTT",
        "TT......,,,,....TTTT....,,,,....TTTT....,,,,....TTTT....TTTT",
        "TT..,,,,,,,,....,,,,,,,,,,,,....,,,,....,,,,,,,,....,,..TTTT",
        "TT..,,,,,,,,....,,,,,,,,,,,,....,,,,....,,,,,,,,....,,..TTTT",
        "TT..........~~~~~~~~....................~~~~~~~~........TTTT",
        "TT..........~~~~~~~~....................~~~~~~~~........TTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
    ),
    connections=(Connection("east", "new_bark_town", 0), Connection("west", "cherrygrove_city", 0)),
    people=(Person(53, 3, SPRITE_POKE_BALL, item=(POTION, 1), hide_flag=EVENT_ROUTE_29_POTION, name="potion"),),
    signs=(Sign(57, 7, "ROUTE 29\nCHERRYGROVE CITY -\fNEW BARK TOWN"),),
)
