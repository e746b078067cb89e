"""Wild creatures in the grass of Routes 29, 30 and 31: Crystal's tables (`data/wild/johto_grass.asm`).

Each route has an encounter rate per step and seven slots per time of day (morning, day, night), each
slot a (level, species). A grass step starts a battle when a random byte is below the rate's byte
(`percent * 255 // 100`); the slot is then drawn with the game's own odds (`data/wild/probabilities.asm`):
30, 30, 20, 10, 5, 4 and 1 % (a random byte below 100, plus one, against the running sums). The battle
engine lays these tables into the ROM and its `try_wild_encounter` routine draws from them.
"""

from dataclasses import dataclass

GRASS_SLOT_PERCENT = (30, 30, 20, 10, 5, 4, 1)
"""The chance of each of the seven grass slots, in percent."""

MORNING, DAY, NIGHT = range(3)
"""`wTimeOfDay` values that pick a table (3, darkness, reads as night)."""


@dataclass(frozen=True)
class RouteEncounters:
    """A route's grass: its map (group, number), the rate in percent per time of day, and the slots per time of day."""

    name: str
    map_group: int
    map_number: int
    rate_percent: tuple[int, int, int]
    slots: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]

    def rate_byte(self, time_of_day: int) -> int:
        """The rate as the ROM keeps it: a step's random byte below it starts a battle."""
        return self.rate_percent[min(time_of_day, NIGHT)] * 255 // 100


PIDGEY, RATTATA, CATERPIE, WEEDLE, ZUBAT, POLIWAG, BELLSPROUT, GASTLY = 16, 19, 10, 13, 41, 60, 69, 92
SENTRET, HOOTHOOT, LEDYBA, SPINARAK, HOPPIP = 161, 163, 165, 167, 187

ENCOUNTERS: tuple[RouteEncounters, ...] = (
    RouteEncounters(
        "ROUTE 29",
        24,
        3,
        (10, 10, 10),
        (
            ((2, PIDGEY), (2, SENTRET), (3, PIDGEY), (3, SENTRET), (2, RATTATA), (3, HOPPIP), (3, HOPPIP)),
            ((2, PIDGEY), (2, SENTRET), (3, PIDGEY), (3, SENTRET), (2, RATTATA), (3, HOPPIP), (3, HOPPIP)),
            ((2, HOOTHOOT), (2, RATTATA), (3, HOOTHOOT), (3, RATTATA), (2, RATTATA), (3, HOOTHOOT), (3, HOOTHOOT)),
        ),
    ),
    RouteEncounters(
        "ROUTE 30",
        26,
        1,
        (10, 10, 10),
        (
            ((3, LEDYBA), (3, CATERPIE), (4, CATERPIE), (4, PIDGEY), (3, WEEDLE), (4, HOPPIP), (4, HOPPIP)),
            ((3, PIDGEY), (3, CATERPIE), (4, CATERPIE), (4, PIDGEY), (3, WEEDLE), (4, HOPPIP), (4, HOPPIP)),
            ((3, SPINARAK), (3, HOOTHOOT), (4, POLIWAG), (4, HOOTHOOT), (3, ZUBAT), (4, HOOTHOOT), (4, HOOTHOOT)),
        ),
    ),
    RouteEncounters(
        "ROUTE 31",
        26,
        2,
        (10, 10, 10),
        (
            ((4, LEDYBA), (4, CATERPIE), (5, BELLSPROUT), (5, PIDGEY), (4, WEEDLE), (5, HOPPIP), (5, HOPPIP)),
            ((4, PIDGEY), (4, CATERPIE), (5, BELLSPROUT), (5, PIDGEY), (4, WEEDLE), (5, HOPPIP), (5, HOPPIP)),
            ((4, SPINARAK), (4, POLIWAG), (5, BELLSPROUT), (5, HOOTHOOT), (4, ZUBAT), (5, GASTLY), (5, GASTLY)),
        ),
    ),
)
"""The routes with grass, in the order of the world's story."""
