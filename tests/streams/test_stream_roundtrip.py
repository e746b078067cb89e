"""The round trip against a real redis-server: one write, replies in order, errors in place, one deadline."""

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.keys import Keys
from shared.messages import Frame
from shared.redis_server import LocalRedis
from shared.streams import Publisher, StreamSettings, is_transient, make_client
from shared.streams.pipeline import round_trip, stream_entries
from tests.streams.conftest import fast_settings, make_frame

pytestmark = pytest.mark.timeout(30)


async def test_an_xread_reply_reads_as_streams_of_entries_and_a_timed_out_block_as_none(
    aclient: aioredis.Redis,
) -> None:
    first = await aclient.xadd("s", {"a": "1"})
    replies = await round_trip(aclient, [["XREAD", "STREAMS", "s", "0-0"], ["XREAD", "BLOCK", 10, "STREAMS", "s", "$"]])
    assert stream_entries(replies[0]) == [("s", [(first.decode(), {b"a": b"1"})])]  # RESP3's map or RESP2's list
    assert stream_entries(replies[1]) == []


async def test_replies_come_back_in_order_with_a_rejection_in_its_place(aclient: aioredis.Redis) -> None:
    replies = await round_trip(aclient, [["SET", "a", 1], ["LPUSH", "a", "x"], ["GET", "a"], ["XLEN", "nothing"]])
    assert replies[0] == b"OK"
    assert isinstance(replies[1], ResponseError) and "WRONGTYPE" in str(replies[1])
    assert replies[2:] == [b"1", 0]
    assert await aclient.get("a") == b"1"  # the connection went back to the pool in a clean state


async def test_a_dead_server_raises_a_connection_error_and_the_client_recovers(redis_server: LocalRedis) -> None:
    server = redis_server
    client = make_client(server.url, StreamSettings())
    assert await round_trip(client, [["PING"]]) == [b"PONG"]
    server.stop()
    with pytest.raises(RedisConnectionError):
        await round_trip(client, [["PING"]])
    server.start()
    assert await round_trip(client, [["PING"]]) == [b"PONG"]
    await client.aclose()


async def test_a_rejected_message_is_dropped_and_counted_while_the_batch_goes_through(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    await aclient.set(keys.frames("1"), "not a stream")
    async with Publisher(redis_url, keys=keys, settings=fast_settings()) as publisher:
        frames, bad = keys.frames("0"), keys.frames("1")
        batch = [(frames, make_frame(0)), (bad, make_frame(1, "1")), (frames, make_frame(2))]
        ids = await publisher.publish_many(batch)
        assert ids is not None and ids[0] and ids[1] is None and ids[2]
        assert (publisher.counters.published, publisher.counters.dropped) == (2, 1)
        rows = await publisher.publish_then_read([], {keys.frames("0"): "0-0"})
    assert rows is not None
    assert [Frame.from_fields(fields).step for _, _, fields in rows if fields] == [0, 2]


async def test_a_reply_that_does_not_come_in_time_raises_and_leaves_no_stale_reply_behind(
    aclient: aioredis.Redis,
) -> None:
    blocking_read = ["XREAD", "BLOCK", 2000, "STREAMS", "nothing-here", "$"]
    with pytest.raises(RedisTimeoutError):
        await round_trip(aclient, [["PING"], blocking_read], timeout=0.2)
    # the connection that still owed the XREAD's reply was closed, not handed out again
    assert await round_trip(aclient, [["ECHO", "fresh"]]) == [b"fresh"]
    assert await aclient.echo("fresh too") == b"fresh too"


async def test_a_full_redis_is_waited_out_and_nothing_is_lost(redis_server: LocalRedis, keys: Keys) -> None:
    server = redis_server
    admin = make_client(server.url, StreamSettings())
    async with Publisher(server.url, keys=keys, settings=fast_settings()) as publisher:
        await admin.config_set("maxmemory-policy", "noeviction")
        await admin.config_set("maxmemory", 1)
        replies = await round_trip(admin, [["XADD", "s", "*", "a", "1"], ["PING"]])
        assert isinstance(replies[0], OutOfMemoryError) and is_transient(replies[0])
        assert replies[1] == b"PONG"
        frames = keys.frames("0")
        assert await publisher.publish_many([(frames, make_frame(0)), (frames, make_frame(1))]) is None
        assert publisher.backlog == 2 and publisher.counters.dropped == 0  # kept for later, not dropped
        await admin.config_set("maxmemory", 0)
        await asyncio.sleep(0.4)  # past the publisher's backoff (at most 0.3 s here)
        assert await publisher.drain()
        rows = await publisher.publish_then_read([], {frames: "0-0"})
    await admin.aclose()
    assert rows is not None
    assert [Frame.from_fields(fields).step for _, _, fields in rows if fields] == [0, 1]
