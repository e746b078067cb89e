"""The reconnect policy of long-running loops (consumer, heartbeat): classify, warn once per retry, wait.

A loop keeps its own state across an outage; only the failed step is retried, after an
exponential, capped, jittered delay that `stop` can cut short.
"""

import asyncio
import logging
from contextlib import suppress

from shared.streams.counters import StreamCounters
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)


class Reconnect:
    """Backoff bookkeeping for one loop: `failed` waits before the next try, `succeeded` ends an outage."""

    def __init__(self, what: str, settings: StreamSettings, counters: StreamCounters) -> None:
        self.what = what
        self.counters = counters
        self.backoff = settings.backoff()
        self._errors = settings.backoff()
        """Separate delays for non-outage failures, so they neither count nor log as reconnects."""

    @property
    def down(self) -> bool:
        return self.backoff.attempt > 0

    async def failed(self, exc: BaseException, stop: asyncio.Event | None = None) -> None:
        """Log one warning with the delay, count it, and wait that long (or until `stop` is set)."""
        delay = self.backoff.next_delay()
        self.counters.connection_errors += 1
        log.warning(
            "%s: Redis unreachable (%s: %s); retry %d in %.2f s",
            self.what,
            type(exc).__name__,
            exc,
            self.backoff.attempt,
            delay,
        )
        await _sleep(delay, stop)

    async def pause(self, stop: asyncio.Event | None = None) -> None:
        """Wait the next backoff delay after a failure that is not an outage (already logged by the caller)."""
        await _sleep(self._errors.next_delay(), stop)

    def succeeded(self) -> None:
        self._errors.reset()
        if self.down:
            self.counters.reconnects += 1
            log.info("%s: Redis reachable again after %d failed attempts", self.what, self.backoff.attempt)
            self.backoff.reset()


async def _sleep(delay: float, stop: asyncio.Event | None) -> None:
    if stop is None:
        await asyncio.sleep(delay)
        return
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
