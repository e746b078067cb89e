"""The step, in DESIGN's order: read → reward → frame → plan request → choose → rules → play.

The step runs PyBoy on the event loop's own thread. PyBoy holds the GIL for the whole of a
tick, so a worker thread could not overlap anything with the emulation; a hop to one cost
0.1 ms a step for nothing. The loop gets its turn between steps (every 20 ms when nothing
else makes the step wait), and that is when the sender and the inbox run. Only save-state
files are read and written on a thread, and save states are made by a forked copy of the
process (`snapshot`), so that a save does not stop the game.

Nothing here waits on another service except the bounded wait for the learner's action,
and only while a learner is alive. Redis being down costs nothing but buffered (or dropped
and counted) messages: the publisher never raises and the inbox read is skipped until Redis
is back.
"""

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from services.emulator.arbiter import Arbiter
from services.emulator.fallback import FallbackPolicy
from services.emulator.game import Game
from services.emulator.inbox import Inbox
from services.emulator.outbox import Outbox
from services.emulator.peers import Peers
from services.emulator.rewards import RewardCalculator, StepFacts
from services.emulator.rules import AntiStuck, allowed
from services.emulator.savestates import AUTO_PREFIX, SaveMeta, SaveStateStore, check_name
from services.emulator.screens import ScreenWriter
from services.emulator.settings import EmulatorSettings
from services.emulator.snapshot import snapshot
from shared.buttons import BUTTONS, Button
from shared.errors import CrystalRLError
from shared.game.state import GameState
from shared.messages import (
    Action,
    ActionSource,
    ControlCommand,
    Event,
    Frame,
    HistoryItem,
    Message,
    PlanReason,
    PlanRequest,
)
from shared.streams import Publisher
from shared.trusted import trusted

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
FORBIDDEN_BEFORE_FIRST_POKEMON = frozenset({Button.START, Button.SELECT})


_frame, _history_item = trusted(Frame), trusted(HistoryItem)
ALL_LEGAL: tuple[bool, ...] = (True,) * len(BUTTONS)
BEFORE_FIRST_POKEMON: tuple[bool, ...] = tuple(b not in FORBIDDEN_BEFORE_FIRST_POKEMON for b in BUTTONS)


def legal_mask(state: GameState) -> tuple[bool, ...]:
    """START/SELECT are forbidden until the party has its first Pokémon."""
    return ALL_LEGAL if state.party_count else BEFORE_FIRST_POKEMON


@dataclass
class StepCounters:
    steps: int = 0
    deadline_waits: int = 0
    deadline_missed: int = 0
    forbidden_replaced: int = 0
    interventions: int = 0
    plan_requests: int = 0
    saves: int = 0
    save_failures: int = 0
    controls: int = 0
    bad_controls: int = 0


class EmulatorService:
    def __init__(
        self,
        settings: EmulatorSettings,
        game: Game,
        publisher: Publisher,
        inbox: Inbox,
        peers: Peers,
        store: SaveStateStore,
    ) -> None:
        self.settings = settings
        self.game = game
        self.publisher = publisher
        self.inbox = inbox
        self.peers = peers
        self.store = store
        self.keys = settings.keys
        self.env = settings.env
        self.fallback = FallbackPolicy(settings.seed)
        self.arbiter = Arbiter()
        self.rewards = RewardCalculator(settings.rewards)
        self.antistuck = AntiStuck(settings.stuck_patience, settings.seed)
        self.counters = StepCounters()
        self.history: deque[HistoryItem] = deque(maxlen=settings.history_len)
        self.step = 0
        self.episode = 0
        self.total_reward = 0.0
        self.paused = False
        self._loaded = False
        self._next_screen = 0.0
        self.llm_interval = settings.llm_interval
        self.started = time.monotonic()
        self._rate_mark = (time.monotonic(), 0)
        self.steps_per_s = 0.0
        self._files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="savestates")
        self._saving: set[asyncio.Task[None]] = set()
        self.outbox = Outbox(self._deliver, coalesce_s=settings.send_coalesce_ms / 1000)
        self.screens = ScreenWriter(settings.redis_url, self.keys.screen(self.env), settings.streams)

    # -- the loop -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self._restore()
        await self._take_inbox(block_ms=0)  # marks where the inbox starts, before anyone sees a frame
        self.game.refresh_screen()
        obs = self.game.observe()
        state = obs.state
        self.rewards.start(state)
        last: tuple[Button, ActionSource] | None = None
        facts = StepFacts()
        next_progress = time.monotonic() + self.settings.progress_interval
        next_turn = 0.0
        sender = asyncio.create_task(self.outbox.run(), name="outbox")
        try:
            while not stop.is_set():
                if self._loaded:
                    self._loaded = False
                    obs = self.game.observe()
                    state, last = obs.state, None  # a loaded state is not the outcome of an action
                if self.paused:
                    await self.outbox.drain()
                    await self._take_inbox(block_ms=0)
                    await asyncio.sleep(0.05)
                    continue
                before, state = state, obs.state
                reward, breakdown = self.rewards(before, state, facts) if last else (0.0, {})
                self.total_reward += reward
                if last is not None:
                    self.arbiter.credit(last[1], reward)
                    self.history.append(
                        _history_item(step=self.step - 1, action=last[0], source=last[1], reward=reward)
                    )
                self.antistuck.observe(progressed=reward > 0 or "new_tile" in breakdown)
                # built from values this loop produced and typed itself: no validation pass, once per step
                frame = _frame(
                    env=self.env,
                    step=self.step,
                    state=state,
                    reward=reward,
                    reward_breakdown=breakdown,
                    action=last[0] if last else None,
                    action_source=last[1] if last else None,
                    legal=legal_mask(state),
                    intervention=facts.intervention,
                    episode=self.episode,
                    screen=obs.screen,
                    ts=time.time(),
                )
                outgoing = [(self.keys.frames(self.env), frame), *self._plan_request(before, frame, breakdown, facts)]
                await self._milestones(before, state, breakdown)
                if obs.rgba is not None:
                    self.screens.show(obs.rgba)
                if self.settings.max_steps is not None and self.step >= self.settings.max_steps:
                    await self.outbox.put(outgoing)
                    break
                if self._lockstep():
                    await self.outbox.drain()  # frames stay in order
                    await self._wait_for_dqn(outgoing)
                else:
                    # Nobody waits on this frame: it goes out (and the inbox comes in) while the step is emulated.
                    await self.outbox.put(outgoing)
                button, source, facts = await self._choose(state, frame.legal)
                now = time.monotonic()  # one clock read a step: the screen, the loop's turn and the progress log
                obs = self.game.advance(button, self._screen_due(now))
                if now >= next_turn:  # the loop's turn: the sender, the inbox, the heartbeat, the screen
                    await asyncio.sleep(0)
                    next_turn = now + LOOP_TURN_S
                last = (button, source)
                self.step += 1
                self.counters.steps += 1
                if now >= next_progress:
                    next_progress += self.settings.progress_interval
                    self._log_progress(state)
        finally:
            if self._saving:
                await asyncio.wait(self._saving)
            await self.outbox.drain()
            sender.cancel()
            self.screens.close()
            await self._reported("shutdown", self._save_now("shutdown"))
            self._files.shutdown(wait=True)

    def _lockstep(self) -> bool:
        """Wait for the DQN only when a learner is alive and nothing of higher priority will play this step."""
        return self.peers.learner and not self.arbiter.presses and not self.arbiter.plan_active(self.step)

    async def _deliver(self, outgoing: list[tuple[str, Message]]) -> None:
        """The outbox's sender: the queued messages out, the inbox in, one round trip."""
        await self._take_inbox(block_ms=0, outgoing=outgoing)

    def _screen_due(self, now: float) -> bool:
        if not self.settings.screen_fps:
            return False
        if now < self._next_screen or self.screens.busy:
            return False
        self._next_screen = now + 1 / self.settings.screen_fps
        return True

    async def _choose(self, state: GameState, legal: tuple[bool, ...]) -> tuple[Button, ActionSource, StepFacts]:
        """Arbitration, then the rules that always win."""
        chosen = self.arbiter.choose(self.step)
        button, source = chosen if chosen else (self.fallback.choose(state), ActionSource.RULES)
        forbidden = not allowed(button, legal)
        if forbidden:
            self.counters.forbidden_replaced += 1
            button, source = self.fallback.choose(state), ActionSource.RULES
            if not allowed(button, legal):
                button = Button.A
        intervention = False
        if self.antistuck.stuck:
            intervention = True
            self.counters.interventions += 1
            button, source = self.antistuck.intervene(state, button), ActionSource.RULES
            self._event("anti_stuck", f"no progress for {self.settings.stuck_patience} steps: pressed {button}")
        return button, source, StepFacts(intervention=intervention, forbidden=forbidden)

    async def _wait_for_dqn(self, outgoing: list[tuple[str, Message]]) -> None:
        """Send the frame and read actions until the DQN's answer for this step arrives or the deadline passes."""
        self.counters.deadline_waits += 1
        deadline = time.monotonic() + self.settings.deadline_ms / 1000
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms < 1 or not await self._take_inbox(max(1, remaining_ms), outgoing):
                self.counters.deadline_missed += 1
                return
            outgoing = []
            if self.arbiter.has_dqn(self.step):
                return

    async def _take_inbox(self, block_ms: int, outgoing: list[tuple[str, Message]] | None = None) -> bool:
        """Send `outgoing`, hand new actions to the arbiter and run commands, in one round trip.

        False when Redis could not be reached (the outgoing messages are then buffered).
        """
        messages = await self.inbox.exchange(outgoing or [], block_ms)
        if messages is None:
            return False
        for message in messages:
            if isinstance(message, Action):
                self.arbiter.offer(message, self.step)
            else:
                await self._control(message)
        return True

    # -- plans, milestones, commands -------------------------------------------------------------

    def _plan_request(
        self, before: GameState, frame: Frame, breakdown: dict[str, float], facts: StepFacts
    ) -> list[tuple[str, Message]]:
        """A plan request when one is due (interval) or triggered, and a planner is alive to answer it."""
        if not self.peers.planner:
            return []
        state = frame.state
        reason: PlanReason | None = None
        if facts.intervention:
            reason = "stuck"
        elif "new_map" in breakdown:
            reason = "new_map"
        elif state.battle.active and not before.battle.active:
            reason = "battle_start"
        elif "first_pokemon" in breakdown:
            reason = "first_pokemon"
        elif self.step % self.llm_interval == 0:
            reason = "interval"
        if reason is None:
            return []
        self.counters.plan_requests += 1
        request = PlanRequest(
            request_id=uuid.uuid4().hex,
            env=self.env,
            step=self.step,
            reason=reason,
            state=state,
            history=tuple(self.history),
            legal=tuple(b for b, ok in zip(BUTTONS, frame.legal, strict=True) if ok),
            previous_plan=self.arbiter.last_plan,
        )
        return [(self.keys.plan_requests, request)]

    async def _milestones(self, before: GameState, state: GameState, breakdown: dict[str, float]) -> None:
        milestone = next((m for m in ("badge", "first_pokemon", "new_map") if m in breakdown), None)
        if milestone is not None:
            self._event("milestone", f"{milestone} at step {self.step}", data={"milestone": milestone})
            await self._save_soon(milestone)
        elif self.step and self.step % self.settings.autosave_every == 0:
            await self._save_soon("interval")

    async def _control(self, command: ControlCommand) -> None:
        self.counters.controls += 1
        ok, detail = True, ""
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
                    detail = (await self._save_now("manual", name=command.name)).name
                case "load":
                    if not command.name:
                        raise CrystalRLError("load needs a name")
                    data, meta = await self._file_io(self.store.load, command.name)
                    self.game.load_state(data, command.name)
                    self.game.refresh_screen()
                    self._loaded = True
                    detail = f"loaded {meta.name} (saved at step {meta.step})"
                case "set_llm_interval":
                    if command.value is None:
                        raise CrystalRLError("set_llm_interval needs a value")
                    self.llm_interval = command.value
        except (CrystalRLError, OSError) as exc:  # a bad command or a save the disk refused: said in the ack
            ok, detail = False, str(exc)
            self.counters.bad_controls += 1
        self._event(
            "control_ack",
            f"{command.command}: {'ok' if ok else 'failed'}{' — ' + detail if detail else ''}",
            level="info" if ok else "warning",
            data={"id": command.id, "command": command.command, "ok": ok, "detail": detail},
        )

    # -- persistence ----------------------------------------------------------------------------

    def _restore(self) -> None:
        meta = self.store.load_newest(self.game.load_state)
        if meta is None:
            return
        stats = meta.stats
        self.step = meta.step
        self.episode = meta.episode
        self.total_reward = float(stats.get("total_reward", 0.0))
        self.rewards.explored.tiles = {tuple(t) for t in stats.get("tiles", [])}  # type: ignore[misc]
        self.rewards.explored.maps = {tuple(m) for m in stats.get("maps", [])}  # type: ignore[misc]
        log.info("resumed from save state %s at step %d", meta.name, meta.step)

    def _take(self, reason: str, name: str | None = None) -> Callable[[], SaveMeta]:
        """The state as it is now, and the job that writes it (on the save-state thread).

        Taking it is synchronous, so the state is the one this step's frame shows; a forked copy
        of the process makes its bytes (`snapshot`) while the game goes on.
        """
        name = name or f"{AUTO_PREFIX}{self.step:09d}"
        check_name(name)  # before the fork: a child is made only for a state that will be written
        pending = snapshot(self.game.save_state)
        step, episode, total_reward = self.step, self.episode, self.total_reward
        tiles, maps = list(self.rewards.explored.tiles), list(self.rewards.explored.maps)

        def write() -> SaveMeta:
            data = pending()  # first, whatever happens next: it reaps the child
            stats = {"total_reward": total_reward, "tiles": sorted(tiles), "maps": sorted(maps)}
            return self.store.save(name, data, step=step, episode=episode, reason=reason, stats=stats)

        return write

    async def _save_now(self, reason: str, name: str | None = None) -> SaveMeta:
        """Save and wait for the file: for a save someone asked for by name, and at shutdown."""
        return await self._write(self._take(reason, name))

    async def _write(self, job: Callable[[], SaveMeta]) -> SaveMeta:
        meta = await self._file_io(job)
        self.counters.saves += 1
        return meta

    async def _save_soon(self, reason: str) -> None:
        """An automatic save: taken now, written while the game goes on; the step waits only when saves pile up."""
        while len(self._saving) >= MAX_SAVES_IN_FLIGHT:
            await asyncio.wait(self._saving, return_when=asyncio.FIRST_COMPLETED)
        try:
            job = self._take(reason)
        except SAVE_ERRORS as exc:
            self._save_failed(reason, exc)
            return
        task = asyncio.create_task(self._reported(reason, self._write(job)), name=f"save:{reason}")
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def _reported(self, reason: str, saving: Awaitable[SaveMeta]) -> None:
        try:
            await saving
        except SAVE_ERRORS as exc:
            self._save_failed(reason, exc)

    def _save_failed(self, reason: str, exc: Exception) -> None:
        self.counters.save_failures += 1
        log.error("automatic save (%s) failed: %s", reason, exc)
        self._event("save_failed", f"automatic save ({reason}) failed: {exc}", level="error")

    # -- helpers --------------------------------------------------------------------------------

    async def _file_io(self, func: Callable[..., T], *args: Any) -> T:
        """Save-state files, one at a time, off the loop. PyBoy itself is only ever called on the loop's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._files, func, *args)

    def _event(self, kind: str, message: str, level: str = "info", data: dict[str, Any] | None = None) -> None:
        """Queued without waiting for room: control acks are sent from inside the sender, which would wait
        for itself."""
        event = Event(
            service=SERVICE,
            instance=self.settings.instance,
            kind=kind,
            message=message,
            env=self.env,
            level=level,  # type: ignore[arg-type]
            data=data or {},
        )
        self.outbox.put_nowait([(self.keys.events, event)])

    def health_counters(self) -> dict[str, int | float]:
        now = time.monotonic()
        mark_time, mark_step = self._rate_mark
        if now - mark_time >= 1.0:
            self.steps_per_s = (self.counters.steps - mark_step) / (now - mark_time)
            self._rate_mark = (now, self.counters.steps)
        return {
            "step": self.step,
            "steps_per_s": round(self.steps_per_s, 1),
            "paused": int(self.paused),
            "total_reward": round(self.total_reward, 3),
            "llm_interval": self.llm_interval,
            "learner_alive": int(self.peers.learner),
            "planner_alive": int(self.peers.planner),
            **asdict(self.counters),
            **{f"source_{k}": v for k, v in asdict(self.arbiter.counters).items()},
            **self.publisher.counters.as_dict(),
            "publish_backlog": self.publisher.backlog,
            "send_batches": self.outbox.batches,
            "send_failures": self.outbox.failures,
            "bad_inbox_entries": self.inbox.bad,
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
