"""WRAM straight from the array PyBoy keeps it in, checked against `pyboy.memory`: a measured speed trick.

PyBoy's public `memory[bank, start:end]` reads one byte per Cython call. Right after a tick
(the CPU's caches emptied by 24 frames of emulation) the 20 spans the state reader needs cost
54-204 µs by `make bench` (3.9-6.3 % of a step; the figure grows as the machine slows), and
as slices of the array itself about 15 µs. That is above the 3 % of a step for which a trick
that leans on a library's private objects is worth keeping, so it is kept, under three rules:

- PyBoy is pinned to the tested minor release (`pyboy==2.8.*` in `pyproject.toml`), and
  `tests/unit/test_wram.py` fails with a message naming this module when a release keeps
  WRAM another way.
- The array is found among the live objects, and known by writing through PyBoy's public
  `memory`: a byte is flipped and put back before any frame runs, and the one array that
  saw it is WRAM (two machines in one process at the same start hold equal bytes).
- Every `check_every` reads the array is compared with `pyboy.memory` again. When none is
  found or a check fails, the reads go through `pyboy.memory`, and the log says so once.
"""

import gc
import logging
from array import array
from typing import Any

from shared.game.reader import WRAM_START, BankedMemory

log = logging.getLogger(__name__)

BANK_BYTES = 0x1000
CGB_WRAM_BYTES = 8 * BANK_BYTES
CHECK_EVERY = 4096
"""Reads between two comparisons with `pyboy.memory` (each costs about 0.2 ms)."""
_PROBE = WRAM_START
"""The byte flipped to tell the machine's own array from others with equal contents."""


class WramReader:
    """Hands the state reader the fastest memory that agrees with `pyboy.memory`: a view of PyBoy's WRAM
    array (banks 0 and 1 in a row from C000, the reader's direct form) or `pyboy.memory` itself."""

    def __init__(self, memory: Any, check_every: int = CHECK_EVERY) -> None:
        self.pyboy_memory = memory
        self.check_every = check_every
        self.view: memoryview | None = None
        self._reads = 0

    def memory(self) -> BankedMemory | memoryview:
        if self._reads % self.check_every == 0:
            self.view = self.find() if self._reads == 0 else self._checked(self.view)
        self._reads += 1
        return self.view if self.view is not None else self.pyboy_memory

    def check(self) -> None:
        """Compare the array with `pyboy.memory` now (after a loaded state: PyBoy might have replaced it)."""
        if self._reads:
            self.view = self._checked(self.view)

    def find(self) -> memoryview | None:
        """The machine's WRAM array, or None (logged) when exactly one cannot be told apart."""
        banks = _banks(self.pyboy_memory)
        equal = [
            candidate
            for candidate in gc.get_objects()
            if type(candidate) is array
            and candidate.typecode == "B"
            and len(candidate) == CGB_WRAM_BYTES
            and _banks(memoryview(candidate)) == banks
        ]
        found = _written_through(self.pyboy_memory, equal)
        if len(found) != 1:
            log.info("WRAM read through pyboy.memory (%d arrays hold it, not 1): 40-190 µs more a step", len(found))
            return None
        return memoryview(found[0])

    def _checked(self, view: memoryview | None) -> memoryview | None:
        if view is not None and _banks(view) != _banks(self.pyboy_memory):
            log.warning("PyBoy's WRAM array no longer matches pyboy.memory; reading through pyboy.memory from now on")
            return None
        return view


def _written_through(memory: Any, candidates: list[array]) -> list[array]:
    """The candidates that see a byte written through `memory`; the byte is put back at once."""
    before = memory[_PROBE]
    memory[_PROBE] = before ^ 0xFF
    try:
        return [candidate for candidate in candidates if candidate[0] == before ^ 0xFF]
    finally:
        memory[_PROBE] = before


def _banks(memory: Any) -> bytes:
    """Banks 0 and 1 as the reader reads them (PyBoy refuses a bank-1 slice that ends at E000)."""
    if isinstance(memory, memoryview):
        return bytes(memory[:BANK_BYTES]) + bytes(memory[BANK_BYTES : 2 * BANK_BYTES - 1])
    bank1 = WRAM_START + BANK_BYTES
    return bytes(memory[WRAM_START:bank1]) + bytes(memory[1, bank1 : bank1 + BANK_BYTES - 1])
