"""The step loop: the game core's steps wrapped in streams, in DESIGN's order.

frame → plan request → milestones → choose (arbitration) → the core's step (rules, play, facts,
reward) → the next frame. When a step ends the episode (its goal reached, or its steps run
out), the frame after it is the episode's last: it goes out with `terminated`/`truncated` set
and nobody is waited on or asked about it (nothing answers a last frame); the episode's summary
goes to `episodes`, and the game is reset to the next start state (`Resets`: the start state,
or a milestone state drawn from the shared archive ahead of time) for the next episode's first
frame. The step counter goes on across episodes, one number a frame.

The game itself, its rules and its rewards live in the game core (`shared.game.core`); this
module adds what is about streams: who chooses the button (`Arbiter`), the frames and requests
going out (`Outbox`), actions and commands coming in (`Inbox`), save-state files, and the
dashboard's screens.

The step runs PyBoy on the event loop's own thread. PyBoy holds the GIL for the whole of a
tick, so a worker thread could not overlap anything with the emulation; a hop to one cost
0.1 ms a step for nothing. The loop gets its turn between steps (every 20 ms when nothing
else makes the step wait), and that is when the sender and the inbox run. Commands that
arrive there are queued and carried out by the step loop between two steps, so PyBoy is
only ever touched by the loop. Only save-state files are read and written on a thread, and
save states are made by a forked copy of the process (`snapshot`), so a save does not stop
the game.

Nothing here waits on another service except the bounded wait for the learner's action
and the learner's hold (`backpressure`, bounded by its key's TTL), and only while a learner
is alive. Redis being down costs nothing but buffered (or dropped and counted) messages: the
publisher never raises and the inbox read is skipped until Redis is back.
"""

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from services.emulator.arbiter import Arbiter
from services.emulator.archive import ArchiveEntry, archive_milestone, cell_of, rank_of
from services.emulator.backpressure import Backpressure
from services.emulator.episodes import record_from_stats, record_stats
from services.emulator.inbox import Inbox
from services.emulator.outbox import Outbox
from services.emulator.peers import Peers
from services.emulator.resets import Resets
from services.emulator.savestates import AUTO_PREFIX, SaveMeta, SaveStateStore, check_name
from services.emulator.screens import ScreenWriter, encode_png
from services.emulator.settings import EmulatorSettings
from services.emulator.snapshot import Pending, once, snapshot
from shared.buttons import BUTTONS
from shared.counters import Counters
from shared.errors import CrystalRLError, SaveStateError
from shared.game.core import GameCore, Step
from shared.game.episode import EpisodeRecord
from shared.game.progress import StepFacts
from shared.game.state import GameState
from shared.messages import (
    Action,
    ActionSource,
    ControlCommand,
    Episode,
    Event,
    Frame,
    HistoryItem,
    Message,
    PlanReason,
    PlanRequest,
)
from shared.streams import Publisher
from shared.unvalidated import unvalidated_constructor

log = logging.getLogger(__name__)
T = TypeVar("T")

SERVICE = "emulator"
LOOP_TURN_S = 0.02
"""How often the step gives the event loop a turn when nothing made it wait. A turn costs about 25 µs
(the loop's poll and the step's task rescheduled, all cold after a tick), a sixth of the step's own work
if taken every step; what runs in it (the sender, which gathers for 20 ms anyway, the inbox, heartbeats)
does not mind 20 ms. Turns every 10 ms cost 10-14 µs a step more, measured."""
MAX_SAVES_IN_FLIGHT = 2
"""Automatic saves written at once; past that the step waits for the disk rather than queue states in memory."""
SAVE_ERRORS = (OSError, CrystalRLError)
"""What a save can fail with (a full disk, a failed fork, a bad state): logged and counted, never the game's end."""

# built from values the loop produced and typed itself, once per step: no validation pass
_history_item = unvalidated_constructor(HistoryItem)


@dataclass(frozen=True, slots=True)
class _Played:
    """The last step as the next frame reports it: the core's step and who chose its button."""

    step: Step
    source: ActionSource


class EmulatorService:
    def __init__(
        self,
        settings: EmulatorSettings,
        core: GameCore,
        publisher: Publisher,
        inbox: Inbox,
        peers: Peers,
        store: SaveStateStore,
        resets: Resets,
        backpressure: Backpressure,
    ) -> None:
        self.settings = settings
        self.core = core
        self.publisher = publisher
        self.inbox = inbox
        self.peers = peers
        self.store = store
        self.resets = resets
        self.record = EpisodeRecord(start_state=resets.start.name)
        """The episode in progress, summed step by step."""
        self.episode_began = time.monotonic()
        self.backpressure = backpressure
        self.keys = settings.keys
        self.env = settings.env
        self.arbiter = Arbiter(terrain=core)
        self.counters = Counters(
            "steps deadline_waits deadline_missed forbidden_replaced interventions plan_requests saves save_failures "
            "controls bad_controls episodes_finished episodes_terminated episodes_truncated"
        )
        self.history: deque[HistoryItem] = deque(maxlen=settings.history_len)
        self.step = 0
        self.total_reward = 0.0
        self.paused = False
        self.commands: deque[ControlCommand] = deque()
        """Commands taken from the inbox, carried out by the step loop between two steps."""
        self._loads: deque[tuple[ControlCommand, bytes, SaveMeta]] = deque()
        """Named states read from disk in the background, loaded by the step loop between two steps."""
        self._saved_cells: set[str] = set()
        """Milestone cells (`archive.cell_of`) this run has saved a state of: a milestone that every episode
        reaches again (the first Pokémon, each map) is saved the first time, not once an episode. A save costs
        the game about 20 ms (its fork and the pages that fork makes the step copy): with 1,000-step
        episodes, saves at every repeated milestone took 13 forks in 3,000 steps, 90 µs a step."""
        self._next_screen = 0.0
        self.llm_interval = settings.llm_interval
        self.started = time.monotonic()
        self._rate_mark = (time.monotonic(), 0)
        self.steps_per_s = 0.0
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="savestates")
        self._background: set[asyncio.Task[None]] = set()
        self.outbox = Outbox(self._deliver, coalesce_s=settings.send_coalesce_ms / 1000)
        self.screens = ScreenWriter(settings.redis_url, self.keys.screen(self.env), settings.streams)

    @property
    def episode(self) -> int:
        return self.core.episode

    # -- the loop -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self._begin_at_start()
        self._restore()
        self.resets.look_ahead()
        await self._exchange(block_ms=0)  # marks where the inbox starts, before anyone sees a frame
        played: _Played | None = None
        next_progress = time.monotonic() + self.settings.progress_interval
        next_turn = 0.0
        sender = asyncio.create_task(self.outbox.run(), name="outbox")
        try:
            while not stop.is_set():
                if (self.commands or self._loads) and await self._carry_out_commands():
                    played = None  # a loaded state is not the outcome of an action
                if self.paused:
                    await self.outbox.drain()
                    await self._exchange(block_ms=0)
                    await asyncio.sleep(0.05)
                    continue
                if self.backpressure.held:  # the learner is behind its replay ratio: wait, commands still come in
                    await self._exchange(block_ms=0)
                    await self.backpressure.wait(LOOP_TURN_S)
                    continue
                state = self.core.view.state
                frame = self._frame(played)
                facts = played.step.facts if played else None
                outgoing = [(self.keys.frames(self.env), frame), *self._plan_request(frame, facts)]
                await self._milestones(facts)
                if played is not None and played.step.view.rgba is not None:
                    self.screens.show(played.step.view.rgba)
                if self.settings.max_steps is not None and self.step >= self.settings.max_steps:
                    await self.outbox.put(outgoing)
                    break
                if self._lockstep():
                    await self.outbox.drain()  # frames stay in order
                    await self._wait_for_dqn(outgoing)
                else:
                    # Nobody waits on this frame: it goes out (and the inbox comes in) while the step is emulated.
                    await self.outbox.put(outgoing)
                chosen = self.arbiter.choose(self.step)
                now = time.monotonic()  # one clock read a step: the screen, the loop's turn and the progress log
                result = self.core.step(chosen[0] if chosen else None, self._screen_due(now))
                source = ActionSource.RULES if result.by_rules or chosen is None else chosen[1]
                played = _Played(result, source)
                await self._count(result, source)
                self.step += 1  # before the loop's turn: a plan that arrives in it counts its ttl from the next step
                self.counters.steps += 1
                if now >= next_turn:  # the loop's turn: the sender, the inbox, the heartbeat, the screen
                    await asyncio.sleep(0)
                    next_turn = now + LOOP_TURN_S
                if result.terminated or result.truncated:
                    if await self._end_episode(played):
                        break
                    played = None
                if now >= next_progress:
                    next_progress += self.settings.progress_interval
                    self._log_progress(state)
        finally:
            if self._background:
                await asyncio.wait(self._background)
            await self.outbox.drain()
            sender.cancel()
            self.screens.close()
            await self._saved_or_reported("shutdown", self._save_now("shutdown"))
            await self.resets.close(timeout=self.settings.streams.socket_timeout * 3)
            self._files.shutdown(wait=True)

    async def _end_episode(self, played: _Played) -> bool:
        """The episode's last frame out (nobody waits on it or is asked about it: nothing answers a last frame),
        its summary to `episodes`, then the reset for the next one. True when `max_steps` ends the run here."""
        last = played.step
        frame = self._frame(played)
        await self._milestones(last.facts, last=last)
        if last.view.rgba is not None:
            self.screens.show(last.view.rgba)
        episode = Episode.of_record(
            self.record, self.env, self.episode, last, env_steps=self.step, wall_s=time.monotonic() - self.episode_began
        )
        await self.outbox.put([(self.keys.frames(self.env), frame), (self.keys.episodes, episode)])
        self.counters.episodes_finished += 1
        if last.terminated:
            self.counters.episodes_terminated += 1
        else:
            self.counters.episodes_truncated += 1
        if self.settings.max_steps is not None and self.step >= self.settings.max_steps:
            return True
        self.step += 1
        self._reset()
        return False

    def _reset(self) -> None:
        """A new episode, its first frame `self.step`: the next start state loaded, exploration forgotten (the
        core), the arbiter's plan and DQN answers dropped, the planner's history cleared. Never waits on Redis:
        an archive state was drawn ahead of time, or the start state is used."""
        start = self.resets.take()
        try:
            self.core.reset(start.state, start.name)
        except SaveStateError as exc:  # an archive entry of another cartridge, or corrupt: the game goes on
            self.resets.fallbacks += 1
            log.warning("%s; this episode begins at the start state instead", exc)
            start = self.resets.start
            self.core.reset(start.state, start.name)
        self.resets.chosen(start)
        self.record = EpisodeRecord(start_state=start.name)
        self.record.begin(self.core.state)
        self.episode_began = time.monotonic()
        self.history.clear()
        self.arbiter.new_episode(self.step)
        self.resets.look_ahead()

    def _frame(self, played: _Played | None) -> Frame:
        return Frame.after(
            self.core,
            played.step if played else None,
            env=self.env,
            step=self.step,
            source=played.source if played else None,
        )

    async def _count(self, result: Step, source: ActionSource) -> None:
        """The step's bookkeeping: totals, the plan's credit, the history the planner sees, the rules' counters."""
        self.total_reward += result.reward
        self.record.add(result, source.value)
        self.arbiter.credit(source, result.reward)
        self.history.append(_history_item(step=self.step, action=result.button, source=source, reward=result.reward))
        facts = result.facts
        if facts.forbidden:
            self.counters.forbidden_replaced += 1
        if facts.intervention:
            self.counters.interventions += 1
            await self._event(
                "anti_stuck", f"no progress for {self.settings.stuck_patience} steps: pressed {result.button}"
            )

    def _lockstep(self) -> bool:
        """Wait for the DQN only when a learner is alive and nothing of higher priority will play this step."""
        return self.peers.learner and not self.arbiter.presses and not self.arbiter.plan_active(self.step)

    async def _deliver(self, outgoing: list[tuple[str, Message]]) -> None:
        """The outbox's sender: the queued messages out, the inbox in, one round trip."""
        await self._exchange(block_ms=0, outgoing=outgoing)

    def _screen_due(self, now: float) -> bool:
        """A full-size screen for the dashboard, at `screen_fps`, while one is alive to show it: encoding and
        writing it costs the step loop about 6 % of a step (the thread that encodes takes turns with it)."""
        if not self.settings.screen_fps or not self.peers.dashboard:
            return False
        if now < self._next_screen or self.screens.busy:
            return False
        self._next_screen = now + 1 / self.settings.screen_fps
        return True

    async def _wait_for_dqn(self, outgoing: list[tuple[str, Message]]) -> None:
        """Send the frame and read actions until the DQN's answer for this step arrives or the deadline passes."""
        self.counters.deadline_waits += 1
        deadline = time.monotonic() + self.settings.deadline_ms / 1000
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms < 1 or not await self._exchange(max(1, remaining_ms), outgoing):
                self.counters.deadline_missed += 1
                return
            outgoing = []
            if self.arbiter.has_dqn(self.step):
                return

    async def _exchange(self, block_ms: int, outgoing: list[tuple[str, Message]] | None = None) -> bool:
        """Send `outgoing` and take what arrived, in one round trip: actions go to the arbiter, commands wait
        for the step loop. False when Redis could not be reached (the outgoing messages are then buffered)."""
        messages = await self.inbox.exchange(outgoing or [], block_ms)
        if messages is None:
            return False
        for message in messages:
            if isinstance(message, Action):
                self.arbiter.offer(message, self.step)
            else:
                self.commands.append(message)
        return True

    # -- plans, milestones, commands -------------------------------------------------------------

    def _plan_request(self, frame: Frame, facts: StepFacts | None) -> list[tuple[str, Message]]:
        """A plan request when one is due (interval) or triggered by the last step's facts, and a planner is
        alive to answer it."""
        if not self.peers.planner:
            return []
        reason: PlanReason | None = None
        if facts is not None:
            if facts.intervention:
                reason = "stuck"
            elif facts.new_map:
                reason = "new_map"
            elif facts.battle_started:
                reason = "battle_start"
            elif facts.first_pokemon:
                reason = "first_pokemon"
        if reason is None and self.step % self.llm_interval == 0:
            reason = "interval"
        if reason is None:
            return []
        self.counters.plan_requests += 1
        request = PlanRequest(
            request_id=uuid.uuid4().hex,
            env=self.env,
            step=self.step,
            reason=reason,
            state=frame.state,
            history=tuple(self.history),
            legal=tuple(b for b, ok in zip(BUTTONS, frame.legal, strict=True) if ok),
            previous_plan=self.arbiter.last_plan,
            screen_text=self.core.screen_text(),  # read on a request only (every `llm_interval` steps), not every step
            text_map=self.core.text_map(),
            screen_png=encode_png(self.core.machine.pyboy.screen.ndarray) if self.settings.llm_image else b"",
        )
        return [(self.keys.plan_requests, request)]

    async def _milestones(self, facts: StepFacts | None, last: Step | None = None) -> None:
        """A milestone's event, save and archive entry; the interval's save.

        `last`: the step that ended the episode. Its state is not saved (a restart resumes inside an
        episode, and this one is over), and a goal's state is not archived (an episode begun there
        would have nothing left to reach).
        """
        milestone = facts.milestone if facts else None
        if milestone is not None:
            await self._event("milestone", f"{milestone} at step {self.step}", data={"milestone": milestone})
        pending = self._archive_soon(facts) if facts is not None and not (last and last.terminated) else None
        if last is not None:
            return
        if milestone is not None:
            cell = cell_of(milestone, self.core.state)
            if cell not in self._saved_cells or pending is not None:  # new to this run, or its state is taken anyway
                self._saved_cells.add(cell)
                await self._save_soon(milestone, pending)
        elif self.step and self.step % self.settings.autosave_every == 0:
            await self._save_soon("interval")

    def _archive_soon(self, facts: StepFacts) -> Pending | None:
        """Offer this state to the shared archive when it is a milestone in a cell the archive lacks. The state is
        taken now (a fork) and added in the background; the save of the same milestone shares its bytes."""
        milestone = archive_milestone(facts)
        if milestone is None:
            return None
        state = self.core.state
        cell = cell_of(milestone, state)
        if not self.resets.wants(cell):
            return None
        try:
            pending = once(snapshot(self.core.save_state))
        except SAVE_ERRORS as exc:
            log.error("archive: the state of %s could not be taken: %s", cell, exc)
            return None
        entry = ArchiveEntry(
            cell=cell,
            milestone=milestone,
            rom_sha256=self.store.rom_sha256,
            rank=rank_of(state, len(self.core.progress.explored.maps)),
            reached_at=self.core.episode_step,
            env=self.env,
        )
        self.resets.add(entry, lambda: self._file_io(pending))
        return pending

    async def _carry_out_commands(self) -> bool:
        """Every queued command and every named state read meanwhile, between two steps. True when a state
        was loaded (the next frame then starts afresh)."""
        loaded = False
        while self._loads:
            command, data, meta = self._loads.popleft()
            try:
                self.core.load(data, meta.name)
            except CrystalRLError as exc:
                await self._ack(command, False, str(exc))
                continue
            loaded = True
            detail = f"loaded {meta.name} (saved at step {meta.step})"
            if self.resets.took_load(data, meta.name):
                self.core.start_state = data
                detail += "; episodes begin there from now on"
            await self._ack(command, True, detail)
        while self.commands:
            await self._carry_out(self.commands.popleft())
        return loaded

    async def _carry_out(self, command: ControlCommand) -> None:
        self.counters.controls += 1
        try:
            match command.command:
                case "pause":
                    self.paused = True
                case "resume":
                    self.paused = False
                case "press":
                    if command.button is None:
                        raise CrystalRLError("press needs a button")
                    self.arbiter.press(command.button)
                case "save":
                    job = self._begin_save("manual", command.name)  # the state of this step, before the next
                    self._in_background(self._acked(command, self._write(job)), f"save:{command.id}")
                    return
                case "load":
                    if not command.name:
                        raise CrystalRLError("load needs a name")
                    self._in_background(self._read_for_load(command, command.name), f"load:{command.id}")
                    return
                case "set_llm_interval":
                    if command.value is None:
                        raise CrystalRLError("set_llm_interval needs a value")
                    self.llm_interval = command.value
        except SAVE_ERRORS as exc:  # a bad command, or a save the fork refused: said in the ack
            await self._ack(command, False, str(exc))
            return
        await self._ack(command, True)

    async def _read_for_load(self, command: ControlCommand, name: str) -> None:
        try:
            data, meta = await self._file_io(self.store.load, name)
        except SAVE_ERRORS as exc:
            await self._ack(command, False, str(exc))
            return
        self._loads.append((command, data, meta))

    async def _acked(self, command: ControlCommand, saving: Awaitable[SaveMeta]) -> None:
        try:
            meta = await saving
        except SAVE_ERRORS as exc:  # the disk refused the file: said in the ack, the game goes on
            await self._ack(command, False, str(exc))
            return
        await self._ack(command, True, meta.name)

    async def _ack(self, command: ControlCommand, ok: bool, detail: str = "") -> None:
        if not ok:
            self.counters.bad_controls += 1
        await self._event(
            "control_ack",
            f"{command.command}: {'ok' if ok else 'failed'}{' — ' + detail if detail else ''}",
            level="info" if ok else "warning",
            data={"id": command.id, "command": command.command, "ok": ok, "detail": detail},
        )

    def _in_background(self, work: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- persistence ----------------------------------------------------------------------------

    def _begin_at_start(self) -> None:
        """The first episode's record begins where the game is: the start state (the app loaded it)."""
        self.record.begin(self.core.state)

    def _restore(self) -> None:
        """The newest save state that loads, with its step counter and the episode it was in (its step, record and
        explored tiles); a start state taken from a load comes back too. Else a fresh game at the start state."""
        meta = self.store.load_newest(self.core.load)
        if meta is None:
            return
        stats = meta.stats
        self.step = meta.step
        self.core.episode = meta.episode
        self.core.episode_step = int(stats.get("episode_step", 0))
        self.arbiter.episode_start = meta.step
        self.record, wall_s = record_from_stats(stats.get("episode", {}), self.resets.start.name)
        self.record.begin(self.core.state)
        self.episode_began = time.monotonic() - wall_s
        loaded_start = stats.get("start")
        if isinstance(loaded_start, str) and not self.resets.fixed:
            try:
                data, _ = self.store.load(loaded_start)
            except SaveStateError as exc:
                log.warning("the start state taken from a load is gone (%s); episodes begin at boot", exc)
            else:
                self.resets.took_load(data, loaded_start)
                self.core.start_state = data
        self.total_reward = float(stats.get("total_reward", 0.0))
        self.core.progress.start(self.core.state)
        self.core.progress.explored.restore(stats)
        log.info("resumed from save state %s at step %d", meta.name, meta.step)

    def _begin_save(
        self, reason: str, name: str | None = None, pending: Pending | None = None
    ) -> Callable[[], SaveMeta]:
        """Take the state as it is now, and return the job that writes it (on the save-state thread).

        Taking it is synchronous, so the state is the one this step's frame shows; a forked copy
        of the process makes its bytes (`snapshot`) while the game goes on. `pending`: bytes being
        taken already (for the archive), shared instead of a second fork.
        """
        name = name or f"{AUTO_PREFIX}{self.step:09d}"
        check_name(name)  # before the fork: a child is made only for a state that will be written
        pending = pending or snapshot(self.core.save_state)
        step, episode, total_reward = self.step, self.episode, self.total_reward
        explored = self.core.progress.explored.copy()  # sorted into lists on the save thread, not here
        in_episode: dict[str, Any] = {
            "episode_step": self.core.episode_step,
            "episode": record_stats(self.record, time.monotonic() - self.episode_began),
        }
        if self.resets.loaded is not None:
            in_episode["start"] = self.resets.loaded  # a load made it the start state: a restart keeps it

        def write() -> SaveMeta:
            data = pending()  # first, whatever happens next: it reaps the child
            stats = {"total_reward": total_reward, **explored.to_stats(), **in_episode}
            return self.store.save(name, data, step=step, episode=episode, reason=reason, stats=stats)

        return write

    async def _save_now(self, reason: str, name: str | None = None) -> SaveMeta:
        """Save and wait for the file: at shutdown."""
        return await self._write(self._begin_save(reason, name))

    async def _write(self, job: Callable[[], SaveMeta]) -> SaveMeta:
        meta = await self._file_io(job)
        self.counters.saves += 1
        return meta

    async def _save_soon(self, reason: str, pending: Pending | None = None) -> None:
        """An automatic save: taken now, written while the game goes on; the step waits only when saves pile up."""
        while len(self._background) >= MAX_SAVES_IN_FLIGHT:
            await asyncio.wait(self._background, return_when=asyncio.FIRST_COMPLETED)
        try:
            job = self._begin_save(reason, pending=pending)
        except SAVE_ERRORS as exc:
            await self._save_failed(reason, exc)
            return
        self._in_background(self._saved_or_reported(reason, self._write(job)), f"save:{reason}")

    async def _saved_or_reported(self, reason: str, saving: Awaitable[SaveMeta]) -> None:
        """Wait for an automatic save; a failure is logged, counted and sent as an event, never raised."""
        try:
            await saving
        except SAVE_ERRORS as exc:
            await self._save_failed(reason, exc)

    async def _save_failed(self, reason: str, exc: Exception) -> None:
        self.counters.save_failures += 1
        log.error("automatic save (%s) failed: %s", reason, exc)
        await self._event("save_failed", f"automatic save ({reason}) failed: {exc}", level="error")

    # -- helpers --------------------------------------------------------------------------------

    async def _file_io(self, func: Callable[..., T], *args: Any) -> T:
        """Save-state files, one at a time, off the loop. PyBoy itself is only ever called on the loop's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._files, func, *args)

    async def _event(self, kind: str, message: str, level: str = "info", data: dict[str, Any] | None = None) -> None:
        event = Event(
            service=SERVICE,
            instance=self.settings.instance,
            kind=kind,
            message=message,
            env=self.env,
            level=level,  # type: ignore[arg-type]
            data=data or {},
        )
        await self.outbox.put([(self.keys.events, event)])

    def health_counters(self) -> dict[str, int | float]:
        now = time.monotonic()
        mark_time, mark_step = self._rate_mark
        if now - mark_time >= 1.0:
            self.steps_per_s = (self.counters.steps - mark_step) / (now - mark_time)
            self._rate_mark = (now, self.counters.steps)
        return {
            "step": self.step,
            "episode": self.episode,
            "episode_step": self.core.episode_step,
            "steps_per_s": round(self.steps_per_s, 1),
            "paused": int(self.paused),
            "total_reward": round(self.total_reward, 3),
            "llm_interval": self.llm_interval,
            "learner_alive": int(self.peers.learner),
            "planner_alive": int(self.peers.planner),
            **self.counters.as_dict(),
            **self.resets.counters_for_health(),
            **self.arbiter.counters.as_dict("source_"),
            **self.publisher.counters.as_dict(),
            "publish_backlog": self.publisher.backlog,
            "send_batches": self.outbox.batches,
            "send_failures": self.outbox.failures,
            "bad_inbox_entries": self.inbox.bad,
            **self.backpressure.counters(),
        }

    def _log_progress(self, state: GameState) -> None:
        elapsed = time.monotonic() - self.started
        log.info(
            "step %d (%.0f steps/s) %s (%d,%d) pos (%d,%d) money %d badges %d party levels %s reward %.2f",
            self.step,
            self.counters.steps / elapsed if elapsed else 0.0,
            state.map_name or "?",
            state.map_group,
            state.map_number,
            state.x,
            state.y,
            state.money,
            state.badge_count,
            [m.level for m in state.party],
            self.total_reward,
        )
