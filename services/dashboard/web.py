"""The web app's wiring (FastAPI's "Bigger Applications"): the routers, the static files, and the settings every
route depends on. What the routes use (Redis clients, the hub, the heartbeat) is opened and closed by the
lifespan `app.py` hands in."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.dashboard.routers import control, envs, episodes, live, names, page, services, streams
from services.dashboard.routers.page import STATIC
from services.dashboard.settings import DashboardSettings, get_settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def web_app(settings: DashboardSettings | None, lifespan: Lifespan) -> FastAPI:
    """The app; `settings` (from the command line, or a test) replace the cached default everywhere."""
    app = FastAPI(
        title="crystal-rl dashboard",
        summary="The live game, every number, the services and the streams of a crystal-rl run.",
        version="1",
        lifespan=lifespan,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    for module in (live, envs, episodes, control, services, streams, names, page):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
