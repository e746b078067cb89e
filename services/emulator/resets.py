"""Where each episode begins: the start state, or a milestone state drawn from the archive ahead of time.

A reset must never wait on Redis, so everything the archive is asked is asked in the
background: after every reset (and at start) the archive's cells are read again and, for
`archive_share` of the resets, the next reset's state is drawn and held here; the reset
then takes whatever is ready and falls back to the start state when nothing is (Redis down,
an empty archive, a draw still under way). States reached at milestones are added the same
way, each in a task of its own, from bytes a forked copy of the process wrote
(`snapshot`), so the step never waits for the fork's pipe or for Redis either.

Every background turn runs through a `LoopGuard`: an outage is a warning and a delay,
anything else is logged with its traceback and counted, and the game goes on.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.archive import Archive, ArchiveEntry
from shared.errors import CrystalRLError
from shared.streams import LoopGuard, StreamCounters, StreamSettings

log = logging.getLogger(__name__)

START = "start"
"""The start state's name when it is the state after boot."""
MAX_ADDS_IN_FLIGHT = 2
"""Archive additions under way at once; a milestone reached past that is not archived this time (it will be
reached again), rather than states piling up in memory behind a slow Redis."""


@dataclass(frozen=True, slots=True)
class Start:
    """A state an episode can begin at, and its name in the episode's record."""

    state: bytes
    name: str
    """`start`, a save state's name, or `archive:{cell}`."""
    cell: str | None = None
    """The archive's cell, when drawn from it."""


class Resets:
    """The start state, the archive's cells as last read, and the next reset's state when one was drawn."""

    def __init__(
        self,
        start: Start,
        *,
        fixed: bool,
        archive: Archive | None,
        share: float,
        rng: random.Random,
        settings: StreamSettings,
    ) -> None:
        self.start = start
        self.fixed = fixed
        """The start state was given (`--start-state`): a `load` does not replace it."""
        self.archive = archive
        self.share = share
        self.rng = rng
        self.cells: set[str] = set()
        """The archive's cells for this ROM as last read, and those this env is adding."""
        self.counters = StreamCounters()
        self.guard = LoopGuard("archive", settings, self.counters, logger=log)
        self.added = 0
        self.from_archive = 0
        self.fallbacks = 0
        """Resets whose archive state did not load (corrupt, or of another cartridge): begun at the start state."""
        self._ahead: Start | None = None
        self._look: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._adding = 0
        self._loaded = False

    @property
    def loaded(self) -> str | None:
        """The name of the save state a `load` made the start state, if one did."""
        return self.start.name if self._loaded else None

    def took_load(self, state: bytes, name: str) -> bool:
        """The run's first `load` becomes the start state, unless one was given; True when it did."""
        if self.fixed or self._loaded:
            return False
        self._loaded = True
        self.start = Start(state, name)
        return True

    def take(self) -> Start:
        """The next reset's state: one drawn ahead, else the start state. Never waits."""
        ahead, self._ahead = self._ahead, None
        return ahead or self.start

    def look_ahead(self) -> None:
        """Read the archive's cells again and, for a share of resets, draw the next reset's state; in the background."""
        if self.archive is None or (self._look is not None and not self._look.done()):
            return
        draw = self.share > 0 and self.rng.random() < self.share
        self._look = self._spawn(self._read(self.archive, draw), "archive-look-ahead")

    async def _read(self, archive: Archive, draw: bool) -> None:
        async def turn() -> None:
            self.cells = await archive.cells() | self.cells
            if draw:
                drawn = await archive.draw(self.rng)
                if drawn is not None:
                    self._ahead = Start(drawn.state, f"archive:{drawn.entry.cell}", drawn.entry.cell)

        await self.guard.turn(turn)

    def wants(self, cell: str) -> bool:
        """Whether a state reached in `cell` should be offered to the archive now."""
        return self.archive is not None and cell not in self.cells and self._adding < MAX_ADDS_IN_FLIGHT

    def add(self, entry: ArchiveEntry, state: Callable[[], Awaitable[bytes]]) -> None:
        """Offer a state to the archive in the background; `state` waits for its bytes (the fork's pipe)."""
        if self.archive is None:
            return
        self.cells.add(entry.cell)
        self._adding += 1
        self._spawn(self._add(self.archive, entry, state), f"archive-add:{entry.cell}")

    async def _add(self, archive: Archive, entry: ArchiveEntry, state: Callable[[], Awaitable[bytes]]) -> None:
        added = False
        try:
            try:
                data = await state()
            except (OSError, CrystalRLError) as exc:  # the fork failed: this milestone is not archived this time
                log.error("archive: the state of %s could not be taken: %s", entry.cell, exc)
                self.counters.loop_errors += 1
                return

            async def turn() -> None:
                nonlocal added
                added = await archive.add(entry, data)

            if await self.guard.turn(turn):
                if added:
                    self.added += 1
                    log.info("archive: added %s (reached at episode step %d)", entry.cell, entry.reached_at)
                return
        finally:
            self._adding -= 1
        self.cells.discard(entry.cell)  # not added: offered again when it is reached again

    def chosen(self, start: Start) -> None:
        """A reset began at `start`: count the draw in the archive (in the background)."""
        if start.cell is None or self.archive is None:
            return
        self.from_archive += 1
        archive, cell = self.archive, start.cell
        self._spawn(self.guard.turn(lambda: archive.chosen(cell)), f"archive-chosen:{cell}")

    def _spawn(self, work: Awaitable[object], name: str) -> asyncio.Task[None]:
        async def run() -> None:
            await work

        task = asyncio.create_task(run(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self, timeout: float) -> None:
        """Let additions under way finish (within `timeout`), then stop what is left."""
        self.guard.stop.set()  # a failed turn does not wait out its delay now
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()

    def counters_for_health(self) -> dict[str, int]:
        return {
            "archive_size": len(self.cells),
            "archive_added": self.added,
            "resets_from_archive": self.from_archive,
            "archive_fallbacks": self.fallbacks,
            "archive_skipped": self.archive.skipped if self.archive is not None else 0,
            "archive_errors": self.counters.connection_errors + self.counters.loop_errors,
        }
