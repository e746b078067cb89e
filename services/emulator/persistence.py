"""Persistence: save states and the shared archive, taken between two steps and written while the game goes on.

A state is taken synchronously, so it is the one this step's frame shows, by a forked copy of
the process (`snapshot`: PyBoy takes 22 ms to write one); its file is written on the save-state
thread. Automatic saves come every `autosave_every` steps and at milestones (a milestone every
episode reaches again is saved the first time only); a milestone in a cell the archive lacks is
offered to it (`Resets.add`), sharing the save's fork. A failed save is logged, counted and sent
as a `save_failed` event, never the game's end. At start the newest save state that loads is
restored, with its step counter and the episode it was in.

Only files are read and written on a thread: PyBoy is called on the event loop's thread alone.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from services.emulator.episodes import Episodes
from services.emulator.outbox import Outbox
from services.emulator.resets import Resets
from services.emulator.run_state import RunState
from services.emulator.savestates import AUTO_PREFIX, SaveMeta, SaveStateStore, check_name
from services.emulator.snapshot import Pending, once, snapshot
from shared.archive import cell_of, entry_for
from shared.counters import Counters
from shared.errors import CrystalRLError, SaveStateError
from shared.game.core import GameCore, Step
from shared.game.progress import StepFacts

log = logging.getLogger(__name__)
T = TypeVar("T")

SaveJob = Callable[[], SaveMeta]
"""A state taken, to be written on the save-state thread (`Persistence.begin_save`)."""
MAX_SAVES_IN_FLIGHT = 2
"""Automatic saves written at once; past that the step waits for the disk rather than queue states in memory."""
SAVE_ERRORS = (OSError, CrystalRLError)
"""What a save can fail with (a full disk, a failed fork, a bad state): logged and counted, never the game's end."""


class Persistence:
    def __init__(
        self,
        core: GameCore,
        store: SaveStateStore,
        resets: Resets,
        episodes: Episodes,
        run: RunState,
        outbox: Outbox,
        *,
        env: str,
        autosave_every: int,
    ) -> None:
        self.core = core
        self.store = store
        self.resets = resets
        self.episodes = episodes
        self.run = run
        self.outbox = outbox
        self.env = env
        self.autosave_every = autosave_every
        self.counters = Counters("saves save_failures")
        self._saved_cells: set[str] = set()
        """Milestone cells (`archive.cell_of`) this run has saved a state of: a milestone that every episode
        reaches again (the first Pokémon, each map) is saved the first time, not once an episode. A save costs
        the game about 20 ms (its fork and the pages that fork makes the step copy): with 1,000-step
        episodes, saves at every repeated milestone took 13 forks in 3,000 steps, 90 µs a step."""
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="savestates")
        self._background: set[asyncio.Task[None]] = set()

    # -- start ------------------------------------------------------------------------------------

    def restore(self) -> None:
        """The newest save state that loads, with its step counter and the episode it was in (its step, record and
        explored tiles); a start state taken from a load comes back too. Else a fresh game at the start state."""
        meta = self.store.load_newest(self.core.load)
        if meta is None:
            return
        stats = meta.stats
        self.run.step = meta.step
        self.episodes.restore(meta.step, meta.episode, stats)
        loaded_start = stats.get("start")
        if isinstance(loaded_start, str) and not self.resets.fixed:
            try:
                data, _ = self.store.load(loaded_start)
            except SaveStateError as exc:
                log.warning("the start state taken from a load is gone (%s); episodes begin at boot", exc)
            else:
                self.resets.took_load(data, loaded_start)
                self.core.start_state = data
        self.run.total_reward = float(stats.get("total_reward", 0.0))
        self.core.progress.start(self.core.state)
        self.core.progress.explored.restore(stats)
        log.info("resumed from save state %s at step %d", meta.name, meta.step)

    # -- each step --------------------------------------------------------------------------------

    def due(self, facts: StepFacts | None) -> bool:
        """Whether `milestones` has anything to do for this step: most steps it has not, and the step loop then
        pays no coroutine for it."""
        if facts is not None and (facts.milestone is not None or facts.battle_won):
            return True
        step = self.run.step
        return step > 0 and step % self.autosave_every == 0

    async def milestones(self, facts: StepFacts | None, last: Step | None = None) -> None:
        """A milestone's event, save and archive entry; the interval's save.

        `last`: the step that ended the episode. Its state is not saved (a restart resumes inside an
        episode, and this one is over), and a goal's state is not archived (an episode begun there
        would have nothing left to reach).
        """
        step = self.run.step
        milestone = facts.milestone if facts else None
        if milestone is not None:
            await self.outbox.event("milestone", f"{milestone} at step {step}", data={"milestone": milestone})
        pending = self._archive_soon(facts) if facts is not None and not (last and last.terminated) else None
        if last is not None:
            return
        if milestone is not None:
            cell = cell_of(milestone, self.core.state)
            if cell not in self._saved_cells or pending is not None:  # new to this run, or its state is taken anyway
                self._saved_cells.add(cell)
                await self.save_soon(milestone, pending)
        elif step and step % self.autosave_every == 0:
            await self.save_soon("interval")

    def _archive_soon(self, facts: StepFacts) -> Pending | None:
        """Offer this state to the shared archive when it is a milestone in a cell the archive lacks. The state is
        taken now (a fork) and added in the background; the save of the same milestone shares its bytes."""
        entry = entry_for(self.core, facts, self.env)
        if entry is None or not self.resets.wants(entry.cell):
            return None
        try:
            pending = once(snapshot(self.core.save_state))
        except SAVE_ERRORS as exc:
            log.error("archive: the state of %s could not be taken: %s", entry.cell, exc)
            return None
        self.resets.add(entry, lambda: self.file_io(pending))
        return pending

    # -- saves ------------------------------------------------------------------------------------

    def begin_save(self, reason: str, name: str | None = None, pending: Pending | None = None) -> SaveJob:
        """Take the state as it is now, and return the job that writes it (on the save-state thread).

        Taking it is synchronous, so the state is the one this step's frame shows; a forked copy
        of the process makes its bytes (`snapshot`) while the game goes on. `pending`: bytes being
        taken already (for the archive), shared instead of a second fork.
        """
        name = name or f"{AUTO_PREFIX}{self.run.step:09d}"
        check_name(name)  # before the fork: a child is made only for a state that will be written
        pending = pending or snapshot(self.core.save_state)
        step, episode, total_reward = self.run.step, self.core.episode, self.run.total_reward
        explored = self.core.progress.explored.copy()  # sorted into lists on the save thread, not here
        in_episode: dict[str, Any] = self.episodes.stats()
        if self.resets.loaded is not None:
            in_episode["start"] = self.resets.loaded  # a load made it the start state: a restart keeps it

        def write() -> SaveMeta:
            data = pending()  # first, whatever happens next: it reaps the child
            stats = {"total_reward": total_reward, **explored.to_stats(), **in_episode}
            return self.store.save(name, data, step=step, episode=episode, reason=reason, stats=stats)

        return write

    async def write(self, job: SaveJob) -> SaveMeta:
        meta = await self.file_io(job)
        self.counters.saves += 1
        return meta

    async def save_soon(self, reason: str, pending: Pending | None = None) -> None:
        """An automatic save: taken now, written while the game goes on; the step waits only when saves pile up."""
        while len(self._background) >= MAX_SAVES_IN_FLIGHT:
            await asyncio.wait(self._background, return_when=asyncio.FIRST_COMPLETED)
        try:
            job = self.begin_save(reason, pending=pending)
        except SAVE_ERRORS as exc:
            await self._save_failed(reason, exc)
            return
        self.in_background(self._saved_or_reported(reason, self.write(job)), f"save:{reason}")

    async def close(self) -> None:
        """Wait for the work under way, save the state as it is now (a restart resumes here), stop the thread."""
        if self._background:
            await asyncio.wait(self._background)
        await self._saved_or_reported("shutdown", self._save_now("shutdown"))
        self._files.shutdown(wait=True)

    async def _save_now(self, reason: str) -> SaveMeta:
        return await self.write(self.begin_save(reason))

    async def _saved_or_reported(self, reason: str, saving: Awaitable[SaveMeta]) -> None:
        """Wait for an automatic save; a failure is logged, counted and sent as an event, never raised."""
        try:
            await saving
        except SAVE_ERRORS as exc:
            await self._save_failed(reason, exc)

    async def _save_failed(self, reason: str, exc: Exception) -> None:
        self.counters.save_failures += 1
        log.error("automatic save (%s) failed: %s", reason, exc)
        await self.outbox.event("save_failed", f"automatic save ({reason}) failed: {exc}", level="error")

    # -- the save-state thread ----------------------------------------------------------------------

    async def file_io(self, func: Callable[..., T], *args: Any) -> T:
        """Save-state files, one at a time, off the loop. PyBoy itself is only ever called on the loop's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._files, func, *args)

    def in_background(self, work: Awaitable[None], name: str) -> None:
        """Work with save-state files that the step does not wait for (waited for by `close`)."""
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
