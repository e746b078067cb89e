"""Entries that fail validation go to `dead` with the reason and their raw fields, acked and counted."""

import json

import pytest
import redis.asyncio as aioredis

from shared.keys import Keys
from shared.messages import DeadLetter, Frame
from shared.streams import Consumer, Delivery, StreamReader
from tests.entries import as_entry
from tests.streams.conftest import eventually, fast_settings, make_frame

pytestmark = pytest.mark.timeout(30)


def _good_fields() -> dict[bytes, bytes]:
    return as_entry(make_frame(5))


def _with(**changes: bytes | None) -> dict[bytes, bytes]:
    fields = _good_fields()
    for name, value in changes.items():
        if value is None:
            del fields[name.encode()]
        else:
            fields[name.encode()] = value
    return fields


def _wrong_type() -> dict[bytes, bytes]:
    payload = json.loads(_good_fields()[b"json"])
    payload["step"] = "seven"
    return _with(json=json.dumps(payload).encode())


MALFORMED: dict[str, tuple[dict[bytes, bytes], str]] = {
    "missing json": (_with(json=None), "missing field 'json'"),
    "missing screen": (_with(screen=None), "missing binary field 'screen'"),
    "wrong type": (_wrong_type(), "step"),
    "garbage kind": (_with(kind=b"\xff\xfe\x00garbage"), "not text"),
    "garbage json": (_with(json=b"\x80\x81\x82 not json"), "not valid JSON"),
    "unknown version": (_with(v=b"99"), "unknown schema version '99'"),
    "wrong kind": (_with(kind=b"event"), "expected kind 'frame'"),
    "only junk": ({b"\xff": b"\x00" * 10}, "missing field"),
}


async def test_malformed_entries_are_dead_lettered_acked_and_counted(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    ids: dict[str, str] = {}
    for name, (fields, _) in MALFORMED.items():
        ids[name] = (await aclient.xadd(stream, fields)).decode()  # type: ignore[arg-type]
    good_id = (await aclient.xadd(stream, _good_fields())).decode()  # type: ignore[arg-type]

    got: list[Delivery[Frame]] = []

    async def handler(delivery: Delivery[Frame]) -> None:
        got.append(delivery)

    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=handler,
        streams=[stream], settings=fast_settings(),
    )  # fmt: skip
    async with consumer:
        await eventually(lambda: len(got) == 1, what="the one good entry")
        await eventually(lambda: consumer.counters.acked == 1)

    assert [d.entry_id for d in got] == [good_id]
    assert consumer.counters.dead == len(MALFORMED)
    assert consumer.counters.handler_failures == 0
    assert int((await aclient.xpending(stream, "learner"))["pending"]) == 0

    letters = [DeadLetter.from_fields(f) for _, f in await aclient.xrange(keys.dead)]
    by_id = {letter.entry_id: letter for letter in letters}
    assert set(by_id) == set(ids.values())
    for name, (fields, reason) in MALFORMED.items():
        letter = by_id[ids[name]]
        assert reason in letter.reason, f"{name}: {letter.reason}"
        assert letter.source_stream == stream
        assert letter.group == "learner" and letter.consumer == "c1"
        assert dict(letter.raw) == fields, f"{name}: raw fields must survive byte for byte"
        assert not letter.truncated


async def _never_called(delivery: Delivery[Frame]) -> None:
    raise AssertionError(f"a malformed entry reached the handler: {delivery}")


async def test_dead_letter_raw_fields_are_truncated_to_the_configured_size(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    await aclient.xadd(stream, _with(v=b"2"))
    consumer = Consumer(
        redis_url, keys=keys, group="learner", name="c1", model=Frame, handler=_never_called,
        streams=[stream], settings=fast_settings(dead_max_field_bytes=64),
    )  # fmt: skip
    async with consumer:
        await eventually(lambda: consumer.counters.dead == 1)
    letter = DeadLetter.from_fields((await aclient.xrange(keys.dead))[0][1])
    assert letter.truncated
    assert all(len(value) <= 64 for _, value in letter.raw)
    assert dict(letter.raw)[b"screen"] == make_frame(5).screen[:64]


async def test_the_reader_reports_bad_entries_instead_of_raising(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    stream = keys.frames("0")
    await aclient.xadd(stream, _good_fields())  # type: ignore[arg-type]
    bad_id = (await aclient.xadd(stream, _with(v=b"99"))).decode()  # type: ignore[arg-type]
    reader = StreamReader(redis_url, model=Frame)
    try:
        page = await reader.latest(stream)
    finally:
        await reader.aclose()
    bad, good = page.entries
    assert bad.entry_id == bad_id
    assert bad.message is None and bad.error is not None and "unknown schema version" in bad.error
    assert bad.fields is not None and bad.fields[b"v"] == b"99"
    assert good.message == make_frame(5) and good.error is None
