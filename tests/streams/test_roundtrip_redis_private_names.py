"""The redis-py private names the hand-framed round trip reads, checked on a real connection.

`shared/streams/roundtrip.py` writes to a connection's own stream and takes replies straight off its
hiredis reader (12 replies in 3 µs instead of 86). pyproject.toml pins redis-py to the release this was
checked against; when a new one renames any of these, the failure says which and what to do, instead of
the publisher hanging on a reply it cannot see or appending a half-read one.
"""

import importlib.metadata

import pytest
import redis

from shared.streams import StreamSettings, make_client, roundtrip

pytestmark = pytest.mark.timeout(30)

PINNED = "8.1."
"""The minor release pyproject.toml pins (`redis[hiredis]==8.1.*`)."""


def missing(name: str) -> str:
    return (
        f"shared/streams/roundtrip.py relies on redis-py's private {name}; "
        f"update it for redis-py {redis.__version__} or unpin"
    )


def test_the_installed_redis_py_is_the_pinned_one() -> None:
    version = importlib.metadata.version("redis")
    assert version.startswith(PINNED), (
        f"redis-py {version} is installed, roundtrip.py was checked against {PINNED}*: run this file's tests on it, "
        "update roundtrip.py where they fail, then move the pin in pyproject.toml (and PINNED here)"
    )


async def test_the_private_names_roundtrip_reads_are_there(redis_url: str) -> None:
    from redis._parsers import hiredis as hiredis_parser

    assert hasattr(hiredis_parser, "NOT_ENOUGH_DATA"), missing("redis._parsers.hiredis.NOT_ENOUGH_DATA")
    assert roundtrip._INCOMPLETE is hiredis_parser.NOT_ENOUGH_DATA, missing("redis._parsers.hiredis.NOT_ENOUGH_DATA")
    client = make_client(redis_url, StreamSettings())
    connection = await client.connection_pool.get_connection()
    try:
        for name in ("_writer", "_parser"):
            assert getattr(connection, name, None) is not None, missing(f"Connection.{name}")
        parser = connection._parser
        reader = getattr(parser, "_reader", None)
        assert reader is not None, missing(f"{type(parser).__name__}._reader (is hiredis installed?)")
        assert callable(getattr(parser, "read_from_socket", None)), missing(f"{type(parser).__name__}.read_from_socket")
        # an empty reader answers "incomplete" with the sentinel roundtrip.py waits on, not with a reply
        assert reader.gets() is roundtrip._INCOMPLETE, missing("hiredis reader's notEnoughData sentinel")
        assert await roundtrip.round_trip(client, [["PING"]], connection=connection) == [b"PONG"]
    finally:
        await client.connection_pool.release(connection)
        await client.aclose()
