"""A service's life, one way for every service, as arq's `Worker` owns a worker's: settings → clients → heartbeat →
tasks → signals → orderly close.

`run_service` is the process: settings from flags and `CRL_*`, logging, which Redis (without its
password; credentials Redis refuses are one line and exit 2), the uvloop event loop, and an intended
error as one line and exit 2. The loop is uvloop's: every service spends most of its Python time in
the loop's own machinery (socket reads and writes, callbacks, timeouts), which uvloop does in C.

`Runtime` is the service's life inside it, the same for the emulator, the learner, the planner, the
dashboard (through its app's lifespan) and the supervisor of `crystal-rl run`:

- clients: one shared Redis client (`redis`, one pool for the heartbeat and the service's small
  calls) and the parts that need their own (`publisher`, `reader`, `consumer`), each made here and
  closed here; anything else that must be closed is handed over with `closing` or `at_close`;
- heartbeat: `health:{service}:{instance}` with the service's counters (`heartbeat`), beating from
  the moment the runtime is entered (or declared, if later) until it is closed, then deleted;
- tasks: the service's background loops (`spawn`), cancelled at close before anything they use;
- signals: SIGTERM and SIGINT set `stop` (`on_signals`, the one place a process's signals are
  handled), unless the runtime is told another owner has them (a test's own `stop`, uvicorn);
- close: the tasks, the heartbeat, then every part and callback, newest first; a failure in one is
  logged and the rest are still closed.
"""

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import uvloop
from redis.asyncio import Redis

from shared.errors import CrystalRLError
from shared.health import CounterValues, Heartbeat
from shared.keys import Keys
from shared.logs import configure_logging
from shared.messages import Message
from shared.redis_server import check_credentials
from shared.redis_url import redact
from shared.settings import CommonSettings, settings_from_cli
from shared.streams import Consumer, Decoder, Publisher, StreamCounters, StreamReader, StreamSettings, cancelled
from shared.streams.connection import make_client

S = TypeVar("S", bound=CommonSettings)
P = TypeVar("P", bound="Closeable")
M = TypeVar("M", bound=Message)
log = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ServiceSettings(Protocol):
    """What a runtime reads of a service's settings."""

    redis_url: str
    streams: StreamSettings

    @property
    def keys(self) -> Keys: ...


class Closeable(Protocol):
    async def aclose(self) -> None: ...


def run_service(
    settings_cls: type[S], serve: Callable[[S], Awaitable[None]], prog: str, argv: Sequence[str] | None = None
) -> None:
    """Run `serve(settings)` until it returns; an intended error ends the process with one line and exit 2.

    Redis refusing the credentials is such an error, found before the service starts: retrying would
    only repeat the refusal.
    """
    settings = settings_from_cli(settings_cls, argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        log.info("Redis at %s", redact(settings.redis_url))
        check_credentials(settings.redis_url)
        uvloop.run(serve(settings))
    except CrystalRLError as exc:
        logging.getLogger(prog.rsplit(" ", 1)[-1]).error("%s", exc)
        raise SystemExit(2) from None


def on_signals(callback: Callable[[signal.Signals], object]) -> Callable[[], None]:
    """SIGTERM and SIGINT call `callback` on the running event loop instead of ending the process; returns the
    function that gives them back. Off the main thread (a test's server) signals are not this process's to take:
    nothing is installed."""
    loop = asyncio.get_running_loop()
    try:
        for sig in SIGNALS:
            loop.add_signal_handler(sig, callback, sig)
    except (ValueError, RuntimeError):  # not the main thread
        return lambda: None

    def give_back() -> None:
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)

    return give_back


class Runtime:
    """One service's clients, heartbeat, tasks and signals, opened in that order and closed in reverse.

    `async with Runtime.of(settings, "emulator", "env0") as runtime:` ... `await runtime.stop.wait()`.
    `stop`: an event someone else sets (a test); `signals=False` leaves SIGTERM and SIGINT to another owner.
    """

    def __init__(
        self,
        service: str,
        instance: str,
        *,
        redis_url: str,
        keys: Keys,
        streams: StreamSettings,
        stop: asyncio.Event | None = None,
        signals: bool = True,
    ) -> None:
        self.service = service
        self.instance = instance
        self.redis_url = redis_url
        self.keys = keys
        self.streams = streams
        self.stop = stop if stop is not None else asyncio.Event()
        """Set by SIGTERM or SIGINT (or by whoever gave it): the service winds down."""
        self.counters = StreamCounters()
        """Shared by the publisher and consumers made here (and any loop guard the service runs)."""
        self._signals = signals
        self._give_back_signals: Callable[[], None] = lambda: None
        self._closers: list[tuple[str, Callable[[], Awaitable[None] | None]]] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._heartbeat: Heartbeat | None = None
        self._entered = False
        self.redis: Redis = self.client()
        """The shared client: the heartbeat's, and the service's own small calls."""

    @classmethod
    def of(
        cls,
        settings: ServiceSettings,
        service: str,
        instance: str,
        *,
        stop: asyncio.Event | None = None,
        signals: bool = True,
    ) -> "Runtime":
        return cls(
            service,
            instance,
            redis_url=settings.redis_url,
            keys=settings.keys,
            streams=settings.streams,
            stop=stop,
            signals=signals,
        )

    # -- clients ----------------------------------------------------------------------------------

    def client(self, block_ms: int = 0) -> Redis:
        """A client of its own (the shared `redis` unless a part needs another timeout), closed at the end."""
        client = make_client(self.redis_url, self.streams, block_ms=block_ms)
        self.at_close(client.aclose, "a Redis client")
        return client

    def publisher(self) -> Publisher:
        """The service's publisher (its own client, with the short publish timeouts), flushed and closed at the end."""
        publisher = Publisher(self.redis_url, keys=self.keys, settings=self.streams, counters=self.counters)
        return self.closing(publisher, "the publisher")

    def reader(self, model: type[M] | Decoder[M], block_ms: int = 1_000) -> StreamReader[M]:
        return self.closing(StreamReader(self.redis_url, model=model, settings=self.streams, block_ms=block_ms))

    def consumer(self, **options: Any) -> Consumer[Any]:
        """A consumer with the runtime's Redis, keys, stream settings and counters (unless given)."""
        options.setdefault("settings", self.streams)
        options.setdefault("counters", self.counters)
        return self.closing(Consumer(self.redis_url, keys=self.keys, **options), f"consumer {options.get('name')}")

    def closing(self, part: P, what: str = "") -> P:
        """`part.aclose()` at the end, before what was opened earlier."""
        self.at_close(part.aclose, what or type(part).__name__)
        return part

    def at_close(self, close: Callable[[], Awaitable[None] | None], what: str = "") -> None:
        """`close()` (a function or a coroutine function) at the end, before what was registered earlier."""
        self._closers.append((what or getattr(close, "__qualname__", "a callback"), close))

    # -- heartbeat and tasks ----------------------------------------------------------------------

    def heartbeat(self, counters: Callable[[], CounterValues], status: str = "running", about: str = "") -> Heartbeat:
        """The service's heartbeat, holding `counters()`: beating once the runtime is entered (at once if it is)."""
        if self._heartbeat is not None:
            raise RuntimeError(f"{self.service} already has a heartbeat")
        self._heartbeat = Heartbeat(
            keys=self.keys,
            service=self.service,
            instance=self.instance,
            counters=counters,
            status=status,
            about=about,
            settings=self.streams,
            client=self.redis,
        )
        if self._entered:
            self._heartbeat.start()
        return self._heartbeat

    async def end_heartbeat(self) -> None:
        """Delete the heartbeat now: peers stop counting on this service while it finishes its own work."""
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            await heartbeat.aclose()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A background loop of the service, cancelled at the end before anything it uses is closed."""
        task = asyncio.create_task(work, name=name)
        self._tasks.append(task)
        return task

    async def cancel_tasks(self) -> None:
        """Cancel the loops spawned so far now, when the service's own close needs them gone first."""
        tasks, self._tasks = self._tasks, []
        await cancelled(tasks)

    # -- life -------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._entered = True
        if self._signals:
            self._give_back_signals = on_signals(self._signalled)
        if self._heartbeat is not None:
            self._heartbeat.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _signalled(self, sig: signal.Signals) -> None:
        log.info("%s %s: %s, stopping", self.service, self.instance, sig.name)
        self.stop.set()

    async def aclose(self) -> None:
        """The tasks, the heartbeat, then every part and callback, newest first; each failure logged, none stops it."""
        self._give_back_signals()
        await self.cancel_tasks()
        await self.end_heartbeat()
        while self._closers:
            what, close = self._closers.pop()
            try:
                result = close()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("%s %s: closing %s failed", self.service, self.instance, what)


@contextlib.asynccontextmanager
async def signals_logged(what: str) -> Any:
    """For a server that takes SIGTERM and SIGINT itself while it serves and raises them again once it is done
    (uvicorn): the signal raised again is only logged, so the process ends with 0 after its orderly close."""
    give_back = on_signals(lambda sig: log.info("%s (%s)", what, sig.name))
    try:
        yield
    finally:
        give_back()
