"""Reading streams without a group, for the dashboard and the CLI: which streams exist, what Redis says about
them (XINFO), newest pages, id ranges, and a tail.

Nothing is acknowledged or claimed here. Entries are decoded through the models; an entry
that cannot be decoded is returned with its error instead of raising, so one bad entry
never blanks a page.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from redis.asyncio import Redis

from shared.errors import MessageError, RedisUnavailableError
from shared.messages import Fields
from shared.streams.codec import Decoder, M, as_text
from shared.streams.connection import TRANSIENT_ERRORS, RedisPart
from shared.streams.counters import StreamCounters
from shared.streams.info import StreamInfo, consumer_info, group_info, stream_info
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreamEntry(Generic[M]):
    """One entry as read: its message, or the reason it could not be decoded (and its raw fields)."""

    stream: str
    entry_id: str
    message: M | None
    error: str | None = None
    fields: Fields | None = None
    """The raw fields, kept only when decoding failed (for display)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    """Newest-first entries; pass `next_before` as `before` for the next, older page (None: no more)."""

    entries: list[StreamEntry[M]]
    next_before: str | None


class StreamReader(RedisPart, Generic[M]):
    """Group-less reads of streams holding `model` messages (or any of a `Decoder`'s models)."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        model: type[M] | Decoder[M],
        settings: StreamSettings | None = None,
        client: Redis | None = None,
        block_ms: int = 1_000,
    ) -> None:
        self.settings = settings or StreamSettings()
        self.decoder: Decoder[M] = model if isinstance(model, Decoder) else Decoder(model)
        self.block_ms = block_ms
        self._connect(redis_url, client, self.settings, block_ms=block_ms)
        self.counters = StreamCounters()

    async def streams(self, pattern: str) -> list[str]:
        """The names of the streams matching the glob `pattern` (SCAN with TYPE stream), sorted."""
        keys = self.client.scan_iter(match=pattern, count=1000, _type="stream")
        return sorted(await self._call(_collect(keys)))

    async def is_stream(self, name: str) -> bool:
        """Whether `name` holds a stream (False for a missing key or another type)."""
        return as_text(await self._call(self.client.type(name))) == "stream"

    async def length(self, stream: str) -> int:
        """Entries in `stream` (XLEN; 0 for a missing stream)."""
        return int(await self._call(self.client.xlen(stream)))

    async def info(self, stream: str, consumers: bool = True) -> StreamInfo:
        """XINFO STREAM and GROUPS of `stream`, and each group's consumers (XINFO CONSUMERS) when `consumers`.

        A stream deleted meanwhile raises redis-py's `ResponseError` ("no such key").
        """
        raw = await self._call(self.client.xinfo_stream(stream))
        groups = []
        for group in await self._call(self.client.xinfo_groups(stream)):
            listed = []
            if consumers:
                rows = await self._call(self.client.xinfo_consumers(stream, as_text(group["name"])))
                listed = [consumer_info(row) for row in rows]
            groups.append(group_info(group, listed))
        return stream_info(stream, raw, groups)

    async def latest(
        self, stream: str, count: int = 50, before: str | None = None, after: str | None = None
    ) -> Page[M]:
        """The newest `count` entries older than `before` and newer than `after` (both exclusive), newest first
        (XREVRANGE)."""
        top = f"({before}" if before else "+"
        bottom = f"({after}" if after else "-"
        rows = await self._call(self.client.xrevrange(stream, max=top, min=bottom, count=count))
        entries = [self._entry(stream, raw_id, fields) for raw_id, fields in rows]
        next_before = entries[-1].entry_id if len(entries) == count else None
        return Page(entries, next_before)

    async def range(self, stream: str, start: str = "-", end: str = "+", count: int = 100) -> list[StreamEntry[M]]:
        """Entries from `start` to `end` (inclusive; "(id" for exclusive), oldest first (XRANGE)."""
        rows = await self._call(self.client.xrange(stream, min=start, max=end, count=count))
        return [self._entry(stream, raw_id, fields) for raw_id, fields in rows]

    async def tail(
        self, streams: Mapping[str, str], count: int = 100, block_ms: int | None = None
    ) -> list[StreamEntry[M]]:
        """Entries after each stream's id (plain XREAD, blocking up to `block_ms`); [] when none came.

        `block_ms=0` returns at once (Redis's own BLOCK 0 would wait forever, which no caller wants).
        """
        block = self.block_ms if block_ms is None else block_ms
        reply = await self._call(self.client.xread(dict(streams), count=count, block=block or None))
        return [self._entry(as_text(stream), raw_id, fields) for stream, rows in reply or [] for raw_id, fields in rows]

    async def last_id(self, stream: str) -> str:
        """The id of the newest entry ("0-0" for an empty or missing stream): where a tail starts."""
        rows = await self._call(self.client.xrevrange(stream, count=1))
        return as_text(rows[0][0]) if rows else "0-0"

    def _entry(self, stream: str, raw_id: Any, fields: Fields | None) -> StreamEntry[M]:
        entry_id = as_text(raw_id)
        try:
            return StreamEntry(stream, entry_id, self.decoder.decode(fields))
        except MessageError as exc:
            return StreamEntry(stream, entry_id, None, str(exc), fields)

    async def _call(self, awaitable: Awaitable[Any]) -> Any:
        try:
            return await awaitable
        except TRANSIENT_ERRORS as exc:
            raise RedisUnavailableError(f"Redis unreachable: {type(exc).__name__}: {exc}") from exc


async def _collect(keys: AsyncIterator[Any]) -> list[str]:
    return [as_text(key) async for key in keys]
