"""The game clock: one PyBoy instance, stepped one action at a time.

A step presses a button for `hold_frames`, releases it and runs the rest of the step's
frames, rendering only the last one (the only frame whose screen anybody looks at). The
real-time clock is pinned so that the same inputs give the same game, every run.
"""

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.emulator.wram import WramReader
from shared.buttons import Button
from shared.errors import RomError, SaveStateError
from shared.game.ram_map import BY_NAME
from shared.game.reader import read_state
from shared.game.state import GameState
from shared.rom import RomInfo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pysdl2-dll announces its bundled binaries on import
    from pyboy import PyBoy

log = logging.getLogger(__name__)

MAP_STATUS_HANDLE = 2
"""wMapStatus while the overworld loop runs: the game has started."""


@dataclass(frozen=True, slots=True)
class Observation:
    state: GameState
    screen: bytes
    rgba: np.ndarray | None = None
    """A copy of the full-size screen's pixels, when asked for (for the dashboard's picture)."""


class Game:
    """PyBoy, the step, and the two reads the service needs from it (state and small screen)."""

    def __init__(self, rom: RomInfo, hold_frames: int = 8, step_frames: int = 24) -> None:
        self.rom = rom
        self.hold_frames = hold_frames
        self.step_frames = step_frames
        try:
            self.pyboy = PyBoy(str(rom.path), window="null", sound_emulated=False, log_level="ERROR")
        except Exception as exc:  # PyBoy raises bare exceptions for unusable cartridges
            raise RomError(f"PyBoy cannot start {rom.path}: {exc}") from exc
        self.pyboy.rtc_lock_experimental(True)
        self.wram = WramReader(self.pyboy.memory)
        self.frames = 0

    def boot(self, max_frames: int) -> int:
        """Run power-on until the game's overworld loop runs (wMapStatus = handle) or `max_frames` pass.

        A real cartridge may sit on its title screen forever; then the run simply starts there.
        Returns the frames spent.
        """
        status = BY_NAME["wMapStatus"]
        spent = 0
        while spent < max_frames:
            self.pyboy.tick(10, False)
            spent += 10
            if self.pyboy.memory[status.bank, status.addr] == MAP_STATUS_HANDLE:
                break
        else:
            log.warning("game not started after %d frames; playing from where it is", spent)
        self.frames += spent
        return spent

    def step(self, button: Button | None) -> None:
        """Press, hold, release, wait: one action. Renders only the step's last frame."""
        pyboy = self.pyboy
        if button is not None:
            pyboy.button_press(button.value)
        pyboy.tick(self.hold_frames, False)
        if button is not None:
            pyboy.button_release(button.value)
        pyboy.tick(self.step_frames - self.hold_frames - 1, False)
        pyboy.tick(1, True)
        self.frames += self.step_frames

    def refresh_screen(self) -> None:
        """Run one rendered frame: after a boot or a loaded state the screen buffer is stale."""
        self.pyboy.tick(1, True)
        self.frames += 1

    def state(self) -> GameState:
        return read_state(self.wram.memory())

    def observe(self, full_screen: bool = False) -> Observation:
        rgba = self.pyboy.screen.ndarray.copy() if full_screen else None
        return Observation(self.state(), self.small_screen(), rgba)

    def advance(self, button: Button | None, full_screen: bool = False) -> Observation:
        """One step and what it led to."""
        self.step(button)
        return self.observe(full_screen)

    def small_screen(self) -> bytes:
        """The last rendered frame, halved in each direction, one byte per pixel.

        The green channel stands for the grey level: it carries most of a colour's luminance
        (0.59 of it), tells the game's palette colours apart, and costs one strided copy (4 µs)
        where a weighted RGB sum costs 60-80 µs of every step.
        """
        return self.pyboy.screen.ndarray[::2, ::2, 1].tobytes()

    def save_state(self) -> bytes:
        buffer = io.BytesIO()
        self.pyboy.save_state(buffer)
        return buffer.getvalue()

    def load_state(self, data: bytes, origin: Path | str = "state") -> None:
        """Load a state; raise `SaveStateError` when PyBoy cannot (corrupt or truncated data)."""
        try:
            self.pyboy.load_state(io.BytesIO(data))
        except Exception as exc:  # PyBoy raises assorted errors for bad states
            raise SaveStateError(f"cannot load save state {origin}: {exc or type(exc).__name__}") from exc

    def close(self) -> None:
        self.pyboy.stop(save=False)
