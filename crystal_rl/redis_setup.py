"""Find Redis, or start one: the first thing `crystal-rl run` does."""

import logging
from pathlib import Path

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
    # its own session: `crystal-rl run` stops it itself, last, after every service has saved
    server = LocalRedis(data_dir / "redis", own_session=True).start()
    log.info("no Redis at %s; started a local redis-server at %s", url, server.url)
    return server.url, server
