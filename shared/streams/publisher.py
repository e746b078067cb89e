"""Typed publishing: a `Message` in, `XADD ... MAXLEN ~ N` out, and never an exception for an outage.

The emulator's step loop publishes every frame, so `publish` must neither raise nor wait
when Redis is gone: after a failure it only buffers (in order, bounded, oldest dropped and
counted) until the backoff delay has passed, then one attempt flushes the buffer in batches
before anything new is written. Every stream's length comes from `StreamSettings`.

A write whose reply never came may still have landed: Redis applies a command and can then
die, or drop the connection, before its reply goes out. Its messages are buffered like any
others, but before they are written again the publisher looks for them in their streams, so
an outage costs no frame twice.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.keys import Keys
from shared.messages import Fields, Message
from shared.streams.backoff import Availability
from shared.streams.codec import as_text
from shared.streams.connection import RedisPart, is_transient
from shared.streams.counters import StreamCounters
from shared.streams.loop import cancelled
from shared.streams.pipeline import Arg, raise_first_error, round_trip, stream_entries
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Entry:
    """A message encoded once, ready to be written now or after an outage."""

    stream: str
    fields: dict[str, bytes | str]
    maxlen: int


Write = Callable[[list[_Entry]], Awaitable[list[Any]]]
"""One round trip that XADDs its entries first (their replies first, in order), and maybe more after."""


class Publisher(RedisPart):
    """Writes messages to streams, buffering while Redis is unreachable.

    `stream` arguments are full key names from `shared.keys.Keys` (`keys.frames("0")`), so
    the prefix is applied in one place; `keys` here only classifies a stream for its length.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        keys: Keys,
        settings: StreamSettings | None = None,
        counters: StreamCounters | None = None,
        client: Redis | None = None,
    ) -> None:
        self.settings = settings or StreamSettings()
        self.keys = keys
        self.counters = counters or StreamCounters()
        self._maxlens: dict[str, int] = {}
        # every exchange is bounded here, by `publish_timeout` (plus a read's BLOCK): the client's own would cost
        # a task per write and a timer per reply, on the step's thread
        connect = {"connect_timeout": min(self.settings.connect_timeout, self.settings.publish_timeout)}
        self._connect(redis_url, client, self.settings.model_copy(update=connect), reply_timeout=False)
        self.availability = Availability(self.settings.backoff())
        self._buffer: deque[_Entry] = deque()
        self._uncertain = 0
        """How many of the buffer's first entries a failed write sent: they may be in Redis already."""
        self._last_ids: dict[str, bytes] = {}
        """Each stream's newest entry this publisher wrote: where to look for a write that may have landed."""
        self._lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None

    @property
    def backlog(self) -> int:
        """Messages waiting in memory for Redis to come back."""
        return len(self._buffer)

    async def publish(self, stream: str, message: Message) -> str | None:
        """Append `message` to `stream`; the entry id, or None when it was buffered (or dropped)."""
        ids = await self.publish_many([(stream, message)])
        return ids[0] if ids else None

    async def publish_many(self, items: Iterable[tuple[str, Message]]) -> list[str | None] | None:
        """Append several messages in one round trip, in order.

        Returns one id per message (None for one Redis rejected, logged and counted as
        dropped), or None when they were buffered because Redis is unreachable.
        """
        entries = [self._encode(stream, message) for stream, message in items]
        if not entries:
            return []
        return await self._publish(entries, self._write)

    async def publish_then_read(
        self, items: Iterable[tuple[str, Message]], read: Mapping[str, str], count: int = 64, block_ms: int = 0
    ) -> list[tuple[str, str, Fields | None]] | None:
        """Publish `items` and read what follows each id in `read` (plain XREAD), in one round trip.

        The emulator's step: its frame goes out and its inbox comes back without a second round
        trip, and with `block_ms` the read waits for an answer to that very frame. Returns the
        entries read as (stream, id, fields), or None when Redis is unreachable (the items are
        then buffered like `publish_many`'s, and nothing was read).
        """
        entries = [self._encode(stream, message) for stream, message in items]
        replies = await self._publish(entries, lambda some: self._write_and_read(some, read, count, block_ms))
        if replies is None:
            return None
        rows = replies[-1]
        if isinstance(rows, Exception):
            raise rows
        return [(stream, entry_id, fields) for stream, entries in stream_entries(rows) for entry_id, fields in entries]

    async def _publish(self, entries: list[_Entry], write: Write) -> list[Any] | None:
        """`write` the entries after whatever is buffered, or buffer them too; see `_send` for the replies."""
        async with self._lock:
            if self._buffer and self.availability.ready():
                await self._flush_batch()
            if self._buffer or not self.availability.ready():
                self._enqueue(entries)
                return None
            replies = await self._send(entries, write)
            if replies is None:
                self._enqueue(entries, sent=True)
            return replies

    async def _write_and_read(
        self, entries: list[_Entry], read: Mapping[str, str], count: int, block_ms: int
    ) -> list[Any]:
        xread: list[Arg] = ["XREAD", "COUNT", count]
        if block_ms:
            xread += ["BLOCK", block_ms]
        xread += ["STREAMS", *read.keys(), *read.values()]
        timeout = self.settings.publish_timeout + block_ms / 1000
        return raise_first_error(await self._trip([*map(_xadd, entries), xread], timeout), is_transient)

    async def drain(self) -> bool:
        """Flush the whole buffer now if Redis answers; True when nothing is left buffered."""
        async with self._lock:
            while self._buffer:
                if not self.availability.ready() or not await self._flush_batch():
                    return False
            return True

    async def _finish(self) -> None:
        """Flush what can be flushed and count the rest as dropped (then `aclose` closes an owned client)."""
        await cancelled([self._flusher])
        await self.drain()
        if self._buffer:
            log.warning("closing with %d buffered messages unwritten (Redis unreachable)", len(self._buffer))
            self.counters.dropped += len(self._buffer)
            self._buffer.clear()
            self._uncertain = 0

    def _encode(self, stream: str, message: Message) -> _Entry:
        maxlen = self._maxlens.get(stream)
        if maxlen is None:  # a handful of streams, each looked up once, not once per frame
            maxlen = self._maxlens[stream] = self.settings.maxlen_for(self.keys, stream)
        return _Entry(stream, message.to_fields(), maxlen)

    def _enqueue(self, entries: list[_Entry], sent: bool = False) -> None:
        """Buffer `entries` after the ones already waiting; `sent` when a failed write sent them (only ever
        with an empty buffer: nothing is written directly while anything waits)."""
        for entry in entries:
            if len(self._buffer) >= self.settings.publish_buffer:
                self._buffer.popleft()
                self._uncertain = max(self._uncertain - 1, 0)
                self.counters.dropped += 1
            self._buffer.append(entry)
            self.counters.buffered += 1
        if sent:
            self._uncertain = len(self._buffer)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_back(), name="publisher:flush")

    async def _flush_when_back(self) -> None:
        """The buffer goes out as soon as Redis answers again, whether or not anything else is published: a
        service that publishes now and then (an event, a plan) would otherwise hold it until its next message."""
        while self._buffer:
            await asyncio.sleep(max(self.availability.retry_in(), 0.01))
            try:
                await self.drain()
            except Exception:  # not an outage (those are retried inside): a bug, said once, not looped on
                log.exception("flushing %d buffered messages failed", len(self._buffer))
                return

    async def _flush_batch(self) -> bool:
        """Write the oldest `flush_batch` buffered entries; False when Redis failed (they stay buffered).

        Entries a failed write sent are all settled in the first batch, however many: once anything
        newer is written, the place to look for them is no longer the end of their streams.
        """
        size = min(len(self._buffer), max(self.settings.flush_batch, self._uncertain))
        batch = [self._buffer[i] for i in range(size)]
        results = await self._send(batch, self._write, sent=self._uncertain > 0)
        if results is None:
            self._uncertain = max(self._uncertain, size)
            return False
        self._uncertain = 0
        for _ in batch:
            self._buffer.popleft()
        if not self._buffer:
            log.info("buffer flushed: Redis has every message published during the outage")
        return True

    async def _send(self, entries: list[_Entry], write: Write, sent: bool = False) -> list[Any] | None:
        """`write` the entries in one round trip; None when Redis is unreachable (nothing counted as sent).

        The replies come back with each entry's id in its XADD reply's place (None for one Redis
        rejected, counted as dropped), followed by whatever else `write` read. `sent` when a failed
        write sent these entries before: the ones Redis has are not written again.
        """
        try:
            replies = await (self._unwritten(entries, write) if sent else self._retried(entries, write))
        except Exception as exc:
            if not is_transient(exc):
                raise
            self._failed(exc)
            return None
        if self.availability.succeeded():
            self.counters.reconnects += 1
            log.info("Redis reachable again; %d buffered messages to flush", len(self._buffer))
        added = len(entries)
        return [self._result(entry, reply) for entry, reply in zip(entries, replies, strict=False)] + replies[added:]

    async def _retried(self, entries: list[_Entry], write: Write) -> list[Any]:
        """`write(entries)`, and once more at once when its connection broke while Redis was believed up.

        After a restart every pooled connection is stale, and the first command on each fails
        even though a fresh connection would work (a refused connect costs no time). The first
        attempt may have landed all the same, so the second writes only what Redis lacks.
        """
        try:
            return await write(entries)
        except RedisConnectionError:
            if self.availability.down:
                raise
            return await self._unwritten(entries, write)

    async def _unwritten(self, entries: list[_Entry], write: Write) -> list[Any]:
        """`write` the entries their streams lack; the replies in `entries`' order, with the ids of those
        found in place of XADD replies (and any replies `write` adds after its XADDs, at the end)."""
        found = await self._find(entries)
        replies = iter(await write([entry for entry, entry_id in zip(entries, found, strict=True) if entry_id is None]))
        in_order: list[Any] = [next(replies) if entry_id is None else entry_id for entry_id in found]
        if any(entry_id is not None for entry_id in found):
            log.info("%d messages a failed write sent had landed; not written again", len(entries) - found.count(None))
        return in_order + list(replies)

    async def _find(self, entries: list[_Entry]) -> list[bytes | None]:
        """The id each entry already has in its stream, or None.

        A failed write's entries, if they landed, follow this publisher's last written entry in
        their stream, in order and with exactly these fields; other writers' entries may come
        between. With no entry written yet, the stream's newest entries are searched.
        """
        if not entries:
            return []
        positions: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            positions.setdefault(entry.stream, []).append(index)
        commands: list[list[Arg]] = []
        for stream, indexes in positions.items():
            count = 2 * len(indexes) + 100
            last = self._last_ids.get(stream)
            if last is None:
                commands.append(["XREVRANGE", stream, "+", "-", "COUNT", count])
            else:
                commands.append(["XRANGE", stream, b"(" + last, "+", "COUNT", count])
        replies = raise_first_error(await self._trip(commands), is_transient)
        found: list[bytes | None] = [None] * len(entries)
        for (stream, indexes), rows in zip(positions.items(), replies, strict=True):
            if isinstance(rows, Exception):  # not a stream: the XADD will be rejected and counted as usual
                continue
            stored = rows if stream in self._last_ids else rows[::-1]
            waiting = iter(indexes)
            index = next(waiting)
            for entry_id, flat in stored:
                if flat is not None and _same(entries[index].fields, flat):
                    found[index] = entry_id
                    index = next(waiting, -1)
                    if index < 0:
                        break
        return found

    async def _write(self, entries: list[_Entry]) -> list[Any]:
        """Every XADD in one round trip. A rejection that waiting can cure (LOADING, OOM, ...) fails the
        whole write, so it is retried rather than dropped; any other comes back in its entry's place."""
        return raise_first_error(await self._trip([_xadd(entry) for entry in entries]), is_transient)

    async def _trip(self, commands: list[list[Arg]], timeout: float | None = None) -> list[Any]:
        """One round trip, within `publish_timeout` (or `timeout`): the step that publishes must not wait longer."""
        return await round_trip(self.client, commands, timeout or self.settings.publish_timeout)

    def _result(self, entry: _Entry, reply: Any) -> str | None:
        if isinstance(reply, Exception):
            self.counters.dropped += 1
            log.error("Redis rejected a message for %s, dropped: %s", entry.stream, reply)
            return None
        self.counters.published += 1
        self._last_ids[entry.stream] = reply
        return as_text(reply)

    def _failed(self, exc: BaseException) -> None:
        delay = self.availability.failed()
        self.counters.connection_errors += 1
        log.warning(
            "Redis unreachable while publishing (%s: %s); buffering, next attempt in %.2f s (%d buffered)",
            type(exc).__name__,
            exc,
            delay,
            len(self._buffer),
        )


def _same(fields: dict[str, bytes | str], flat: list[bytes]) -> bool:
    """Whether an entry as Redis returned it (field, value, field, value, ...) holds exactly `fields`."""
    return len(flat) == 2 * len(fields) and flat == [_wire(part) for pair in fields.items() for part in pair]


def _wire(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _xadd(entry: _Entry) -> list[Arg]:
    command: list[Arg] = ["XADD", entry.stream, "MAXLEN", "~", entry.maxlen, "*"]
    for name, value in entry.fields.items():
        command += (name, value)
    return command
