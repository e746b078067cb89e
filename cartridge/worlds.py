"""The demo cartridge's worlds: which programs the package can build, and what the project should expect of each.

``tiny`` is the original four-screen world (a 50-press walkthrough, battles won with A), kept for fast
tests; ``johto`` is Johto's first chapter at the real game's scale (scrolling maps, text pages, menus,
a story, trainers, chance), where learning and planning are judged. Each builds its own ROM file
with its own header title, so a save state or a cache entry of one is never taken for the other's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cartridge.errors import CartridgeError


@dataclass(frozen=True)
class World:
    """One world: its ROM, and the defaults a run on it should use."""

    name: str
    summary: str
    """One line, for ``python -m cartridge --list``."""
    rom_name: str
    title: str
    """The cartridge header's title (0x134), unique per world."""
    goal_badge: str
    """The Johto badge whose bit in ``wJohtoBadges`` ends an episode as won."""
    episode_steps: int
    """A sensible episode length (steps of 24 frames) for learning on this world: room for its walkthrough (tiny:
    50 presses; johto: 1,600-2,400) and for an agent that is slower than it."""
    build: Callable[[], bytes]
    """The ROM image's bytes (assembled in memory, no file I/O)."""
    chapter: tuple[str, ...]
    """Its maps in the order its story first enters them (names as `shared.game.maps` gives them; side rooms such as
    Pokémon Centers left out): how far along the chapter an episode got is the latest of these it entered."""


def _build_tiny() -> bytes:
    from cartridge.game import build_program
    from cartridge.rom import build_rom

    return build_rom(build_program())


def _build_johto() -> bytes:
    from cartridge.johto.program import build_program, header
    from cartridge.rom import build_rom

    program = build_program()
    return build_rom(program, header(program))


WORLDS: dict[str, World] = {
    "tiny": World(
        name="tiny",
        summary="four one-screen maps, a 50-press walkthrough, battles won by pressing A (fast tests)",
        rom_name="demo.gbc",
        title="CRYSTAL RL",
        goal_badge="zephyr",
        episode_steps=1_000,
        build=_build_tiny,
        chapter=("New Bark Town", "Route 29", "Violet City", "Violet Gym"),
    ),
    "johto": World(
        name="johto",
        summary="Johto's first chapter at Crystal's scale: scrolling maps, story, menus, trainers, chance",
        rom_name="demo-johto.gbc",
        title="CRYSTAL RLJ",
        goal_badge="zephyr",
        episode_steps=5_000,
        build=_build_johto,
        chapter=(
            "Players House 1F",
            "New Bark Town",
            "Elms Lab",
            "Route 29",
            "Cherrygrove City",
            "Route 30",
            "Mr Pokemons House",
            "Route 31",
            "Violet City",
            "Violet Gym",
        ),
    ),
}
DEFAULT_WORLD = "johto"
"""The world a run plays, and ``python -m cartridge`` builds, when none is named: the one learning is judged on.
The tests name ``tiny`` where any game will do."""


def world_of_title(title: str) -> World | None:
    """The world whose ROM carries ``title`` in its header, or None: how a ROM file is known as the demo's."""
    return next((world for world in WORLDS.values() if world.title == title), None)


def get_world(name: str) -> World:
    """The world called ``name``; an unknown name is an error that lists the known ones."""
    try:
        return WORLDS[name]
    except KeyError:
        raise CartridgeError(f"no world called {name!r}; the demo cartridge has: {', '.join(WORLDS)}") from None
