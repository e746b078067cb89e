"""Find Redis, or start one (and keep it alive): the first thing `crystal-rl run` does.

The server it starts listens on 127.0.0.1 only and requires a fresh random password; the URL with
that password goes to `data/redis.url` (owner-only), where `status`, `streams`, `save` and `load`
find it, and to the services through their environment, never their command lines.
"""

import asyncio
import contextlib
import logging
import secrets
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from shared.errors import ConfigError, RedisUnavailableError
from shared.keys import Keys
from shared.messages import Event
from shared.redis_server import LocalRedis, Reach, ServerKind, find_server, probe, refused_message
from shared.redis_url import redact
from shared.streams import Backoff, Publisher, StreamSettings

log = logging.getLogger(__name__)


def connect_or_start(url: str, explicit: bool, data_dir: Path, own: bool = False) -> tuple[str, LocalRedis | None]:
    """The Redis URL to use, and the local server started for it (None when one already answered).

    An explicitly given URL must answer: silently starting another Redis would split the run. A
    Redis that refuses the credentials is an error too, given or not. `own` starts a local server
    even when one answers at the default URL.
    """
    if not own or explicit:
        reach, detail = probe(url)
        if reach is Reach.OK:
            return url, None
        if reach is Reach.REFUSED:
            raise ConfigError(refused_message(url, detail))
        if explicit:
            raise RedisUnavailableError(
                f"cannot reach Redis at {redact(url)}: start it, fix the URL, or leave --redis-url out "
                "to have a local server started"
            )
    server = start_local(data_dir)
    log.info("no Redis at %s; started %s at %s", redact(url), server.describe(), redact(server.url))
    return server.url, server


def start_local(data_dir: Path) -> LocalRedis:
    """A server for this run: the system's redis-server, else the embedded valkey-server, with a random password.

    Each kind keeps its own directory: Redis 7.0 cannot read the files a newer Valkey writes.
    """
    binary = find_server(ServerKind.AUTO)
    folder = "redis" if binary.kind is ServerKind.SYSTEM else "valkey"
    # its own session: `crystal-rl run` stops it itself, last, after every service has saved
    server = LocalRedis(data_dir / folder, own_session=True, password=secrets.token_urlsafe(24), server=binary)
    return server.start()


class RedisKeeper:
    """Keeps the run's own Redis alive: a server that died (a `kill -9`, the OOM killer) is reaped and started
    again on the same port, with the same password and data directory (its append-only file brings the streams
    back), within about a second; the restart goes to `events` (kind `redis_restarted`). The services meet it as
    any outage: they buffer, back off and reconnect by themselves."""

    def __init__(
        self,
        server: LocalRedis,
        url: str,
        keys: Keys,
        on_restart: Callable[[str], object] = lambda line: None,
        poll_s: float = 0.5,
    ) -> None:
        self.server = server
        self.url = url
        self.keys = keys
        self.on_restart = on_restart
        self.poll_s = poll_s
        self.restarts = 0
        self.delays = Backoff(0.2, 10.0, jitter=0.0)
        """Between failed starts (a port taken meanwhile, a full disk): growing, never a tight loop."""

    async def run(self, stop: asyncio.Event) -> None:
        """Look every `poll_s` until `stop`; restart the server whenever it is found dead."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_s)
            process = self.server.process
            if stop.is_set() or process is None or process.poll() is None:  # poll() reaps it: no defunct left
                continue
            code = process.returncode
            log.warning("the run's %s exited with %s; starting it again", self.server.describe(), code)
            while not stop.is_set():
                try:
                    await asyncio.to_thread(self._restart)
                    break
                except RedisUnavailableError as exc:
                    delay = self.delays.next_delay()
                    log.error("could not restart Redis (%s); trying again in %.1f s", exc, delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
            else:
                return
            self.delays.reset()
            self.restarts += 1
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
            line = f"Redis {how}; restarted on port {self.server.port} (restart #{self.restarts})"
            self.on_restart(line)
            await self._announce(line, code)

    def _restart(self) -> None:
        self.server.stop()
        self.server.start()

    async def _announce(self, line: str, code: int) -> None:
        event = Event(
            service="supervisor", instance=socket.gethostname(), kind="redis_restarted", message=line,
            level="warning", data={"exit_code": code, "restarts": self.restarts, "port": self.server.port},
        )  # fmt: skip
        async with Publisher(self.url, keys=self.keys, settings=StreamSettings()) as publisher:
            await publisher.publish(self.keys.events, event)
