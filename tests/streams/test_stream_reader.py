"""Group-less reads for the dashboard: newest pages with pagination, ranges and tails."""

import pytest

from shared.keys import Keys
from shared.messages import Frame
from shared.streams import Publisher, StreamReader
from tests.streams.conftest import make_frame

pytestmark = pytest.mark.timeout(30)


async def _publish(redis_url: str, keys: Keys, steps: range) -> list[str]:
    async with Publisher(redis_url, keys=keys) as publisher:
        ids = await publisher.publish_many([(keys.frames("0"), make_frame(s)) for s in steps])
    assert ids is not None
    return [i for i in ids if i]


async def test_latest_pages_backwards_through_the_whole_stream(redis_url: str, keys: Keys) -> None:
    ids = await _publish(redis_url, keys, range(25))
    reader = StreamReader(redis_url, model=Frame)
    try:
        pages, before = [], None
        while True:
            page = await reader.latest(keys.frames("0"), count=10, before=before)
            pages.append([e.message.step for e in page.entries if e.message])
            if page.next_before is None:
                break
            before = page.next_before
        assert pages == [list(range(24, 14, -1)), list(range(14, 4, -1)), list(range(4, -1, -1))]
        assert (await reader.latest(keys.frames("0"), count=1)).entries[0].entry_id == ids[-1]
        assert (await reader.latest(keys.frames("missing"))).entries == []
    finally:
        await reader.aclose()


async def test_range_reads_oldest_first_between_ids(redis_url: str, keys: Keys) -> None:
    ids = await _publish(redis_url, keys, range(10))
    reader = StreamReader(redis_url, model=Frame)
    try:
        entries = await reader.range(keys.frames("0"), start=ids[2], end=ids[5])
        assert [e.message.step for e in entries if e.message] == [2, 3, 4, 5]
        after = await reader.range(keys.frames("0"), start=f"({ids[7]}")
        assert [e.entry_id for e in after] == ids[8:]
    finally:
        await reader.aclose()


async def test_tail_reads_after_each_id_and_returns_nothing_when_nothing_came(redis_url: str, keys: Keys) -> None:
    ids = await _publish(redis_url, keys, range(5))
    reader = StreamReader(redis_url, model=Frame, block_ms=100)
    try:
        tail = await reader.tail({keys.frames("0"): ids[2]})
        assert [e.entry_id for e in tail] == ids[3:]
        assert await reader.tail({keys.frames("0"): ids[-1]}, block_ms=50) == []
    finally:
        await reader.aclose()


async def test_latest_after_an_id_reads_only_the_newer_entries_newest_first(redis_url: str, keys: Keys) -> None:
    ids = await _publish(redis_url, keys, range(10))
    reader = StreamReader(redis_url, model=Frame)
    try:
        page = await reader.latest(keys.frames("0"), count=100, after=ids[6])
        assert [e.message.step for e in page.entries if e.message] == [9, 8, 7]
        newest_three_of_many = await reader.latest(keys.frames("0"), count=3, after=ids[0])
        assert [e.entry_id for e in newest_three_of_many.entries] == ids[:-4:-1]
    finally:
        await reader.aclose()


async def test_which_streams_exist_and_what_redis_says_about_them(redis_url: str, keys: Keys) -> None:
    ids = await _publish(redis_url, keys, range(3))
    stream = keys.frames("0")
    reader = StreamReader(redis_url, model=Frame)
    try:
        await reader.client.set(keys.health("x", "1"), "not a stream")
        await reader.client.xgroup_create(stream, "learner", id="0")
        await reader.client.xreadgroup("learner", "c1", {stream: ">"}, count=2)
        assert await reader.streams(keys.stream_pattern) == [stream]
        assert await reader.is_stream(stream) and not await reader.is_stream(keys.health("x", "1"))
        assert not await reader.is_stream(keys.frames("missing"))
        assert await reader.length(stream) == 3 and await reader.length(keys.frames("missing")) == 0

        info = await reader.info(stream)
        assert (info.name, info.length, info.first_id, info.last_id) == (stream, 3, ids[0], ids[-1])
        (group,) = info.groups
        assert (group.name, group.consumers, group.pending, group.lag) == ("learner", 1, 2, 1)
        assert group.last_delivered_id == ids[1] and group.entries_read == 2
        (consumer,) = group.consumer_list
        assert consumer.name == "c1" and consumer.pending == 2
        assert (await reader.info(stream, consumers=False)).groups[0].consumer_list == []
    finally:
        await reader.aclose()
