"""Several commands in one round trip, through redis-py's pipeline, under one deadline.

The emulator's step sends its frame and reads its inbox in one round trip (the publisher's
`publish_then_read`), and a consumer sends its acks with its next read: both are a batch of
commands written at once, their replies read in order, a rejected command's error in its place.
That is a pipeline without a transaction (`raise_on_error=False`), redis-py's public API.

A hand-framed write on redis-py's private names once did the same for 2 % less of a step, under
the 3 % a private name has to earn (STYLE.md); the pipeline keeps redis-py free to change inside.
"""

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.messages import Fields
from shared.streams.codec import as_text

Arg = bytes | str | int
Command = Sequence[Arg]


async def round_trip(client: Redis, commands: Sequence[Command], timeout: float | None = None) -> list[Any]:
    """Send `commands` in one write and read their replies in order, as redis-py parses them.

    A command Redis rejects gives its `ResponseError` as its reply. `timeout` bounds the whole
    exchange (a blocking XREAD's BLOCK belongs in it; by default each reply has the client's socket
    timeout); when it passes, redis-py closes the connection, so no stale reply is left on it.
    """
    pipeline = client.pipeline(transaction=False)
    for args in commands:
        pipeline.execute_command(*args)
    if timeout is None:
        return await pipeline.execute(raise_on_error=False)
    try:
        async with asyncio.timeout(timeout):
            return await pipeline.execute(raise_on_error=False)
    except TimeoutError as exc:
        raise RedisTimeoutError(f"no reply from Redis within {timeout} s") from exc


def stream_entries(reply: Any) -> list[tuple[str, list[tuple[str, Fields | None]]]]:
    """An XREAD or XREADGROUP reply as (stream, [(entry id, fields)]).

    redis-py gives a list of [stream, entries] (or a map by stream, with `legacy_responses` off), and
    nothing when a BLOCK timed out; an entry deleted while pending comes with no fields (None).
    """
    by_stream = reply.items() if isinstance(reply, dict) else reply or []
    return [(as_text(stream), [(as_text(i), fields or None) for i, fields in got]) for stream, got in by_stream]


def raise_first_error(replies: list[Any], which: Callable[[ResponseError], bool] = lambda _: True) -> list[Any]:
    """The replies, unless one is an error that `which` picks (by default any): then the first such is raised,
    as a pipeline does. The others stay in place as replies."""
    for reply in replies:
        if isinstance(reply, ResponseError) and which(reply):
            raise reply
    return replies
