"""Find Redis, or start one: the first thing `crystal-rl run` does."""

import logging
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

from shared import redis_server
from shared.errors import RedisUnavailableError
from shared.redis_server import LocalRedis, ping

log = logging.getLogger(__name__)


def connect_or_start(url: str, explicit: bool, data_dir: Path) -> tuple[str, LocalRedis | None]:
    """The Redis URL to use, and the local server started for it (None when one already answered).

    An explicitly given URL must answer: silently starting another Redis would split the run.
    """
    if ping(url):
        return url, None
    if explicit:
        raise RedisUnavailableError(
            f"cannot reach Redis at {url}: start it, fix the URL, or leave --redis-url out "
            "to have a local redis-server started"
        )
    server = SessionRedis(data_dir / "redis").start()
    log.info("no Redis at %s; started a local redis-server at %s", url, server.url)
    return server.url, server


class SessionRedis(LocalRedis):
    """A `LocalRedis` in its own session, so a Ctrl-C in the terminal does not reach it.

    The terminal sends SIGINT to its whole foreground process group; a redis-server in that
    group would shut down at once, while the services are still saving and acknowledging
    what they own. `crystal-rl run` stops it itself, last.
    """

    def start(self, timeout: float = 10.0) -> "SessionRedis":
        def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
            return subprocess.Popen(*args, **kwargs, start_new_session=True)

        # only LocalRedis's own view of `subprocess` changes, and only while it starts the server
        session = SimpleNamespace(Popen=popen, DEVNULL=subprocess.DEVNULL, PIPE=subprocess.PIPE)
        with mock.patch.object(redis_server, "subprocess", session):
            super().start(timeout)
        return self
