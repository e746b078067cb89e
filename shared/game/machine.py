"""The machine: one PyBoy instance, stepped one action at a time, and its save states as bytes.

A step presses a button for `hold_frames`, releases it and runs the rest of the step's
frames, rendering only the last one (the only frame whose screen anybody looks at). The
real-time clock is pinned so that the same inputs give the same game, every run.

Save states carry the hash of the cartridge they were made on (PyBoy's own format does
not say), so a state of another ROM is refused with a message instead of loaded into a
game it does not belong to.
"""

import hashlib
import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.buttons import Button
from shared.errors import RomError, SaveStateError
from shared.files import write_atomic
from shared.game.ram_map import BY_NAME
from shared.game.reader import CRYSTAL, Layout, read_state
from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.game.state import GameState
from shared.rom import RomInfo, inspect_rom

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pysdl2-dll announces its bundled binaries on import
    from pyboy import PyBoy

log = logging.getLogger(__name__)

MAP_STATUS_HANDLE = 2
"""wMapStatus while the overworld loop runs: the game has started."""
HOLD_FRAMES = 8
STEP_FRAMES = 24
BOOT_FRAMES = 3000
STATE_MAGIC = b"CRLSTATE\x01"
"""Start of a save state made here: the magic, then the ROM's SHA-256 (32 bytes), then PyBoy's state."""
_ROM_HASH_BYTES = 32


@dataclass(frozen=True, slots=True)
class View:
    """What a step leads to: the state read from RAM and the small screen (and the full one, when asked for)."""

    state: GameState
    screen: bytes
    """SCREEN_HEIGHT x SCREEN_WIDTH grayscale, row-major, one byte per pixel."""
    rgba: np.ndarray | None = None
    """A copy of the full-size screen's pixels, when asked for (for the dashboard's picture)."""


@contextmanager
def _pyboy_prints_logged() -> Iterator[None]:
    """PyBoy prints its messages to stdout, and ranks INFO above ERROR (its `log_level="ERROR"` keeps them):
    every cartridge with a clock prints "No RTC file found" when it starts, once per machine, so a vector
    of envs would fill the user's terminal. Its lines go to this module's log instead."""
    printed = io.StringIO()
    try:
        with redirect_stdout(printed):
            yield
    finally:
        for line in printed.getvalue().splitlines():
            log.info("PyBoy: %s", " ".join(line.split()))


def resolve_rom(rom: Path | str | None, symbols: bool = False, world: str | None = None) -> RomInfo:
    """The given ROM, checked; or the demo cartridge's `world` (None: the default world), built when missing or out
    of date. A ROM wins over a world. `symbols`: it is read through a symbol file's addresses (no warning that
    Crystal's may not apply)."""
    if rom is None:
        from cartridge.build import ensure_built
        from cartridge.worlds import DEFAULT_WORLD

        rom = ensure_built(world=world or DEFAULT_WORLD)
    return inspect_rom(Path(rom), symbols)


class Machine:
    """PyBoy, the step, and what is read back from it: state, small screen, save states."""

    def __init__(
        self, rom: RomInfo, hold_frames: int = HOLD_FRAMES, step_frames: int = STEP_FRAMES, layout: Layout = CRYSTAL
    ) -> None:
        if not 1 <= hold_frames < step_frames:
            raise ValueError(f"hold_frames ({hold_frames}) must be at least 1 and below step_frames ({step_frames})")
        self.rom = rom
        self.layout = layout
        """Where the state's variables are: Crystal's table, or a ROM hack's from its symbol file."""
        self.hold_frames = hold_frames
        self.step_frames = step_frames
        try:
            with _pyboy_prints_logged():
                self.pyboy = PyBoy(str(rom.path), window="null", sound_emulated=False, log_level="ERROR")
        except Exception as exc:  # PyBoy raises bare exceptions for unusable cartridges
            raise RomError(f"PyBoy cannot start {rom.path}: {exc}") from exc
        self.pyboy.rtc_lock_experimental(True)
        self._rom_hash = bytes.fromhex(rom.sha256)
        self.frames = 0

    def boot(self, max_frames: int = BOOT_FRAMES) -> int:
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

    def idle(self, frames: int) -> None:
        """Run `frames` frames with nothing pressed, rendering the last (a seeded start's wait; 0: none)."""
        if frames > 0:
            self.pyboy.tick(frames - 1, False)
            self.pyboy.tick(1, True)
            self.frames += frames

    def refresh_screen(self) -> None:
        """Run one rendered frame: after a boot or a loaded state the screen buffer is stale."""
        self.pyboy.tick(1, True)
        self.frames += 1

    def state(self) -> GameState:
        """The state as RAM holds it now, read through PyBoy's public `memory`."""
        return read_state(self.pyboy.memory, self.layout)

    def view(self, full_screen: bool = False) -> View:
        rgba = self.pyboy.screen.ndarray.copy() if full_screen else None
        return View(self.state(), self.small_screen(), rgba)

    def small_screen(self) -> bytes:
        """The last rendered frame, halved in each direction, one byte per pixel.

        The green channel stands for the grey level: it carries most of a colour's luminance
        (0.59 of it), tells the game's palette colours apart, and costs one strided copy (4 µs)
        where a weighted RGB sum costs 60-80 µs of every step.
        """
        return self.pyboy.screen.ndarray[::2, ::2, 1].tobytes()

    def small_screen_array(self) -> np.ndarray:
        """The small screen as a fresh (SCREEN_HEIGHT, SCREEN_WIDTH) uint8 array."""
        return np.frombuffer(self.small_screen(), dtype=np.uint8).reshape(SCREEN_HEIGHT, SCREEN_WIDTH)

    def save_state(self) -> bytes:
        """The whole machine as bytes, marked with this cartridge's hash."""
        buffer = io.BytesIO()
        buffer.write(STATE_MAGIC + self._rom_hash)
        self.pyboy.save_state(buffer)
        return buffer.getvalue()

    def load_state(self, data: bytes, origin: Path | str = "state") -> None:
        """Load a state made here (or a plain PyBoy state, which cannot be checked).

        The screen buffer is stale until the next rendered frame (`refresh_screen`).
        Raises `SaveStateError` for a state of another cartridge, and for data PyBoy cannot load.
        """
        if data.startswith(STATE_MAGIC):
            rom_hash = data[len(STATE_MAGIC) : len(STATE_MAGIC) + _ROM_HASH_BYTES]
            if rom_hash != self._rom_hash:
                raise SaveStateError(
                    f"save state {origin} belongs to another cartridge (ROM sha256 {rom_hash.hex()[:12]}…, "
                    f"this one is {self.rom.sha256[:12]}…): make the state with this ROM"
                )
            data = data[len(STATE_MAGIC) + _ROM_HASH_BYTES :]
        if not data:
            raise SaveStateError(f"cannot load save state {origin}: it is empty")
        try:
            self.pyboy.load_state(io.BytesIO(data))
        except Exception as exc:  # PyBoy raises assorted errors for bad states
            raise SaveStateError(f"cannot load save state {origin}: {exc or type(exc).__name__}") from exc

    def close(self) -> None:
        self.pyboy.stop(save=False)


def start_machine(
    rom: RomInfo,
    hold_frames: int = HOLD_FRAMES,
    step_frames: int = STEP_FRAMES,
    boot_frames: int = BOOT_FRAMES,
    cache_dir: Path | None = None,
    layout: Layout = CRYSTAL,
) -> tuple[Machine, bytes]:
    """A machine at the start of play, and that start as a save state (the boot state every episode can return to).

    The CGB boot animation and the game's own start take a few thousand frames: they are run
    once per (ROM, boot_frames) and the result cached in `cache_dir`, when one is given.
    """
    machine = Machine(rom, hold_frames, step_frames, layout)
    cache = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{rom.sha256}:{boot_frames}".encode()).hexdigest()[:16]
        cache = cache_dir / f"{key}.state"
        if cache.exists():
            try:
                data = cache.read_bytes()
                machine.load_state(data, cache)
                log.info("started from cached boot state %s", cache)
                return machine, data
            except (OSError, SaveStateError) as exc:
                log.warning("%s; booting from power-on instead", exc)
                cache.unlink(missing_ok=True)
    frames = machine.boot(boot_frames)
    data = machine.save_state()
    if cache is not None:
        write_atomic(cache, data)
    log.info("booted %s in %d frames%s", rom.title or rom.path.name, frames, f"; cached at {cache}" if cache else "")
    return machine, data
