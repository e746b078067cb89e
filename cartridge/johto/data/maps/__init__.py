"""The maps of the Johto world, one module each (pret's habit), and the types they are written in.

A map is drawn in steps, one character a step (``gfx/tileset.py`` says what each is), at Crystal's
size (``constants/map_constants.asm``: blocks of 2x2 steps). Warps, objects, signs and coordinate
events are listed with map coordinates (x right, y down, from 0). Map ids are Crystal's (group,
number), so the project's names resolve. ``ALL`` is the order of the ROM's map table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cartridge.johto.script import Step

Side = Literal["north", "south", "west", "east"]


@dataclass(frozen=True)
class Warp:
    """A door or mat at (x, y) leading to warp ``dest`` (0-based) of the map ``to``."""

    x: int
    y: int
    to: str
    dest: int


@dataclass(frozen=True)
class Connection:
    """This map's ``side`` edge joins ``to``; ``offset``: where this map's step 0 lies along that edge in ``to``'s
    coordinates (even: block aligned)."""

    side: Side
    to: str
    offset: int = 0


@dataclass(frozen=True)
class Person:
    """An object: a person (``script`` when talked to), an item ball (``item``), or a trainer (``trainer``)."""

    x: int
    y: int
    sprite: int
    facing: str = "D"
    script: tuple[Step, ...] = ()
    hide_flag: int | None = None
    """Hidden while this event flag is set (Crystal's object event flag)."""
    item: tuple[int, int] | None = None
    """An item ball: (item, quantity)."""
    trainer: tuple[int, int, int, int] | None = None
    """A trainer: (class, id, beaten flag, sight range)."""
    name: str = ""


@dataclass(frozen=True)
class Sign:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class Trigger:
    """Stepping onto (x, y) runs ``script`` while ``flag`` is clear (``when_set``: while it is set)."""

    x: int
    y: int
    script: tuple[Step, ...]
    flag: int | None = None
    when_set: bool = False
    also_clear: int | None = None
    """A second flag that must be clear too (None: no second condition)."""


@dataclass(frozen=True)
class MapDef:
    """One map: Crystal's id and name, its steps, and what is on it."""

    key: str
    name: str
    group: int
    number: int
    rows: tuple[str, ...]
    warps: tuple[Warp, ...] = ()
    connections: tuple[Connection, ...] = ()
    people: tuple[Person, ...] = ()
    signs: tuple[Sign, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    border: str = "T"
    """The step kind of the border blocks (around the map, where nothing is connected)."""
    extra: dict[str, tuple[Step, ...]] = field(default_factory=dict)
    """Named scripts of the map that no object, sign or trigger starts (the whiteout's nurse, ...)."""

    @property
    def width(self) -> int:
        return len(self.rows[0])

    @property
    def height(self) -> int:
        return len(self.rows)


def all_maps() -> tuple[MapDef, ...]:
    """Every map, in the ROM's map table order (imported here, not at the top: the map modules import this one)."""
    from cartridge.johto.data.maps import (
        cherrygrove_city,
        elms_lab,
        mr_pokemons_house,
        new_bark_town,
        players_house,
        pokecenters,
        route_29,
        route_30,
        route_31,
        violet_city,
        violet_gym,
    )

    return (
        players_house.MAP,
        new_bark_town.MAP,
        elms_lab.MAP,
        route_29.MAP,
        cherrygrove_city.MAP,
        pokecenters.CHERRYGROVE,
        route_30.MAP,
        mr_pokemons_house.MAP,
        route_31.MAP,
        violet_city.MAP,
        pokecenters.VIOLET,
        violet_gym.MAP,
    )
