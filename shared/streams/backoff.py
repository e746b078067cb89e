"""Exponential backoff with a cap and jitter, and the "known down, retry after" state built on it.

The one way a delay before a retry is computed in crystal-rl: the streams layer's loops and
publisher (so a Redis outage produces one warning per retry with its delay, never a tight error
loop, and a returning Redis is noticed within `backoff_max` seconds), the supervisor's restarts
of a dead child, the planner's retries of a model call, and the training thread's pauses after
a failed update. Each caller keeps its own `Backoff`, so each counts its own failures.
"""

import random
import time
from collections.abc import Callable


class Backoff:
    """Delays `initial * 2**n`, capped at `cap`, the last `jitter` fraction of each drawn at random.

    The delay never exceeds `cap` and never falls below `(1 - jitter)` of the exponential value:
    `jitter=0` gives the exponential delays exactly, `jitter=1` is "full jitter" (anywhere up to
    them). `initial=0` retries at once, every time.
    """

    def __init__(
        self, initial: float, cap: float, jitter: float = 0.2, rng: Callable[[], float] = random.random
    ) -> None:
        if not 0 <= initial <= cap:
            raise ValueError(f"backoff needs 0 <= initial <= cap (got initial={initial}, cap={cap})")
        if not 0 <= jitter <= 1:
            raise ValueError(f"backoff jitter must be within [0, 1] (got {jitter})")
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self._rng = rng
        self.attempt = 0
        """Failures since the last success."""

    def next_delay(self) -> float:
        """The delay before the next retry; each call counts one more failure."""
        base = min(self.cap, self.initial * 2 ** min(self.attempt, 60))
        self.attempt += 1
        return base * (1 - self.jitter * self._rng())

    def reset(self) -> None:
        self.attempt = 0


class Availability:
    """Whether Redis is believed reachable, so callers that must not wait (publish) can skip trying.

    After a failure, `ready()` is False until the backoff delay has passed; then one attempt
    is let through, and its outcome either restores the state or doubles the delay.
    """

    def __init__(self, backoff: Backoff, clock: Callable[[], float] = time.monotonic) -> None:
        self.backoff = backoff
        self._clock = clock
        self._retry_at = 0.0
        self.down = False

    def ready(self) -> bool:
        """True when an attempt may be made now."""
        return not self.down or self._clock() >= self._retry_at

    def failed(self) -> float:
        """Record a failure; return the delay before the next attempt."""
        delay = self.backoff.next_delay()
        self.down = True
        self._retry_at = self._clock() + delay
        return delay

    def retry_in(self) -> float:
        """Seconds until the next attempt may be made (0 when Redis is believed up)."""
        return max(0.0, self._retry_at - self._clock()) if self.down else 0.0

    def succeeded(self) -> bool:
        """Record a success; True when this ends an outage (the caller logs the recovery)."""
        was_down = self.down
        self.down = False
        self.backoff.reset()
        return was_down
