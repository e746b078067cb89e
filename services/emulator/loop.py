"""The step loop: the game core's steps wrapped in streams, in DESIGN's order.

frame → plan request → milestones → choose (arbitration) → the core's step (rules, play, facts,
reward) → the next frame. Each of these is a part of its own, and the data goes one way through
them: the loop hands its frame (and plan request) to the `Outbox`, whose sender writes it through
the publisher in one round trip with the inbox's read; what was read waits in the `Inbox` until the
loop takes it between two steps (actions to the `Arbiter`, commands to `Commands`). `Planning` says
when a plan is asked for (one request open at most), `Persistence` saves and archives, `Episodes`
ends an episode and begins the next.

PyBoy runs on the event loop's own thread. It holds the GIL for the whole of a tick, so a worker
thread could not overlap anything with the emulation; a hop to one cost 0.1 ms a step for nothing.
The loop gets its turn between steps (every 20 ms when nothing else makes the step wait), and that
is when the sender runs. Nothing here waits on another service except the bounded wait for the
learner's action and the learner's hold (`backpressure`, bounded by its key's TTL), only while a
learner is alive, and, with `llm_wait_ms`, the bounded wait for a plan at a planning point, only
while a planner is alive. Redis being down costs nothing but buffered (or dropped and counted) messages.
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from services.emulator.arbiter import STALE_WHY, Arbiter
from services.emulator.backpressure import Backpressure
from services.emulator.commands import Commands
from services.emulator.episodes import Episodes
from services.emulator.inbox import Inbox
from services.emulator.outbox import Outbox, Outgoing
from services.emulator.peers import Peers
from services.emulator.persistence import Persistence
from services.emulator.planning import Planning
from services.emulator.resets import Resets
from services.emulator.run_state import RunState
from services.emulator.screens import ScreenWriter
from services.emulator.settings import EmulatorSettings
from shared.counters import Counters
from shared.game.core import GameCore, Step
from shared.game.state import GameState
from shared.messages import ActionSource, Frame, NoPlan
from shared.streams import Publisher

log = logging.getLogger(__name__)

FIRST_PEER_CHECK_S = 1.0
"""Longest the first step waits for the first look at the peers' heartbeats (a Redis that does not answer)."""
LOOP_TURN_S = 0.02
"""How often the step gives the event loop a turn when nothing made it wait. A turn costs about 25 µs
(the loop's poll and the step's task rescheduled, all cold after a tick), a sixth of the step's own work
if taken every step; what runs in it (the sender, which gathers for 20 ms anyway, heartbeats) does not
mind 20 ms. Turns every 10 ms cost 10-14 µs a step more, measured."""


@dataclass(frozen=True, slots=True)
class Played:
    """The last step as the next frame reports it: the core's step and who chose its button."""

    step: Step
    source: ActionSource
    plan: str | None = None
    """The plan that chose the step's button (its request's id), when one did."""


@dataclass
class Parts:
    """The step loop's parts, each with one job; `app.py` builds them."""

    core: GameCore
    run: RunState
    arbiter: Arbiter
    inbox: Inbox
    outbox: Outbox
    planning: Planning
    episodes: Episodes
    persistence: Persistence
    commands: Commands
    resets: Resets
    peers: Peers
    backpressure: Backpressure
    screens: ScreenWriter
    publisher: Publisher


class StepLoop:
    def __init__(self, settings: EmulatorSettings, parts: Parts) -> None:
        self.settings = settings
        self.parts = parts
        self.core = parts.core
        self.run_state = parts.run
        self.frames = settings.keys.frames(settings.env)
        self.episodes_stream = settings.keys.episodes
        self.counters = Counters(
            "deadline_waits deadline_missed forbidden_replaced interventions plan_waits plan_waits_met plan_wait_ms"
        )
        """`plan_waits` planning points waited at (`llm_wait_ms`), `plan_waits_met` of them ended by the answer,
        `plan_wait_ms` the time they took all together."""
        self._next_screen = 0.0
        self.started = time.monotonic()
        self._rate_mark = (self.started, 0)
        self.steps_per_s = 0.0
        self.plan_wait_s = settings.llm_wait_ms / 1000

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        p, run = self.parts, self.run_state
        p.episodes.begin()
        p.persistence.restore()
        p.resets.look_ahead()
        await p.outbox.exchange()  # marks where the inbox starts, before anyone sees a frame
        with contextlib.suppress(TimeoutError):  # who is alive, before the first step (Redis down: nobody)
            await asyncio.wait_for(p.peers.checked.wait(), FIRST_PEER_CHECK_S)
        played: Played | None = None
        next_progress = time.monotonic() + self.settings.progress_interval
        next_turn = 0.0
        max_steps = self.settings.max_steps
        sender = asyncio.create_task(p.outbox.run(), name="outbox")
        try:
            while not stop.is_set():
                if p.inbox.actions or p.inbox.commands:
                    await self._take_incoming()
                if (p.commands.queue or p.commands.loads) and await p.commands.carry_out():
                    played = None  # a loaded state is not the outcome of an action
                if run.paused:
                    await p.outbox.drain()
                    await p.outbox.exchange()
                    await asyncio.sleep(0.05)
                    continue
                if p.backpressure.held:  # the learner is behind its replay ratio: wait, commands still come in
                    await p.outbox.exchange()
                    await p.backpressure.wait(LOOP_TURN_S)
                    continue
                state = self.core.view.state
                frame = self._frame(played)
                facts = played.step.facts if played else None
                outgoing: Outgoing = [(self.frames, frame), *p.planning.request(frame, facts)]
                if p.persistence.due(facts):
                    await p.persistence.milestones(facts)
                if played is not None and played.step.view.rgba is not None:
                    p.screens.show(played.step.view.rgba)
                if max_steps is not None and run.played >= max_steps:
                    await p.outbox.put(outgoing)
                    break
                if self.plan_wait_s and p.planning.point:
                    await p.outbox.drain()  # frames stay in order
                    outgoing = await self._wait_for_plan(outgoing)
                if self._lockstep():
                    await p.outbox.drain()
                    await self._wait_for_dqn(outgoing)
                elif outgoing:
                    # Nobody waits on this frame: it goes out (and the inbox comes in) while the step is emulated.
                    await p.outbox.put(outgoing)
                if p.inbox.actions:  # an answer that came while the frame went out plays this very step
                    await self._take_incoming()
                chosen = p.arbiter.choose(run.step)
                now = time.monotonic()  # one clock read a step: the screen, the loop's turn and the progress log
                result = self.core.step(chosen[0] if chosen else None, self._screen_due(now))
                source = ActionSource.RULES if result.by_rules or chosen is None else chosen[1]
                plan = p.arbiter.plan_id() if chosen is not None and chosen[1] is ActionSource.LLM else None
                played = Played(result, source, plan)
                self._count(result, source)
                if result.facts.intervention:
                    await p.outbox.event(
                        "anti_stuck", f"no progress for {self.settings.stuck_patience} steps: pressed {result.button}"
                    )
                run.step += 1  # before the loop's turn: a plan that arrives in it counts its ttl from the next step
                run.played += 1
                if now >= next_turn:  # the loop's turn: the sender, the heartbeat, the screen
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
            await p.persistence.close()
            await p.resets.close(timeout=self.settings.streams.socket_timeout * 3)
            await p.outbox.drain()
            sender.cancel()
            p.screens.close()

    async def _take_incoming(self) -> None:
        """What arrived since the last step: actions offered to the arbiter for this step (a plan or a `NoPlan`
        closes the env's open request; a stale plan is refused and said in `events`), commands queued."""
        p, step = self.parts, self.run_state.step
        inbox, state = p.inbox, self.core.view.state
        while inbox.actions:
            action = inbox.actions.popleft()
            if isinstance(action, NoPlan):
                p.planning.answered(action.request_id, plan=False)
                continue
            if action.source is ActionSource.LLM:
                p.planning.answered(action.request_id, plan=True)
            refused = p.arbiter.offer(action, step, map_id=state.map_id, episode=self.core.episode)
            if refused is not None and refused != "stale_dqn":
                await p.outbox.event(
                    "plan_stale",
                    f"plan for step {action.step} refused at step {step}: {STALE_WHY[refused]}",
                    level="warning",
                    data={"request_id": action.request_id, "step": action.step, "at": step, "kind": refused,
                          "map": [action.map_group, action.map_number], "episode": action.episode},
                )  # fmt: skip
        p.commands.queue.extend(inbox.commands)
        inbox.commands.clear()

    async def _end_episode(self, played: Played) -> bool:
        """The episode's last frame out (nobody waits on it or is asked about it: nothing answers a last frame),
        its summary to `episodes`, then the reset for the next one. True when `max_steps` ends the run here."""
        p, run, last = self.parts, self.run_state, played.step
        frame = self._frame(played)
        await p.persistence.milestones(last.facts, last=last)
        if last.view.rgba is not None:
            p.screens.show(last.view.rgba)
        episode = p.episodes.finished(last, env_steps=run.step)
        await p.outbox.put([(self.frames, frame), (self.episodes_stream, episode)])
        if self.settings.max_steps is not None and run.played >= self.settings.max_steps:
            return True
        run.step += 1
        p.episodes.reset(run.step)
        return False

    def _frame(self, played: Played | None) -> Frame:
        if played is None:
            return Frame.after(self.core, None, env=self.settings.env, step=self.run_state.step)
        return Frame.after(
            self.core, played.step, env=self.settings.env, step=self.run_state.step, source=played.source,
            plan=played.plan,
        )  # fmt: skip

    def _count(self, result: Step, source: ActionSource) -> None:
        """The step's bookkeeping: totals, the plan's credit, the history the planner sees, the rules' counters."""
        p = self.parts
        self.run_state.total_reward += result.reward
        p.episodes.add(result, source)
        p.arbiter.credit(source, result.reward)
        p.planning.played(self.run_state.step, result.button, source, result.reward)
        facts = result.facts
        if facts.forbidden:
            self.counters.forbidden_replaced += 1
        if facts.intervention:
            self.counters.interventions += 1

    def _lockstep(self) -> bool:
        """Wait for the DQN only when a learner is alive and nothing of higher priority will play this step."""
        arbiter = self.parts.arbiter
        return self.parts.peers.learner and not arbiter.presses and not arbiter.plan_active(self.run_state.step)

    def _screen_due(self, now: float) -> bool:
        """A full-size screen for the dashboard, at `screen_fps`, while one is alive to show it: encoding and
        writing it costs the step loop about 6 % of a step (the thread that encodes takes turns with it)."""
        if not self.settings.screen_fps or not self.parts.peers.dashboard:
            return False
        if now < self._next_screen or self.parts.screens.busy:
            return False
        self._next_screen = now + 1 / self.settings.screen_fps
        return True

    async def _wait_for_plan(self, outgoing: Outgoing) -> Outgoing:
        """At a planning point: send the frame (and request) and read actions until the open request is answered
        or `llm_wait_ms` pass. Only this env's game waits; what was not sent yet is returned."""
        planning, outbox = self.parts.planning, self.parts.outbox
        self.counters.plan_waits += 1
        started = time.monotonic()
        deadline = started + self.plan_wait_s
        while planning.open is not None:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms < 1 or not await outbox.exchange(outgoing, max(1, remaining_ms)):
                break
            outgoing = []
            await self._take_incoming()
        else:
            self.counters.plan_waits_met += 1
        self.counters.plan_wait_ms += round((time.monotonic() - started) * 1000)
        return outgoing

    async def _wait_for_dqn(self, outgoing: Outgoing) -> None:
        """Send the frame and read actions until the DQN's answer for this step arrives or the deadline passes."""
        self.counters.deadline_waits += 1
        step, arbiter, outbox = self.run_state.step, self.parts.arbiter, self.parts.outbox
        deadline = time.monotonic() + self.settings.deadline_ms / 1000
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms < 1 or not await outbox.exchange(outgoing, max(1, remaining_ms)):
                self.counters.deadline_missed += 1
                return
            outgoing = []
            await self._take_incoming()
            if arbiter.has_dqn(step):
                return

    # -- what it says ------------------------------------------------------------------------------

    def health_counters(self) -> dict[str, int | float]:
        """The heartbeat: where the game is, how fast it runs, and every part's counters."""
        p, run = self.parts, self.run_state
        now = time.monotonic()
        mark_time, mark_played = self._rate_mark
        if now - mark_time >= 1.0:
            self.steps_per_s = (run.played - mark_played) / (now - mark_time)
            self._rate_mark = (now, run.played)
        return {
            "step": run.step,
            "episode": self.core.episode,
            "episode_step": self.core.episode_step,
            "steps_per_s": round(self.steps_per_s, 1),
            "paused": int(run.paused),
            "total_reward": round(run.total_reward, 3),
            "llm_interval": p.planning.interval,
            "learner_alive": int(p.peers.learner),
            "planner_alive": int(p.peers.planner),
            "steps": run.played,
            **self.counters.as_dict(),
            **p.planning.counters.as_dict(),
            "plan_open": int(p.planning.open is not None),
            **p.persistence.counters.as_dict(),
            **p.commands.counters.as_dict(),
            **p.episodes.counters.as_dict(),
            **p.resets.counters_for_health(),
            **p.arbiter.counters.as_dict("source_"),
            **p.publisher.counters.as_dict(),
            "publish_backlog": p.publisher.backlog,
            "send_batches": p.outbox.batches,
            "send_failures": p.outbox.failures,
            "bad_inbox_entries": p.inbox.bad,
            **p.backpressure.counters(),
        }

    def _log_progress(self, state: GameState) -> None:
        elapsed = time.monotonic() - self.started
        log.info(
            "step %d (%.0f steps/s) %s (%d,%d) pos (%d,%d) money %d badges %d party levels %s reward %.2f",
            self.run_state.step,
            self.run_state.played / elapsed if elapsed else 0.0,
            state.map_name or "?",
            state.map_group,
            state.map_number,
            state.x,
            state.y,
            state.money,
            state.badge_count,
            [m.level for m in state.party],
            self.run_state.total_reward,
        )
