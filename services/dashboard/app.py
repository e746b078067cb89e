"""Wiring: settings → the Redis clients, the hub and the heartbeat (opened and closed by the app's lifespan) → the
web app under uvicorn, until SIGTERM (exit 0).

`create_app` is the web app with that lifespan (the tests serve it in their own event loop);
`main` is `python -m services.dashboard`.
"""

import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import FrameType

import uvicorn
from fastapi import FastAPI

from services.dashboard.inspector import ALL_MESSAGES
from services.dashboard.live import READ_BLOCK_MS, Hub
from services.dashboard.settings import DashboardSettings, get_settings
from services.dashboard.web import web_app
from shared.entrypoint import check_redis, fail
from shared.errors import CrystalRLError
from shared.health import Heartbeat
from shared.logs import configure_logging
from shared.messages import Message
from shared.settings import settings_from_cli
from shared.streams import Publisher, StreamReader, make_client

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the clients and start the hub and the heartbeat for the app's life; close them all after it."""
    settings: DashboardSettings = app.dependency_overrides.get(get_settings, get_settings)()
    redis = make_client(settings.redis_url, settings.streams)
    reader: StreamReader[Message] = StreamReader(
        settings.redis_url, model=ALL_MESSAGES, settings=settings.streams, block_ms=READ_BLOCK_MS
    )
    publisher = Publisher(settings.redis_url, keys=settings.keys, settings=settings.streams)
    hub = Hub(settings, redis, reader)
    app.state.redis, app.state.reader, app.state.publisher, app.state.hub = redis, reader, publisher, hub
    heartbeat = Heartbeat(
        keys=settings.keys,
        service="dashboard",
        instance=settings.instance,
        counters=lambda: {**hub.counters.as_dict(), **hub.stats.as_dict()},
        status="running",
        settings=settings.streams,
        client=redis,
    )
    await hub.start()
    try:
        async with heartbeat:  # the dashboard shows in its own services panel, and the supervisor sees it
            yield
    finally:
        await hub.aclose()
        await publisher.aclose()
        await reader.aclose()
        await redis.aclose()


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    """The web app, its clients opened by `lifespan`; `settings` replace the cached default everywhere."""
    return web_app(settings, lifespan)


def _stopped(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises the signal that stopped it once it is done; by then there is nothing left to do."""
    log.info("dashboard stopped (%s)", signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> None:
    """Settings from flags and `CRL_*`, logging, then uvicorn; SIGTERM ends it cleanly (exit 0)."""
    prog = "python -m services.dashboard"
    settings = settings_from_cli(DashboardSettings, argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        check_redis(settings.redis_url)
    except CrystalRLError as exc:
        fail(prog, exc)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace,
        lifespan="on",
    )
    log.info(
        "dashboard on http://%s:%d/ (controls %s)",
        settings.host,
        settings.port,
        "need the token" if settings.dashboard_token else "disabled: no CRL_DASHBOARD_TOKEN",
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    uvicorn.Server(config).run()
