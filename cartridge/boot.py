"""Bring a freshly started emulator to the game's overworld loop.

PyBoy first plays its own CGB boot animation; the emulator service calls :func:`boot`
once, then takes a save state, so every episode starts from the same frame.
"""

from __future__ import annotations

from typing import Protocol

from cartridge import ram
from cartridge.errors import BootError

DEFAULT_MAX_FRAMES = 2000


class _Memory(Protocol):
    def __getitem__(self, key: object) -> int: ...


class _Emulator(Protocol):
    @property
    def memory(self) -> _Memory: ...

    def tick(self, count: int = 1, render: bool = True) -> bool: ...


def is_ready(pyboy: _Emulator) -> bool:
    """True once the game runs its overworld loop (wMapStatus == 2 in WRAM bank 1)."""
    return pyboy.memory[ram.hBootMagic] == ram.BOOT_MAGIC and pyboy.memory[1, ram.wMapStatus] == ram.MAPSTATUS_HANDLE


def boot(pyboy: _Emulator, max_frames: int = DEFAULT_MAX_FRAMES, render: bool = False) -> int:
    """Tick until the overworld loop runs; return the number of frames it took.

    Raises :class:`BootError` if it does not happen within ``max_frames`` (wrong ROM, a
    broken build, or an emulator that is not running in CGB mode).
    """
    if max_frames < 1:
        raise BootError(f"max_frames must be >= 1, got {max_frames}")
    for frame in range(1, max_frames + 1):
        pyboy.tick(1, render)
        if is_ready(pyboy):
            return frame
    raise BootError(
        f"the cartridge did not reach its overworld loop within {max_frames} frames "
        f"(wMapStatus={pyboy.memory[1, ram.wMapStatus]}, expected {ram.MAPSTATUS_HANDLE}); "
        "is this the demo cartridge, running in CGB mode?"
    )
