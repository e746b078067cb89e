"""Publishing against a real redis-server: typed entries, bounded streams, prefixes, batches, outages."""

import asyncio
import logging
import time

import pytest
import redis.asyncio as aioredis

import shared.streams.publisher as publisher_module
from shared.keys import Keys
from shared.messages import Event, Frame
from shared.redis_server import LocalRedis
from shared.streams import Publisher, StreamReader
from shared.streams.pipeline import round_trip
from tests.streams.conftest import eventually, fast_settings, make_event, make_frame

pytestmark = pytest.mark.timeout(30)


async def test_publish_writes_a_decodable_entry_with_binary_screen(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    async with Publisher(redis_url, keys=keys, settings=fast_settings()) as publisher:
        entry_id = await publisher.publish(keys.frames("0"), make_frame(7))
        assert entry_id is not None
        rows = await aclient.xrange(keys.frames("0"))
        assert [row[0].decode() for row in rows] == [entry_id]
        fields = rows[0][1]
        assert fields[b"screen"] == make_frame(7).screen
        assert Frame.from_fields(fields) == make_frame(7)
        assert publisher.counters.published == 1


async def test_streams_are_trimmed_to_their_configured_length(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    settings = fast_settings(frames_maxlen=100, events_maxlen=300)
    async with Publisher(redis_url, keys=keys, settings=settings) as publisher:
        for step in range(1_000):
            await publisher.publish(keys.frames("0"), make_frame(step))
            await publisher.publish(keys.events, make_event(step))
    frames_len = await aclient.xlen(keys.frames("0"))
    events_len = await aclient.xlen(keys.events)
    # MAXLEN ~ trims whole radix-tree nodes (100 entries each by default): at least N stay, at most N + a node.
    assert 100 <= frames_len <= 200
    assert 300 <= events_len <= 400
    newest = Frame.from_fields((await aclient.xrevrange(keys.frames("0"), count=1))[0][1])
    assert newest.step == 999


async def test_two_prefixes_share_one_redis_without_seeing_each_other(redis_url: str, aclient: aioredis.Redis) -> None:
    run_a, run_b = Keys("run-a:"), Keys("run-b:")
    async with (
        Publisher(redis_url, keys=run_a, settings=fast_settings()) as pub_a,
        Publisher(redis_url, keys=run_b, settings=fast_settings()) as pub_b,
    ):
        for step in range(3):
            await pub_a.publish(run_a.frames("0"), make_frame(step))
        await pub_b.publish(run_b.frames("0"), make_frame(100))
    reader = StreamReader(redis_url, model=Frame)
    try:
        page_a = await reader.latest(run_a.frames("0"))
        page_b = await reader.latest(run_b.frames("0"))
    finally:
        await reader.aclose()
    assert [e.message.step for e in page_a.entries if e.message] == [2, 1, 0]
    assert [e.message.step for e in page_b.entries if e.message] == [100]
    all_keys = {key.decode() async for key in aclient.scan_iter()}
    assert all_keys == {"run-a:frames:0", "run-b:frames:0"}


async def test_publish_many_sends_every_xadd_in_one_round_trip(
    redis_url: str, keys: Keys, aclient: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Publisher(redis_url, keys=keys, settings=fast_settings()) as publisher:
        trips: list[int] = []

        async def spy(client: aioredis.Redis, commands: list[object], timeout: float | None = None) -> list[object]:
            trips.append(len(commands))
            return await round_trip(client, commands, timeout)  # type: ignore[arg-type]

        monkeypatch.setattr(publisher_module, "round_trip", spy)
        items = [(keys.frames(str(i % 2)), make_frame(i)) for i in range(10)] + [(keys.events, make_event(0))]
        ids = await publisher.publish_many(items)
        assert trips == [11]
        assert ids is not None and all(ids) and len(ids) == 11
    steps0 = [Frame.from_fields(f).step for _, f in await aclient.xrange(keys.frames("0"))]
    steps1 = [Frame.from_fields(f).step for _, f in await aclient.xrange(keys.frames("1"))]
    assert steps0 == [0, 2, 4, 6, 8]
    assert steps1 == [1, 3, 5, 7, 9]
    assert Event.from_fields((await aclient.xrange(keys.events))[0][1]) == make_event(0)


async def test_publish_buffers_while_redis_is_down_and_flushes_in_order(
    redis_server: LocalRedis, keys: Keys, aclient: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.streams.publisher")
    settings = fast_settings(publish_buffer=50, flush_batch=16, backoff_initial=0.05, backoff_max=0.2)
    stream = keys.frames("0")
    async with Publisher(redis_server.url, keys=keys, settings=settings) as publisher:
        assert await publisher.publish(stream, make_frame(0)) is not None
        await asyncio.to_thread(redis_server.stop)

        started = time.monotonic()
        slowest = 0.0
        for step in range(1, 81):
            t0 = time.monotonic()
            assert await publisher.publish(stream, make_frame(step)) is None
            slowest = max(slowest, time.monotonic() - t0)
        elapsed = time.monotonic() - started
        assert slowest < settings.publish_timeout + 0.1, "one publish waited longer than its timeout"
        assert elapsed < 1.0, "publishing while Redis is known down must not wait for it"
        assert publisher.counters.buffered == 80
        assert publisher.counters.dropped == 30
        assert publisher.backlog == 50
        assert publisher.counters.connection_errors >= 1
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings and "next attempt in" in warnings[0].getMessage()

        await asyncio.to_thread(redis_server.start)
        # nothing else is published: the buffer goes out by itself once Redis answers again, in order
        await eventually(lambda: publisher.backlog == 0, timeout=5, what="the buffer flushed without a publish")
        assert publisher.counters.reconnects == 1
        assert await publisher.publish(stream, make_frame(81)) is not None
        assert await publisher.publish(stream, make_frame(82)) is not None
    steps = [Frame.from_fields(f).step for _, f in await aclient.xrange(stream)]
    assert steps == [0, *range(31, 83)]
    assert publisher.counters.published == len(steps)
