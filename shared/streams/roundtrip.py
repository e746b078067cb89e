"""Several commands in one round trip, framed by hand.

This does what redis-py's pipeline does (send everything, then read one reply per command,
a rejected command's error in its place) for less of the process's time: 70 against 100 µs
per 6 KB frame, three frames a trip. The pipeline runs every argument through its generic
encoder and every reply through its own response callback, and the emulator publishes a
frame every step. The publisher's entries are already bytes or text, so framing them is one
`join`, and the replies come back raw, as hiredis parses them (RESP2 or RESP3, whichever the
connection speaks; `stream_entries` reads both).

Why redis-py is pinned (`redis[hiredis]==8.1.*` in pyproject.toml): to do this, the round trip
reads four names redis-py keeps private: the `redis._parsers.hiredis` module (its
`NOT_ENOUGH_DATA` sentinel), a connection's `_writer` (its stream) and `_parser`, and the
parser's hiredis `_reader`. Any release may rename them; the pin keeps the release this was
measured and tested on, and `tests/streams/test_roundtrip_redis_private_names.py` fails with the
name that changed when the pin is moved.
"""

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from redis._parsers import hiredis as _hiredis_parser
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.messages import Fields
from shared.streams.codec import as_text

Arg = bytes | str | int
Command = Sequence[Arg]


_INCOMPLETE = getattr(_hiredis_parser, "NOT_ENOUGH_DATA", False)
"""What the hiredis reader gives while a reply is still incomplete (redis-py's sentinel; False before it had one)."""

_FRAMED: dict[str | int, bytes] = {}
"""Short texts and numbers, framed once: commands, keys, field names and lengths repeat in every frame's XADD."""
_SHORT = 64


def _framed(value: str | int) -> bytes:
    framed = _FRAMED.get(value)
    if framed is None:
        raw = value.encode() if isinstance(value, str) else b"%d" % value
        framed = b"$%d\r\n%b\r\n" % (len(raw), raw)
        if len(raw) <= _SHORT and len(_FRAMED) < 4096:
            _FRAMED[value] = framed
    return framed


def pack(commands: Sequence[Command]) -> bytes:
    """The RESP framing of `commands`, back to back: what goes on the wire in one write.

    Payloads (a frame's JSON and screen) are copied once, by the final join.
    """
    parts: list[bytes] = []
    for args in commands:
        parts.append(b"*%d\r\n" % len(args))
        for value in args:
            if isinstance(value, bytes):
                parts += (b"$%d\r\n" % len(value), value, b"\r\n")
            else:
                parts.append(_framed(value))
    return b"".join(parts)


async def round_trip(
    client: Redis, commands: Sequence[Command], timeout: float | None = None, connection: Any = None
) -> list[Any]:
    """Send `commands` in one write and read their replies in order.

    A command Redis rejects gives its `ResponseError` as its reply, like a pipeline with
    `raise_on_error=False`. A broken connection is closed (so the pool never hands it out
    half-read) and the error raised, for the caller's own retry and backoff. `timeout`
    (by default the client's socket timeout) bounds the whole exchange; a blocking XREAD's
    BLOCK belongs in it. `connection` is one the caller keeps for itself, out of the pool
    (connected again here after a failure closed it); by default one is checked out for the
    trip.

    The write and the replies go through the connection's own stream and reply parser, under
    one deadline: redis-py's per-call path sets a deadline for every reply and starts a task
    for every write, 20 µs a frame that the emulator pays on its step's thread.
    """
    pool = client.connection_pool
    kept = connection is not None
    if kept:
        if not connection.is_connected:
            await connection.connect()
    else:
        connection = await pool.get_connection()
    deadline_s = timeout if timeout is not None else connection.socket_timeout
    try:
        async with asyncio.timeout(deadline_s):
            writer = connection._writer
            writer.write(pack(commands))
            await writer.drain()
            return await _replies(connection, len(commands))
    except BaseException as exc:
        await connection.disconnect(nowait=True)
        if isinstance(exc, TimeoutError):
            raise RedisTimeoutError(f"no reply from Redis within {deadline_s} s") from exc
        if isinstance(exc, OSError):
            raise RedisConnectionError(f"Redis connection broke: {exc}") from exc
        raise
    finally:
        if not kept:
            await pool.release(connection)


async def _replies(connection: Any, count: int) -> list[Any]:
    """`count` replies, taken off the connection's hiredis reader as the bytes come in.

    redis-py's `read_response` costs 6 µs a reply around the reader's own `gets()`; twelve frames'
    XADD replies took 86 µs to read that way and take 3 µs this way. A rejected command's reply
    is a `ResponseError` instance, kept in its place; an error reply that means the server cannot
    serve at all (LOADING, as `BusyLoadingError`) is raised, as redis-py raises it.
    """
    parser = connection._parser
    reader = getattr(parser, "_reader", None)
    if reader is None:  # redis-py's own parser, without hiredis: one call per reply
        return [await parser.read_response() for _ in range(count)]
    replies: list[Any] = []
    while len(replies) < count:
        reply = reader.gets()
        if reply is _INCOMPLETE:
            await parser.read_from_socket()
        elif isinstance(reply, RedisConnectionError):
            raise reply
        else:
            replies.append(reply)
    return replies


def stream_entries(reply: Any) -> list[tuple[str, list[tuple[str, Fields | None]]]]:
    """A raw XREAD or XREADGROUP reply as (stream, [(entry id, fields)]).

    The reply is a map in RESP3 and a list of pairs in RESP2, None when a BLOCK timed out;
    an entry deleted while pending comes with no fields (None).
    """
    by_stream = reply.items() if isinstance(reply, dict) else reply or []
    return [(as_text(stream), [(as_text(i), _fields(flat)) for i, flat in got]) for stream, got in by_stream]


def raise_first_error(replies: list[Any], which: Callable[[ResponseError], bool] = lambda _: True) -> list[Any]:
    """The replies, unless one is an error that `which` picks (by default any): then the first such is raised,
    as a pipeline does. The others stay in place as replies."""
    for reply in replies:
        if isinstance(reply, ResponseError) and which(reply):
            raise reply
    return replies


def _fields(flat: list[bytes] | None) -> Fields | None:
    if flat is None:
        return None
    pairs = iter(flat)
    return dict(zip(pairs, pairs, strict=True))
