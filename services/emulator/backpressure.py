"""Backpressure: the step stops while the learner says training is behind its replay ratio.

The learner (in `replay_ratio_mode=hold`) sets `keys.hold` with a short TTL while it owes
more updates than its slack, renews it while it stays behind, and deletes it when it has
caught up. Here a background task looks at the key every `hold_poll_ms` (20 ms, the step
loop's turn) while a learner is alive, so the step reads a bool and never pays a round trip for it; while the key is
set and the learner's heartbeat is alive (`Peers.learner`), the step loop awaits instead of
stepping (commands and pause/resume still come in, see `StepLoop.run`).

Never a deadlock: a learner that dies stops renewing the key, which expires after its TTL
(the learner's `hold_ttl_ms`, 1 s by default), and its heartbeat goes stale after the
heartbeat TTL. So an emulator resumes at most `hold_ttl_ms + hold_poll_ms` after the learner's
last renewal, whichever of the two goes first. A Redis that cannot be reached counts as no
hold: the game goes on.
"""

import asyncio
import logging
import time
from contextlib import suppress

from services.emulator.peers import Peers
from shared.keys import Keys
from shared.streams import LoopGuard, StreamCounters, StreamSettings

log = logging.getLogger(__name__)


class Backpressure:
    """Whether the learner holds the game back, checked in the background; `held` is read for free."""

    def __init__(
        self,
        peers: Peers,
        keys: Keys,
        interval: float,
        settings: StreamSettings | None = None,
        counters: StreamCounters | None = None,
    ) -> None:
        self.peers = peers
        self.key = keys.hold
        self.interval = interval
        self.holds = 0
        """Times the step stopped for the learner."""
        self.held_s = 0.0
        """Time the step spent stopped for the learner."""
        self._key_set = False
        self._holding = False
        self._released = asyncio.Event()
        self._released.set()
        self._guard = LoopGuard("hold check", settings or StreamSettings(), counters or StreamCounters(), logger=log)

    @property
    def held(self) -> bool:
        """The learner asks the game to wait, and is alive to catch up."""
        return self._key_set and self.peers.learner

    async def wait(self, timeout: float) -> None:
        """Called by the step loop while `held`: wait up to `timeout` for the release, and count the time."""
        if not self._holding:
            self._holding = True
            self.holds += 1
            log.debug("held back: the learner is behind its replay ratio")
        started = time.monotonic()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), timeout)
        self.held_s += time.monotonic() - started

    def counters(self) -> dict[str, int | float]:
        """The heartbeat's share: how often and how long the game was held back, and whether it is now."""
        return {"holds": self.holds, "held_ms": round(self.held_s * 1000), "held": int(self.held)}

    async def run(self) -> None:
        """Check the key every `interval` until cancelled; a failed check counts as no hold."""
        await self._guard.run(self._check_or_release, interval=self.interval)

    async def _check_or_release(self) -> None:
        if not self.peers.learner:  # no learner alive, no hold to honour: no round trip 50 times a second
            self._set(False)
            return
        try:
            self._set(bool(await self.peers.client.exists(self.key)))
        except Exception:
            self._set(False)
            raise

    def _set(self, key_set: bool) -> None:
        self._key_set = key_set
        if self.held:
            self._released.clear()
            return
        self._released.set()
        if self._holding:
            self._holding = False
            log.debug("released: the learner caught up (or is gone)")
