"""The app: routers, static files, and a lifespan that opens and closes the Redis clients and the hub."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.dashboard.inspector import ALL_MESSAGES
from services.dashboard.live import READ_BLOCK_MS, Hub
from services.dashboard.routers import control, envs, live, page, services, streams
from services.dashboard.routers.page import STATIC
from services.dashboard.settings import DashboardSettings, get_settings
from shared.health import Heartbeat
from shared.messages import Message
from shared.streams import Publisher, StreamReader, make_client


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
        counters=lambda: {**asdict(hub.counters), **hub.stats.as_dict()},
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
    """The app; `settings` (from the command line, or a test) replace the cached default everywhere."""
    app = FastAPI(
        title="crystal-rl dashboard",
        summary="The live game, every number, the services and the streams of a crystal-rl run.",
        version="1",
        lifespan=lifespan,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    for module in (live, envs, control, services, streams, page):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
