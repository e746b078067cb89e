"""What the step sends, sent without the step waiting for it.

Messages queued within `coalesce_s` of each other go out together: a round trip has a
fixed Python cost (framing the write, reading the replies) that one step's frame would pay alone.

A Redis round trip costs about half as much as emulating a step, so the step hands its
frame (and plan request, and events) to this queue and goes on; one sender task takes
everything queued, sends it in one round trip with the inbox read, and is ready for the
next batch. A single sender keeps the frames in order. The queue is bounded: a Redis
that is up but slow makes the step wait rather than letting memory grow.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.messages import Message

log = logging.getLogger(__name__)

Outgoing = list[tuple[str, Message]]
Deliver = Callable[[Outgoing], Awaitable[None]]


class Outbox:
    def __init__(self, deliver: Deliver, max_pending: int = 64, coalesce_s: float = 0.0) -> None:
        self._deliver = deliver
        self.coalesce_s = coalesce_s
        self.max_pending = max_pending
        self._queue: Outgoing = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_now = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self.batches = 0
        self.failures = 0

    async def put(self, outgoing: Outgoing) -> None:
        """Queue messages for the sender; waits only when the queue is full."""
        await self._room.wait()
        self._queue.extend(outgoing)
        self._idle.clear()
        self._wake.set()
        if len(self._queue) >= self.max_pending:
            self._room.clear()

    async def drain(self) -> None:
        """Wait until everything queued so far has been handed over (before a lockstep exchange)."""
        if not self._idle.is_set():
            self._flush_now.set()
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            if self.coalesce_s and not self._flush_now.is_set():
                # let a few steps' messages gather: one round trip (and its fixed Python cost) for all of them
                timer = asyncio.get_running_loop().call_later(self.coalesce_s, self._flush_now.set)
                await self._flush_now.wait()
                timer.cancel()
            self._flush_now.clear()
            self._wake.clear()
            batch, self._queue = self._queue, []
            self._room.set()
            try:
                await self._deliver(batch)
            except Exception:  # the loop boundary: one failed batch must not stop the sending
                self.failures += 1
                log.exception("sending %d messages failed; they are lost", len(batch))
            finally:
                self.batches += 1
                if not self._queue:
                    self._idle.set()
