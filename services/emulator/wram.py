"""The state reader's memory: WRAM straight from the array PyBoy keeps it in, checked against `pyboy.memory`.

PyBoy reads memory one byte per Cython call: the 390 bytes a step decodes cost 18 µs that
way when warm, 27 µs right after a tick, and about 3 µs as slices of the array itself. PyBoy
does not expose that array, so it is looked up among the live objects: the one 32 KiB
`array('B')` (the CGB's eight 4 KiB banks) whose first two banks hold exactly what
`pyboy.memory` reads there. Every `check_every` reads it is compared with `pyboy.memory`
again. When no array matches, or a check fails (a PyBoy that keeps WRAM another way), the
reads go through `pyboy.memory`, as before, and the log says so once.
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
            self.view = self._find() if self._reads == 0 else self._checked(self.view)
        self._reads += 1
        return self.view if self.view is not None else self.pyboy_memory

    def _find(self) -> memoryview | None:
        """Called on the first read, after the boot or a restored state has filled WRAM."""
        banks = _banks(self.pyboy_memory)
        found = [
            candidate
            for candidate in gc.get_objects()
            if type(candidate) is array
            and candidate.typecode == "B"
            and len(candidate) == CGB_WRAM_BYTES
            and _banks(memoryview(candidate)) == banks
        ]
        if len(found) != 1:
            log.info("WRAM read through pyboy.memory (%d arrays match it, not 1): about 20 µs more a step", len(found))
            return None
        return memoryview(found[0])

    def _checked(self, view: memoryview | None) -> memoryview | None:
        if view is not None and _banks(view) != _banks(self.pyboy_memory):
            log.warning("PyBoy's WRAM array no longer matches pyboy.memory; reading through pyboy.memory from now on")
            return None
        return view


def _banks(memory: Any) -> bytes:
    """Banks 0 and 1 as the reader reads them (PyBoy refuses a bank-1 slice that ends at E000)."""
    if isinstance(memory, memoryview):
        return bytes(memory[:BANK_BYTES]) + bytes(memory[BANK_BYTES : 2 * BANK_BYTES - 1])
    bank1 = WRAM_START + BANK_BYTES
    return bytes(memory[WRAM_START:bank1]) + bytes(memory[1, bank1 : bank1 + BANK_BYTES - 1])
