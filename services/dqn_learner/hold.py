"""The learner's side of backpressure: hold the emulators while training is behind its replay ratio.

In `replay_ratio_mode=hold` a turn every 10 ms compares the updates owed (`Learner.backlog`)
with `hold_slack`. Past it, the hold key (`keys.hold`) is set with a TTL of `hold_ttl_ms` and
renewed every third of it while training stays behind; once half the slack is left it is
deleted. Each emulator looks at the key every `hold_poll_ms` and stops stepping while it is
set and this learner's heartbeat is alive (`services/emulator/backpressure.py`).

The wait is bounded whatever happens here: a learner that dies (or cannot reach Redis) stops
renewing the key, and it expires within `hold_ttl_ms`. A training thread that makes no update
for `STALL_S` while updates are owed (an update failing again and again) lets the emulators go
too, so a broken trainer never stops the game.
"""

import logging
import time
from typing import Any

from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from shared.streams import LoopGuard, StreamCounters

log = logging.getLogger(__name__)

CHECK_S = 0.01
"""Seconds between two looks at the backlog: the hold engages within this (plus the emulators' poll)."""
STALL_S = 10.0
"""Updates owed and none made for this long: training is stuck (failing updates), the emulators are let go.
Longer than any checkpoint write, so a slow save does not count as a stall."""


class Hold:
    """Sets, renews and deletes the hold key from the learner's backlog; counts how often and how long."""

    def __init__(self, learner: Learner, client: Any, settings: LearnerSettings, counters: StreamCounters) -> None:
        self.learner = learner
        self.client = client
        self.key = settings.keys.hold
        self.slack = settings.hold_slack
        self.ttl_ms = settings.hold_ttl_ms
        self.instance = settings.instance
        self.holding = False
        self.holds = 0
        """Times the emulators were held."""
        self.held_s = 0.0
        """Time the emulators were held (finished holds, plus the current one)."""
        self._since = 0.0
        self._renewed = 0.0
        self._updates = learner.agent.updates
        self._progress = time.monotonic()
        """When training last made an update (or owed none)."""
        self._guard = LoopGuard("learner hold", settings.streams, counters, logger=log)

    async def run(self) -> None:
        """Turns every `CHECK_S` until cancelled; a failed turn (Redis down) is retried after its delay."""
        await self._guard.run(self.turn, interval=CHECK_S)

    async def turn(self) -> None:
        now = time.monotonic()
        backlog = self.learner.backlog
        updates = self.learner.agent.updates
        if updates != self._updates or backlog == 0:
            self._updates, self._progress = updates, now
        stalled = now - self._progress > STALL_S
        if self.holding:
            if stalled:
                log.warning("no update for %.0f s with %d owed: the emulators go on (training fails)", STALL_S, backlog)
                await self.release()
            elif backlog <= self.slack // 2:
                await self.release()
            elif now - self._renewed >= self.ttl_ms / 3000:
                await self._set(now)
        elif backlog > self.slack and not stalled:
            await self._set(now)
            self.holding = True
            self.holds += 1
            self._since = now

    async def release(self) -> None:
        """Delete the key (the emulators go on at their next poll) and count the hold's time."""
        if not self.holding:
            return
        await self.client.delete(self.key)
        self.holding = False
        self.held_s += time.monotonic() - self._since

    async def _set(self, now: float) -> None:
        await self.client.set(self.key, self.instance, px=self.ttl_ms)
        self._renewed = now

    def counters(self) -> dict[str, int | float]:
        """The heartbeat's share (the same names as the emulators' own)."""
        held_s = self.held_s + (time.monotonic() - self._since if self.holding else 0.0)
        return {"holds": self.holds, "held_ms": round(held_s * 1000), "holding": int(self.holding)}
