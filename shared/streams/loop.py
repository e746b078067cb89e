"""The one loop boundary: every long-running loop's failures are classified, logged, counted and waited out.

A loop (a consumer's reads, a heartbeat, the dashboard's reader, the learner's stats and
start-up, the emulator's peer checks) runs its work one turn at a time through a `LoopGuard`:

- a turn that fails because Redis is unreachable, restarting or refusing writes for now
  (`is_transient`) is retried after a backoff delay, with one warning per retry that says the
  delay, counted as a connection error; the first success after it is logged and counted as a
  reconnect;
- any other failure is a bug or bad data: it is logged with its traceback (`logger.exception`),
  counted as a loop error, and the loop pauses for a delay of its own, which also grows while
  failures repeat;
- then the loop goes on. Only `stop` or cancellation ends it: nothing is swallowed, and no
  failure repeats in a tight loop.

A loop keeps its own state across an outage; only the failed turn is tried again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import Any

from shared.errors import RedisUnavailableError
from shared.streams.connection import is_transient
from shared.streams.counters import StreamCounters
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)

Turn = Callable[[], Awaitable[object]]


class LoopGuard:
    """The boundary of one loop: `turn` runs one turn and deals with its failure; `run` and `until_done` loop.

    `what` names the loop in every log line ("consumer learner/c1"); `logger` is the loop's module's,
    so its lines carry that module's name. `stop` cuts every wait short and ends `run` and `until_done`.
    """

    def __init__(
        self,
        what: str,
        settings: StreamSettings,
        counters: StreamCounters,
        stop: asyncio.Event | None = None,
        logger: logging.Logger = log,
    ) -> None:
        self.what = what
        self.counters = counters
        self.stop = stop if stop is not None else asyncio.Event()
        self.log = logger
        self.outage = settings.backoff()
        """Delays between retries while Redis is unreachable."""
        self.errors = settings.backoff()
        """Delays after other failures: apart, so they neither count nor log as an outage."""

    @property
    def down(self) -> bool:
        """The last turn failed because Redis was unreachable."""
        return self.outage.attempt > 0

    async def turn(self, work: Turn) -> bool:
        """Run one turn of the loop: True when it succeeded; after a failure, False once its delay has passed."""
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self.failed(exc)
            return False
        self.succeeded()
        return True

    async def run(self, work: Turn, interval: float = 0.0) -> None:
        """Turns until `stop` is set, `interval` seconds after each success; a failed one is retried after its delay."""
        while not self.stop.is_set():
            if await self.turn(work) and interval > 0:
                await self.wait(interval)

    async def until_done(self, work: Turn) -> bool:
        """Turns until one succeeds (True) or `stop` is set (False): a start-up step that must happen once."""
        while not self.stop.is_set():
            if await self.turn(work):
                return True
        return False

    async def failed(self, exc: Exception) -> None:
        """Classify, log and count `exc`, then wait the delay its kind calls for (or until `stop`)."""
        if is_transient(exc):
            cause = exc.__cause__ if isinstance(exc, RedisUnavailableError) and exc.__cause__ else exc
            delay = self.outage.next_delay()
            self.counters.connection_errors += 1
            self.log.warning(
                "%s: Redis unreachable (%s: %s); retry %d in %.2f s",
                self.what, type(cause).__name__, cause, self.outage.attempt, delay,
            )  # fmt: skip
        else:
            delay = self.errors.next_delay()
            self.counters.loop_errors += 1
            self.log.exception("%s: unexpected error; going on in %.2f s", self.what, delay, exc_info=exc)
        await self.wait(delay)

    def succeeded(self) -> None:
        """A turn went through: an outage (if any) is over, and the pause after errors starts short again."""
        self.errors.reset()
        if self.down:
            self.counters.reconnects += 1
            self.log.info("%s: Redis reachable again after %d failed attempts", self.what, self.outage.attempt)
            self.outage.reset()

    async def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less if `stop` is set meanwhile."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)


CANCEL_AGAIN_S = 0.1
"""How long a cancelled task gets before it is cancelled again: a cancellation that lands while a timeout expires
can be taken for the timeout (Python 3.11's `asyncio.timeout`), and a loop would then go on as after an outage."""


async def cancelled(tasks: Iterable[asyncio.Task[Any] | None]) -> None:
    """Cancel `tasks` (None: no task) and wait until each has ended; their own failures are logged, not raised.

    The one way a part stops the loops it started: by then a loop has no work left that matters (its
    last turn's outcome is known to nobody), and a failure there must not hide why the part stopped.
    A task that goes on after its cancellation is cancelled again until it ends.
    """
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()  # (nothing, for one that has ended: its failure is still said below)
    for task in running:
        while not task.done():
            await asyncio.wait([task], timeout=CANCEL_AGAIN_S)
            if not task.done():
                log.debug("%s went on after it was cancelled; cancelled again", task.get_name())
                task.cancel()
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed before it was stopped", task.get_name(), exc_info=task.exception())
