"""Consumer groups: at-least-once delivery of decoded messages to an async handler.

The loop (FastStream's stream subscriber is the model) creates its groups if missing,
reads several streams in one XREADGROUP, acknowledges an entry only after its handler
succeeded, and leaves a failed entry pending so an XAUTOCLAIM sweep retries it (at start,
then every `claim_interval`; entries of a dead consumer are taken over the same way). An
entry that cannot be decoded goes to `dead` and is acknowledged in one transaction; one
that failed its handler `max_deliveries` times goes there too. Redis outages are retried
with backoff without losing the loop's state (streams, counters, pending work).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, Self

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.errors import MessageError
from shared.keys import Keys
from shared.messages import Fields
from shared.streams.codec import Decoder, M, as_text, dead_letter
from shared.streams.connection import RedisPart, is_transient
from shared.streams.counters import StreamCounters
from shared.streams.loop import LoopGuard, cancelled
from shared.streams.pipeline import Command, raise_first_error, round_trip, stream_entries
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery(Generic[M]):
    """One decoded entry handed to a handler."""

    stream: str
    entry_id: str
    message: M
    redelivered: bool = False
    """True when the entry came back through XAUTOCLAIM (a retry, or a dead consumer's leftover)."""


Handler = Callable[[Delivery[M]], Awaitable[None]]


class Consumer(RedisPart, Generic[M]):
    """One consumer (`name`) of one group (`group`) over any number of streams.

    Streams are given at construction, added at runtime (`add_stream`), or discovered by
    glob `patterns` (`keys.frames("*")`) every `discover_interval`. `run()` loops until
    `stop()` or cancellation; `async with consumer:` runs it as a task for the block's length.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        keys: Keys,
        group: str,
        name: str,
        model: type[M] | Decoder[M],
        handler: Handler[M],
        streams: Iterable[str] = (),
        patterns: Iterable[str] = (),
        start_id: str = "0",
        settings: StreamSettings | None = None,
        counters: StreamCounters | None = None,
        client: Redis | None = None,
    ) -> None:
        self.settings = settings or StreamSettings()
        self.keys = keys
        self.group = group
        self.name = name
        self.decoder: Decoder[M] = model if isinstance(model, Decoder) else Decoder(model)
        self.handler = handler
        self.patterns = tuple(patterns)
        self.start_id = start_id
        """Where a group created here starts: "0" keeps what the stream retains, "$" only new entries."""
        self.counters = counters or StreamCounters()
        self._connect(redis_url, client, self.settings, block_ms=self.settings.read_block_ms)
        self.ready = asyncio.Event()
        """Set once the groups exist and the start-up claim sweep has run."""
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._streams: dict[str, bool] = {}
        """Every followed stream, and whether its group is known to exist."""
        for stream in streams:
            self.add_stream(stream)
        self._guard = LoopGuard(f"consumer {group}/{name}", self.settings, self.counters, self._stop, log)
        self._next_claim = 0.0
        self._next_discover = 0.0
        self._task: asyncio.Task[None] | None = None
        self._unacked: dict[str, list[str]] = {}
        """Ids whose handlers succeeded, acknowledged together with the next read."""

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self._streams)

    def add_stream(self, stream: str) -> None:
        """Follow `stream` too (its group is created on the next loop turn, and its leftovers claimed)."""
        if stream not in self._streams:
            self._streams[stream] = False
            self._next_claim = 0.0
            self._wake.set()

    def stop(self) -> None:
        """Ask `run()` to return after the current read (at most `read_block_ms`)."""
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Read, decode, handle and acknowledge until stopped; every failure goes through the loop's `LoopGuard`."""
        self._stop.clear()
        await self._guard.run(self._turn)
        await self._flush_acks()

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self.run(), name=f"consumer:{self.group}:{self.name}")
        return self

    async def _finish(self) -> None:
        """Stop the task started by `async with` (if any) and send the acks still held."""
        self.stop()
        await cancelled([self._task])
        self._task = None
        await self._flush_acks()

    async def _turn(self) -> None:
        """One loop turn; a group found missing is created again on the next."""
        try:
            await self._read_turn()
        except ResponseError as exc:
            if not str(exc).startswith(("NOGROUP", "UNBLOCKED")):
                raise
            # the stream (and its group) was deleted, before or during the blocking read
            log.warning("consumer %s/%s: group missing (%s); creating it again", self.group, self.name, exc)
            self._streams = dict.fromkeys(self._streams, False)

    async def _read_turn(self) -> None:
        """Set up groups, discover and claim when due, then one blocking read."""
        await self._ensure_groups()
        now = time.monotonic()
        if self.patterns and now >= self._next_discover:
            await self._discover()
            await self._ensure_groups()
            self._next_discover = now + self.settings.discover_interval
        if now >= self._next_claim:
            await self._claim_all()
            self._next_claim = now + self.settings.claim_interval
        self.ready.set()
        if not self._streams:
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.read_block_ms / 1000)
            return
        reply = await self._ack_and_read()
        for stream, entries in stream_entries(reply):
            await self._process(stream, entries, redelivered=False)
        # The loop's turn before the next read: what the handlers queued (the learner's answer to
        # these very frames, which an emulator is waiting for) goes out first.
        await asyncio.sleep(0)

    async def _ack_and_read(self) -> Any:
        """Send the acks of the last batch and the next XREADGROUP in one round trip.

        The acks are still sent only after their handlers succeeded; they just travel with
        the next read instead of costing a round trip of their own on the lockstep path.
        If the round trip fails, they are kept and sent again (XACK is idempotent).
        """
        unacked, self._unacked = self._unacked, {}
        commands: list[Command] = [["XACK", stream, self.group, *ids] for stream, ids in unacked.items()]
        streams = list(self._streams)
        commands.append(
            ["XREADGROUP", "GROUP", self.group, self.name, "COUNT", self.settings.read_count,
             "BLOCK", self.settings.read_block_ms, "STREAMS", *streams, *[">"] * len(streams)]
        )  # fmt: skip
        try:
            replies = raise_first_error(await round_trip(self.client, commands))
        except BaseException:
            for stream, ids in unacked.items():
                self._unacked.setdefault(stream, [])[:0] = ids
            raise
        # count what was acknowledged, not XACK's reply: a resent ack whose first reply was lost returns 0
        self.counters.acked += sum(len(ids) for ids in unacked.values())
        return replies[-1]

    async def _flush_acks(self) -> None:
        """Send acks still held (at stop); if Redis is gone they are retried by claiming, never lost."""
        unacked, self._unacked = self._unacked, {}
        for stream, ids in unacked.items():
            try:
                await self.client.xack(stream, self.group, *ids)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("consumer %s/%s: %d acks not sent at stop (%s); entries will be claimed again",
                            self.group, self.name, len(ids), exc)  # fmt: skip
                continue
            self.counters.acked += len(ids)

    async def _ensure_groups(self) -> None:
        for stream, exists in list(self._streams.items()):
            if exists:
                continue
            try:
                await self.client.xgroup_create(stream, self.group, id=self.start_id, mkstream=True)
                log.info("created group %s on %s (from %s)", self.group, stream, self.start_id)
            except ResponseError as exc:
                if not str(exc).startswith("BUSYGROUP"):
                    raise
            self._streams[stream] = True

    async def _discover(self) -> None:
        for pattern in self.patterns:
            async for key in self.client.scan_iter(match=pattern, count=1000, _type="stream"):
                stream = as_text(key)
                if stream not in self._streams:
                    log.info("consumer %s/%s: following new stream %s", self.group, self.name, stream)
                    self.add_stream(stream)

    async def _claim_all(self) -> None:
        """Take over entries pending longer than `claim_min_idle_ms` on every stream, and process them."""
        for stream in list(self._streams):
            start = "0-0"
            while True:
                reply = await self.client.xautoclaim(
                    stream,
                    self.group,
                    self.name,
                    self.settings.claim_min_idle_ms,
                    start_id=start,
                    count=self.settings.claim_count,
                )
                start_raw, claimed = reply[0], [(i, f) for i, f in reply[1] if i is not None]
                if claimed:
                    self.counters.claimed += len(claimed)
                    log.info("consumer %s/%s: claimed %d pending entries of %s",
                             self.group, self.name, len(claimed), stream)  # fmt: skip
                    await self._process(stream, claimed, redelivered=True)
                start = as_text(start_raw)
                if start == "0-0":
                    break

    async def _process(self, stream: str, entries: list[tuple[Any, Fields | None]], *, redelivered: bool) -> None:
        deliveries = await self._deliveries(stream, entries) if redelivered else {}
        done: list[str] = []
        for raw_id, fields in entries:
            entry_id = as_text(raw_id)
            self.counters.received += 1
            count = deliveries.get(entry_id)
            if count is not None and count > self.settings.max_deliveries:
                reason = f"handler failed {count - 1} times (max_deliveries={self.settings.max_deliveries})"
                await self._to_dead(stream, entry_id, reason, fields, deliveries=count)
                continue
            if await self._handle(stream, entry_id, fields, redelivered):
                done.append(entry_id)
        if done:
            self._unacked.setdefault(stream, []).extend(done)

    async def _handle(self, stream: str, entry_id: str, fields: Fields | None, redelivered: bool) -> bool:
        """True when the entry may be acknowledged (its handler succeeded)."""
        try:
            message = self.decoder.decode(fields)
        except MessageError as exc:
            await self._to_dead(stream, entry_id, str(exc), fields)
            return False
        try:
            await self.handler(Delivery(stream, entry_id, message, redelivered))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.counters.handler_failures += 1
            log.exception(
                "consumer %s/%s: handler failed on %s %s; left pending, retried after %d ms idle",
                self.group, self.name, stream, entry_id, self.settings.claim_min_idle_ms,
            )  # fmt: skip
            return False
        return True

    async def _deliveries(self, stream: str, entries: list[tuple[Any, Fields | None]]) -> dict[str, int]:
        """How many times each claimed entry has been delivered (XPENDING over the claimed id range)."""
        ids = [raw_id for raw_id, _ in entries]
        rows = await self.client.xpending_range(
            stream, self.group, min=ids[0], max=ids[-1], count=len(ids) + 1_000, consumername=self.name
        )
        return {as_text(row["message_id"]): int(row["times_delivered"]) for row in rows}

    async def _to_dead(
        self,
        stream: str,
        entry_id: str,
        reason: str,
        fields: Mapping[bytes, bytes] | None,
        deliveries: int | None = None,
    ) -> None:
        """Copy the entry to `dead` and acknowledge it in one transaction: seen, never lost, never retried."""
        letter = dead_letter(
            stream=stream,
            entry_id=entry_id,
            reason=reason,
            fields=fields,
            max_field_bytes=self.settings.dead_max_field_bytes,
            group=self.group,
            consumer=self.name,
            deliveries=deliveries,
        )
        dead = self.keys.dead
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(dead, letter.to_fields(), maxlen=self.settings.dead_maxlen, approximate=True)
            pipe.xack(stream, self.group, entry_id)
            await pipe.execute()
        self.counters.dead += 1
        log.warning("consumer %s/%s: %s %s moved to %s: %s", self.group, self.name, stream, entry_id, dead, reason)
