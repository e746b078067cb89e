"""Driving the Johto world in PyBoy for the tests: start, the project's step, reads of its RAM."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from pyboy import PyBoy

from cartridge.johto import ram as r

HOLD_FRAMES, STEP_FRAMES = 8, 24
"""The project's step (shared/game/machine.py): press 8 frames, release, 16 more."""


def start(rom: Path | str) -> PyBoy:
    pyboy = PyBoy(str(rom), window="null", sound_emulated=False, log_level="ERROR")
    pyboy.rtc_lock_experimental(True)
    return pyboy


def boot(pyboy: PyBoy, max_frames: int = 1000) -> int:
    """Tick until the world says it is ready (boot magic and wMapStatus = handle); the frames it took."""
    for frame in range(1, max_frames + 1):
        pyboy.tick(1, False)
        if pyboy.memory[r.hBootMagic] == r.BOOT_MAGIC and pyboy.memory[1, r.addr("wMapStatus")] == 2:
            return frame
    raise AssertionError(f"the Johto world did not get ready within {max_frames} frames")


def booted_state(rom: Path | str, ready: Callable[[PyBoy], object] | None = None) -> bytes:
    """A save state of the ROM once `ready` returns (default: this world's `boot`): the start a test plays from."""
    pyboy = start(rom)
    try:
        (ready or boot)(pyboy)
        buffer = io.BytesIO()
        pyboy.save_state(buffer)
        return buffer.getvalue()
    finally:
        pyboy.stop(save=False)


def step(pyboy: PyBoy, button: str | None, render: bool = False) -> None:
    """One step of the project's: press, hold, release, wait (None: wait only)."""
    if button is not None:
        pyboy.button_press(button)
    pyboy.tick(HOLD_FRAMES, render)
    if button is not None:
        pyboy.button_release(button)
    pyboy.tick(STEP_FRAMES - HOLD_FRAMES, render)


def wram1(pyboy: PyBoy, name: str, size: int | None = None) -> bytes:
    var = r.CRYSTAL[name]
    return bytes(pyboy.memory[1, var.addr : var.addr + (size or var.size)])


def u8(pyboy: PyBoy, name: str) -> int:
    var = r.CRYSTAL[name]
    return pyboy.memory[1, var.addr] if var.bank == 1 else pyboy.memory[var.addr]
