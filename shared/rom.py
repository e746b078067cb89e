"""Checks that a file is a Game Boy ROM before an emulator is started on it, and which cartridge it is.

PyBoy accepts almost any file and fails later in obscure ways; a wrong path or a file that
is not a ROM should instead fail at once with a message that says what is wrong.

The game is read through Crystal's address table (`shared/game/ram_map.py`), so which
cartridge runs matters: Pokémon Crystal is known by the SHA-1 of its published releases
(pret/pokecrystal's `roms.sha1`), each world of the project's demo cartridge by its header title
(`cartridge/worlds.py`), and as this checkout's build of that world by its hash (else as another
build of it). Gold and Silver run the same
engine with their variables elsewhere: they are refused. Any other ROM runs, with one warning
that the address table may not apply.
"""

import functools
import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cartridge.worlds import world_of_title
from shared.errors import RomError

log = logging.getLogger(__name__)

BANK_SIZE = 0x4000
MIN_SIZE = 2 * BANK_SIZE
MAX_SIZE = 8 * 1024 * 1024
HEADER_END = 0x150


class Cartridge(StrEnum):
    """Which game a ROM is, as far as the address table is concerned."""

    CRYSTAL_10 = "Pokémon Crystal 1.0"
    CRYSTAL_11 = "Pokémon Crystal 1.1"
    CRYSTAL_AU = "Pokémon Crystal (Australia)"
    DEMO = "crystal-rl demo cartridge"
    DEMO_OTHER_BUILD = "crystal-rl demo cartridge (another build)"
    OTHER = "unknown cartridge"

    @property
    def crystal(self) -> bool:
        """Crystal's own address table applies as published (the demo keeps its variables where Crystal does)."""
        return self is not Cartridge.OTHER


CRYSTAL_SHA1: dict[str, Cartridge] = {
    "f4cd194bdee0d04ca4eac29e09b8e4e9d818c133": Cartridge.CRYSTAL_10,
    "f2f52230b536214ef7c9924f483392993e226cfb": Cartridge.CRYSTAL_11,
    "a0fc810f1d4e124434f7be2c989ab5b5892ddf36": Cartridge.CRYSTAL_AU,
}
"""pret/pokecrystal's `roms.sha1`: the releases the address table was verified against."""
GOLD_SILVER_TITLES = ("POKEMON_GLD", "POKEMON_SLV")
"""The header titles of Pokémon Gold and Silver (the same engine, other addresses)."""


@dataclass(frozen=True)
class RomInfo:
    path: Path
    title: str
    cgb_flag: int
    cartridge_type: int
    size: int
    sha256: str
    sha1: str

    @property
    def world(self) -> str | None:
        """The demo cartridge's world this ROM is (by its header title, whatever its path), or None for any other
        ROM. Each world has its own episode defaults (`cartridge/worlds.py`)."""
        world = world_of_title(self.title)
        return world.name if world is not None else None

    @property
    def demo(self) -> bool:
        """The project's own demo cartridge, either world."""
        return self.world is not None

    @property
    def cartridge(self) -> Cartridge:
        if self.sha1 in CRYSTAL_SHA1:
            return CRYSTAL_SHA1[self.sha1]
        if self.world is not None:
            return Cartridge.DEMO if self.sha1 == _demo_sha1(self.world) else Cartridge.DEMO_OTHER_BUILD
        return Cartridge.OTHER

    def describe(self) -> str:
        """One line for `status`, logs and the dashboard: which game (the demo's world), and which file exactly."""
        world = f", {self.world} world" if self.world is not None else ""
        return f"{self.cartridge}{world} ({self.path.name}, sha1 {self.sha1[:12]})"


@functools.cache
def _demo_sha1(world: str) -> str:
    """The SHA-1 of the demo cartridge's `world` as this checkout builds it (in memory, 0.05-0.2 s, once a process)."""
    from cartridge.build import build_rom_bytes

    return hashlib.sha1(build_rom_bytes(world)).hexdigest()


_warned: set[str] = set()


def header_checksum(data: bytes) -> int:
    """The checksum the boot ROM verifies (0x14D): over 0x134–0x14C."""
    value = 0
    for byte in data[0x134:0x14D]:
        value = (value - byte - 1) & 0xFF
    return value


def inspect_rom(path: Path, symbols: bool = False) -> RomInfo:
    """Read and check a ROM file; raise `RomError` naming the problem and what to do.

    `symbols`: the game is read through a symbol file's addresses (`--symbols`), so an unknown ROM is
    no reason to warn that Crystal's may not apply.
    """
    if not path.exists():
        raise RomError(f"ROM not found: {path} (give the path to a .gbc file, or omit --rom for the demo)")
    if not path.is_file():
        raise RomError(f"ROM path is not a file: {path}")
    size = path.stat().st_size
    if size < MIN_SIZE or size > MAX_SIZE or size % BANK_SIZE:
        raise RomError(
            f"{path} is not a Game Boy ROM: its size is {size} bytes, a ROM is a multiple of 16 KiB "
            f"between {MIN_SIZE // 1024} KiB and {MAX_SIZE // (1024 * 1024)} MiB"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RomError(f"cannot read ROM {path}: {exc.strerror}") from None
    expected = header_checksum(data)
    if data[0x14D] != expected:
        raise RomError(
            f"{path} is not a Game Boy ROM: header checksum is 0x{data[0x14D]:02X}, expected 0x{expected:02X}"
        )
    title = data[0x134:0x143].split(b"\x00", 1)[0].decode("ascii", errors="replace").strip()
    if title.startswith(GOLD_SILVER_TITLES):
        raise RomError(
            f"{path} is Pokémon Gold or Silver (header title {title!r}): the same engine as Crystal, but its "
            "variables sit at other addresses, and crystal-rl reads Crystal's. Give a Pokémon Crystal ROM"
        )
    info = RomInfo(
        path=path,
        title=title,
        cgb_flag=data[0x143],
        cartridge_type=data[0x147],
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
    )
    if info.sha1 not in CRYSTAL_SHA1 and not info.demo and not symbols and info.sha1 not in _warned:  # OTHER
        _warned.add(info.sha1)
        log.warning(
            "%s is not a known release of Pokémon Crystal (header title %r, sha1 %s): the game is read through "
            "Crystal's address table, which may not apply to it (a ROM hack that moved variables is misread)",
            path,
            title,
            info.sha1,
        )
    return info
