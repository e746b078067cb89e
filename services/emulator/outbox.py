"""What the step sends (frames, plan requests, episodes, events), sent without the step waiting for it.

A Redis round trip costs about half as much as emulating a step, so the step hands its frame
(and plan request, and events) to this queue and goes on; one sender task takes everything
queued, sends it in one round trip with the inbox's read (`exchange`: the publisher writes and
reads, the rows go to the `Inbox`), and is ready for the next batch. Messages queued within
`coalesce_s` of each other go out together: a round trip has a fixed Python cost that one step's
frame would pay alone. A single sender keeps the frames in order. The queue is bounded: a Redis
that is up but slow makes the step wait rather than letting memory grow.

So a frame goes one way: the step loop → here → the publisher → `frames:{env}`; what arrives goes
the other: the publisher's read → the inbox → the step loop.
"""

import asyncio
import logging
from typing import Any, Literal

from redis.exceptions import ResponseError

from services.emulator.inbox import Inbox
from shared.messages import Event, Message
from shared.streams import Publisher

log = logging.getLogger(__name__)

Outgoing = list[tuple[str, Message]]


class Outbox:
    def __init__(
        self,
        publisher: Publisher,
        inbox: Inbox,
        *,
        service: str,
        instance: str,
        env: str,
        max_pending: int = 64,
        coalesce_s: float = 0.0,
    ) -> None:
        self.publisher = publisher
        self.inbox = inbox
        self.events_stream = publisher.keys.events
        self._event_source = {"service": service, "instance": instance, "env": env}
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

    async def event(
        self,
        kind: str,
        message: str,
        level: Literal["info", "warning", "error"] = "info",
        data: dict[str, Any] | None = None,
    ) -> None:
        """Something a person watching the run should see, queued like a frame."""
        event = Event(kind=kind, message=message, level=level, data=data or {}, **self._event_source)
        await self.put([(self.events_stream, event)])

    async def drain(self) -> None:
        """Wait until everything queued so far has been handed over (before a lockstep exchange)."""
        if not self._idle.is_set():
            self._flush_now.set()
        await self._idle.wait()

    async def exchange(self, outgoing: Outgoing | None = None, block_ms: int = 0) -> bool:
        """Send `outgoing` now and take what arrived into the inbox, in one round trip, waiting up to `block_ms`
        for something to arrive. False when Redis could not be reached (the messages are then buffered)."""
        outgoing = outgoing or []
        read = await self.inbox.reading()
        if read is None:
            await self.publisher.publish_many(outgoing)
            return False
        try:
            rows = await self.publisher.publish_then_read(outgoing, read, block_ms=block_ms)
        except ResponseError as exc:  # e.g. a key of the wrong type where a stream should be
            self.inbox.unreadable(exc)
            return True
        if rows is None:
            return False
        await self.inbox.receive(rows)
        return True

    async def run(self) -> None:
        """The sender: what was queued goes out in one round trip (and the inbox comes in), batch after batch."""
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
                await self.exchange(batch)
            except Exception:  # the loop boundary: one failed batch must not stop the sending
                self.failures += 1
                log.exception("sending %d messages failed; they are lost", len(batch))
            finally:
                self.batches += 1
                if not self._queue:
                    self._idle.set()
