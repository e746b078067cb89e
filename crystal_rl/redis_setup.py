"""Find Redis, or start one: the first thing `crystal-rl run` does.

The server it starts listens on 127.0.0.1 only and requires a fresh random password; the URL with
that password goes to `data/redis.url` (owner-only), where `status`, `streams`, `save` and `load`
find it, and to the services through their environment, never their command lines.
"""

import logging
import secrets
from pathlib import Path

from shared.errors import ConfigError, RedisUnavailableError
from shared.redis_server import LocalRedis, Reach, ServerKind, find_server, probe, refused_message
from shared.redis_url import redact

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
