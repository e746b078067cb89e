"""Bounded retries with backoff, and a circuit breaker, around any `ChatBackend`.

When the model host is down, asking it for every request would only stack timeouts while the
requests go stale. The breaker opens after a few consecutive failures: the planner then
answers nothing (the emulator plays on with the DQN and its rules) and says so in its heartbeat
and events. After `reset_s` one call is let through; if it works, planning resumes by itself.
"""

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from services.llm_planner.backends.base import BackendError, ChatBackend
from services.llm_planner.prompt import ChatMessage
from shared.streams import Backoff

log = logging.getLogger(__name__)


class BreakerState(enum.StrEnum):
    CLOSED = "up"
    """Calls go through."""
    OPEN = "down"
    """The back end failed `failures` times in a row; calls are refused until `reset_s` has passed."""
    HALF_OPEN = "probing"
    """One trial call is in flight; its outcome closes or reopens the breaker."""


class BackendDown(BackendError):
    """The circuit breaker is open: the back end is not asked at all."""


StateListener = Callable[[BreakerState, BreakerState, str], None]


class CircuitBreaker:
    """Consecutive-failure breaker with a single trial call after a cool-down. Not thread-safe; one loop."""

    def __init__(
        self,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: StateListener | None = None,
    ) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self.clock = clock
        self.on_change = on_change
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.opened_at = 0.0
        self.last_error = ""
        self.times_opened = 0

    def allow(self) -> bool:
        """May a call go out now? In the open state, the first caller after the cool-down becomes the trial."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN and self.clock() - self.opened_at >= self.reset_s:
            self._move(BreakerState.HALF_OPEN, "cool-down over; trying one call")
            return True
        return False

    def record_success(self) -> None:
        self.consecutive_failures = 0
        if self.state is not BreakerState.CLOSED:
            self._move(BreakerState.CLOSED, "a call succeeded")

    def record_failure(self, error: str) -> None:
        self.consecutive_failures += 1
        self.last_error = error
        if self.state is BreakerState.HALF_OPEN or (
            self.state is BreakerState.CLOSED and self.consecutive_failures >= self.failures
        ):
            self.opened_at = self.clock()
            self.times_opened += 1
            self._move(BreakerState.OPEN, error)

    def abandon_trial(self, why: str) -> None:
        """A trial call ended without an outcome (cancelled): back to open, next trial after a cool-down."""
        if self.state is BreakerState.HALF_OPEN:
            self.opened_at = self.clock()
            self._move(BreakerState.OPEN, why)

    def _move(self, new: BreakerState, why: str) -> None:
        old, self.state = self.state, new
        log.log(
            logging.WARNING if new is BreakerState.OPEN else logging.INFO,
            "model back end %s -> %s: %s",
            old.value,
            new.value,
            why,
        )
        if self.on_change is not None:
            self.on_change(old, new, why)


class GuardedBackend:
    """A back end behind retries and a breaker; `chat` raises `BackendDown` instead of calling a dead host."""

    def __init__(
        self,
        backend: ChatBackend,
        breaker: CircuitBreaker,
        retries: int,
        retry_delays: Callable[[], Backoff],
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.backend = backend
        self.breaker = breaker
        self.retries = retries
        self.retry_delays = retry_delays
        """Fresh delays for each call's retries (`PlannerSettings.retry_backoff`): calls in flight at once
        count their failures apart."""
        self.sleep = sleep
        self.calls = 0
        self.retried = 0
        self.errors = 0

    async def chat(
        self, messages: list[ChatMessage], schema: dict[str, Any] | None, extra: Mapping[str, Any] | None = None
    ) -> str:
        if not self.breaker.allow():
            raise BackendDown(f"model back end is down ({self.breaker.last_error})")
        delays = self.retry_delays()
        while True:
            self.calls += 1
            try:
                text = await self.backend.chat(messages, schema, extra)
            except BackendError as exc:
                self.errors += 1
                # A half-open trial gets no retries: one failure is enough to know it is still down.
                retryable = exc.retryable and delays.attempt < self.retries
                if retryable and self.breaker.state is not BreakerState.HALF_OPEN:
                    delay = delays.next_delay()
                    self.retried += 1
                    log.warning(
                        "model call failed (%s); retry %d/%d in %.2f s", exc, delays.attempt, self.retries, delay
                    )
                    await self.sleep(delay)
                    continue
                self.breaker.record_failure(str(exc))
                raise
            except BaseException:
                # Cancelled mid-trial (the request's budget ran out, or shutdown): the outcome is unknown,
                # so go back to open and let a caller after the next cool-down try again.
                self.breaker.abandon_trial("the trial call was cancelled before it answered")
                raise
            self.breaker.record_success()
            return text
