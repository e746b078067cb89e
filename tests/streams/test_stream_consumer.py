"""Consumer groups against a real redis-server: ack after work, retries by claim, sharing, discovery."""

import asyncio
import logging

import pytest
import redis.asyncio as aioredis

from shared.keys import Keys
from shared.messages import Frame
from shared.streams import Consumer, Delivery, Publisher, StreamCounters
from tests.streams.conftest import eventually, fast_settings, make_frame

pytestmark = pytest.mark.timeout(30)


class Collector:
    """A handler that records what it got, and can be told to fail."""

    def __init__(self, fail_times: int = 0) -> None:
        self.got: list[Delivery[Frame]] = []
        self.fail_times = fail_times
        self.calls = 0

    async def __call__(self, delivery: Delivery[Frame]) -> None:
        self.calls += 1
        if self.calls <= self.fail_times:
            raise RuntimeError(f"handler failure {self.calls}")
        self.got.append(delivery)

    @property
    def steps(self) -> list[int]:
        return [d.message.step for d in self.got]


async def pending_count(client: aioredis.Redis, stream: str, group: str) -> int:
    return int((await client.xpending(stream, group))["pending"])


async def test_messages_reach_the_handler_in_order_and_are_acked(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    handler = Collector()
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(),
    )  # fmt: skip
    async with consumer, Publisher(redis_url, keys=keys) as publisher:
        await consumer.ready.wait()
        await publisher.publish_many([(stream, make_frame(i)) for i in range(5)])
        await eventually(lambda: len(handler.got) == 5, what="5 deliveries")
        await eventually(lambda: consumer.counters.acked == 5, what="5 acks")
    assert handler.steps == [0, 1, 2, 3, 4]
    assert handler.got[0].message == make_frame(0)
    assert not any(d.redelivered for d in handler.got)
    assert await pending_count(aclient, stream, "learner") == 0
    assert consumer.counters.received == 5
    assert consumer.counters.handler_failures == 0


async def test_a_new_group_reads_what_the_stream_already_holds(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    async with Publisher(redis_url, keys=keys) as publisher:
        await publisher.publish_many([(stream, make_frame(i)) for i in range(3)])
    handler = Collector()
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(),
    )  # fmt: skip
    # the group may already exist: only BUSYGROUP is tolerated, so a second creation is fine
    await aclient.xgroup_create(stream, "learner", id="0")
    async with consumer:
        await eventually(lambda: handler.steps == [0, 1, 2], what="the retained entries")


async def test_group_creation_errors_other_than_busygroup_are_reported(
    redis_url: str, keys: Keys, aclient: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    stream = keys.frames("0")
    await aclient.set(stream, "not a stream")
    caplog.set_level(logging.ERROR, logger="shared.streams.consumer")
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=Collector(),
        streams=[stream], settings=fast_settings(),
    )  # fmt: skip
    async with consumer:
        await eventually(lambda: any("WRONGTYPE" in r.exc_text for r in caplog.records if r.exc_text))
        assert not consumer.ready.is_set()
    assert consumer.counters.loop_errors >= 1
    assert consumer.counters.connection_errors == 0, "a bug is not reported as an outage"


async def test_a_failing_handler_leaves_the_entry_pending_and_it_is_retried(
    redis_url: str, keys: Keys, aclient: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    stream = keys.frames("0")
    handler = Collector(fail_times=1)
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(claim_min_idle_ms=300),
    )  # fmt: skip
    async with consumer, Publisher(redis_url, keys=keys) as publisher:
        await consumer.ready.wait()
        await publisher.publish(stream, make_frame(1))
        await eventually(lambda: consumer.counters.handler_failures == 1, what="the handler failure")
        assert await pending_count(aclient, stream, "learner") == 1
        assert consumer.counters.acked == 0
        await eventually(lambda: handler.steps == [1], what="the retry through XAUTOCLAIM")
        await eventually(lambda: consumer.counters.acked == 1, what="the ack of the retry")
    assert handler.got[0].redelivered
    assert consumer.counters.claimed >= 1
    assert await pending_count(aclient, stream, "learner") == 0
    failures = [r for r in caplog.records if "handler failed" in r.getMessage()]
    assert failures and failures[0].exc_info is not None


async def test_an_entry_failing_max_deliveries_times_goes_to_dead(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    handler = Collector(fail_times=1_000)
    settings = fast_settings(claim_min_idle_ms=50, claim_interval=0.05, max_deliveries=3)
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=settings,
    )  # fmt: skip
    async with consumer, Publisher(redis_url, keys=keys) as publisher:
        await consumer.ready.wait()
        entry_id = await publisher.publish(stream, make_frame(1))
        await eventually(lambda: consumer.counters.dead == 1, what="the dead letter")
    assert handler.calls == 3
    assert consumer.counters.handler_failures == 3
    assert await pending_count(aclient, stream, "learner") == 0
    from shared.messages import DeadLetter

    letter = DeadLetter.from_fields((await aclient.xrange(keys.dead))[0][1])
    assert letter.entry_id == entry_id
    assert letter.deliveries == 4
    assert "handler failed 3 times" in letter.reason


async def test_entries_of_a_dead_consumer_are_claimed_on_start(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    async with Publisher(redis_url, keys=keys) as publisher:
        await publisher.publish_many([(stream, make_frame(i)) for i in range(3)])
    await aclient.xgroup_create(stream, "learner", id="0")
    # a consumer that read the entries and died before acknowledging them
    await aclient.xreadgroup("learner", "ghost", {stream: ">"}, count=10)
    await asyncio.sleep(0.25)
    handler = Collector()
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="heir", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(claim_min_idle_ms=200, claim_interval=60),
    )  # fmt: skip
    async with consumer:
        await consumer.ready.wait()
        assert handler.steps == [0, 1, 2]
        assert all(d.redelivered for d in handler.got)
    assert consumer.counters.claimed == 3
    assert await pending_count(aclient, stream, "learner") == 0


async def test_consumers_of_one_group_share_the_entries(redis_url: str, keys: Keys) -> None:
    stream = keys.frames("0")
    counters = StreamCounters()
    handlers = [Collector(), Collector()]

    async def slow(index: int, delivery: Delivery[Frame]) -> None:
        await asyncio.sleep(0.002)
        await handlers[index](delivery)

    settings = fast_settings(read_count=1)
    consumers = [
        Consumer(
            redis_url, keys=keys, group="learner", name=f"c{i}", model=Frame,
            handler=lambda d, i=i: slow(i, d), streams=[stream], settings=settings, counters=counters,
        )
        for i in range(2)
    ]  # fmt: skip
    async with consumers[0], consumers[1], Publisher(redis_url, keys=keys) as publisher:
        await asyncio.gather(*(c.ready.wait() for c in consumers))
        await publisher.publish_many([(stream, make_frame(i)) for i in range(100)])
        await eventually(lambda: counters.acked == 100, what="100 acks across both consumers")
    steps = [handlers[0].steps, handlers[1].steps]
    assert sorted(steps[0] + steps[1]) == list(range(100)), "every entry exactly once"
    assert steps[0] and steps[1], "both consumers got a share"


async def test_one_consumer_reads_several_streams_added_at_runtime_and_by_pattern(redis_url: str, keys: Keys) -> None:
    handler = Collector()
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[keys.frames("0")], patterns=[keys.frames("*")], settings=fast_settings(),
    )  # fmt: skip
    async with consumer, Publisher(redis_url, keys=keys) as publisher:
        await consumer.ready.wait()
        await publisher.publish(keys.frames("0"), make_frame(0, env="0"))
        # a stream that appears later is found by the pattern
        await publisher.publish(keys.frames("1"), make_frame(1, env="1"))
        # and one outside the pattern can be added by hand
        consumer.add_stream(keys.events.replace("events", "frames_extra"))
        await publisher.publish(keys.events.replace("events", "frames_extra"), make_frame(2, env="x"))
        await eventually(lambda: sorted(handler.steps) == [0, 1, 2], what="entries of three streams")
    assert {d.stream for d in handler.got} == {keys.frames("0"), keys.frames("1"), "test:frames_extra"}
    assert set(consumer.streams) == {keys.frames("0"), keys.frames("1"), "test:frames_extra"}


async def test_a_stream_deleted_under_a_blocked_read_is_followed_again(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    handler = Collector()
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(read_block_ms=2000),
    )  # fmt: skip
    async with consumer, Publisher(redis_url, keys=keys) as publisher:
        await publisher.publish(stream, make_frame(0))
        await eventually(lambda: handler.steps == [0], what="the first delivery")
        await asyncio.sleep(0.1)  # the consumer is blocked in XREADGROUP again
        await aclient.delete(stream)  # Redis unblocks it with UNBLOCKED, then the group is gone
        await asyncio.sleep(0.1)
        await publisher.publish(stream, make_frame(1))
        await eventually(lambda: handler.steps == [0, 1], timeout=10, what="the delivery after the deletion")
    assert consumer.counters.loop_errors == 0  # a deleted stream is expected, not an error
