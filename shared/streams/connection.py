"""Client construction and error classification: which Redis failures mean "retry later".

redis-py retries failed commands itself by default (ten times, with backoff), which would
stall the emulator's step and hide outages; the clients built here never retry, so the
streams layer's own backoff decides, logs and counts.
"""

from types import TracebackType
from typing import Self

import redis
import redis.retry
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.errors import RedisUnavailableError
from shared.streams.settings import StreamSettings

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, InvalidResponse, OSError)
"""Redis is unreachable, restarting or loading its data (BusyLoadingError is a ConnectionError), or
something else answers at its address (InvalidResponse: a wrong URL, a proxy): the services keep
going, log it and retry, as for an outage. (`RedisUnavailableError`, what `StreamReader` raises for
these, is transient too: see `is_transient`.)"""

_TRANSIENT_REPLIES = ("OOM", "MISCONF", "LOADING", "TRYAGAIN", "MASTERDOWN", "READONLY")
_TRANSIENT_REPLY_CLASSES = (OutOfMemoryError, ReadOnlyError)


def is_transient(exc: BaseException) -> bool:
    """True for failures that retrying after a delay can cure; False for bugs (wrong type, syntax).

    redis-py turns some error replies into classes of their own and strips their code from the
    message (OOM becomes `OutOfMemoryError`, READONLY `ReadOnlyError`); the others keep it.
    """
    if isinstance(exc, (*TRANSIENT_ERRORS, *_TRANSIENT_REPLY_CLASSES, RedisUnavailableError)):
        return True
    return isinstance(exc, ResponseError) and str(exc).startswith(_TRANSIENT_REPLIES)


def make_client(url: str, settings: StreamSettings, *, block_ms: int = 0, reply_timeout: bool = True) -> Redis:
    """An asyncio client with short timeouts and no hidden retries.

    `block_ms` is the longest BLOCK the client will be used with; the read timeout is
    extended by it, so a blocking read is not mistaken for a dead server. `reply_timeout=False`:
    none per reply or write, for a caller that bounds each exchange itself (the publisher): redis-py
    spends a task on every write that has a timeout, and a timer on every reply.
    """
    return Redis.from_url(
        url,
        socket_connect_timeout=settings.connect_timeout,
        socket_timeout=settings.socket_timeout + block_ms / 1000 if reply_timeout else None,
        retry=Retry(NoBackoff(), 0),
        decode_responses=False,
    )


def make_sync_client(url: str, settings: StreamSettings) -> redis.Redis:
    """`make_client`'s blocking twin, for a thread of its own (the emulator's screen writer)."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=settings.connect_timeout,
        socket_timeout=settings.socket_timeout,
        retry=redis.retry.Retry(NoBackoff(), 0),
        decode_responses=False,
    )


class RedisPart:
    """A part that works through one Redis client: the one it is given (shared; its owner closes it), or one it
    makes from `redis_url` and then owns.

    `aclose()` is the one way such a part ends (the publisher, a consumer, a reader, a heartbeat): its own
    work first (`_finish`: a loop stopped, buffered messages written, a key deleted), then an owned client
    is closed. `async with part:` does the same at the block's end.
    """

    client: Redis
    _owns_client: bool = False

    def _connect(
        self,
        redis_url: str | None,
        client: Redis | None,
        settings: StreamSettings,
        block_ms: int = 0,
        reply_timeout: bool = True,
    ) -> Redis:
        """The client to use: `client` when given, else one made from `redis_url` and owned (see `make_client`)."""
        if client is None:
            if redis_url is None:
                raise ValueError(f"{type(self).__name__} needs redis_url or client")
            client = make_client(redis_url, settings, block_ms=block_ms, reply_timeout=reply_timeout)
            self._owns_client = True
        self.client = client
        return client

    async def _finish(self) -> None:
        """What the part does before its client is closed; nothing by default."""

    async def aclose(self) -> None:
        await self._finish()
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
