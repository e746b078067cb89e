"""Wiring: settings → the runtime (the Redis clients, the hub and the heartbeat, opened and closed by the app's
lifespan) → the web app under uvicorn, until SIGTERM (exit 0).

`create_app` is the web app with that lifespan (the tests serve it in their own event loop);
`main` is `python -m services.dashboard`.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from services.dashboard.inspector import ALL_MESSAGES
from services.dashboard.live import READ_BLOCK_MS, Hub
from services.dashboard.settings import DashboardSettings, get_settings
from services.dashboard.web import web_app
from shared.messages import Message
from shared.runtime import Runtime, run_service, signals_logged
from shared.streams import StreamReader

log = logging.getLogger(__name__)

SERVICE = "dashboard"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The dashboard's runtime for the app's life: the clients, the hub and the heartbeat, all closed after it.

    SIGTERM and SIGINT are uvicorn's while it serves: it ends the app's life, and with it this runtime.
    """
    settings: DashboardSettings = app.dependency_overrides.get(get_settings, get_settings)()
    async with Runtime.of(settings, SERVICE, settings.instance, signals=False) as runtime:
        reader: StreamReader[Message] = runtime.reader(ALL_MESSAGES, block_ms=READ_BLOCK_MS)
        publisher = runtime.publisher()
        hub = runtime.closing(Hub(settings, runtime.redis, reader), "the hub")
        app.state.redis, app.state.reader, app.state.publisher, app.state.hub = runtime.redis, reader, publisher, hub
        # the dashboard shows in its own services panel, and the supervisor sees it
        runtime.heartbeat(lambda: {**hub.counters.as_dict(), **hub.stats.as_dict()})
        await hub.start()
        yield


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    """The web app, its clients opened by `lifespan`; `settings` replace the cached default everywhere."""
    return web_app(settings, lifespan)


async def serve(settings: DashboardSettings) -> None:
    """The app under uvicorn until SIGTERM or SIGINT; uvicorn raises the signal again once done, and by then the
    dashboard has closed in order, so it only ends the process with 0."""
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
    async with signals_logged("dashboard stopped"):
        await uvicorn.Server(config).serve()


def main(argv: Sequence[str] | None = None) -> None:
    """Settings from flags and `CRL_*`, logging, then uvicorn; SIGTERM ends it cleanly (exit 0)."""
    run_service(DashboardSettings, serve, "python -m services.dashboard", argv)
