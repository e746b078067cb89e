"""Dependencies the routers share: settings, the hub, Redis, the publisher, and the token checks."""

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from redis.asyncio import Redis

from services.dashboard.live import Hub
from services.dashboard.settings import DashboardSettings, get_settings
from shared.messages import Message
from shared.streams import Publisher, StreamReader

Settings = Annotated[DashboardSettings, Depends(get_settings)]


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def get_redis(request: Request) -> Redis:
    return request.app.state.redis


def get_reader(request: Request) -> StreamReader[Message]:
    return request.app.state.reader


def get_publisher(request: Request) -> Publisher:
    return request.app.state.publisher


HubDep = Annotated[Hub, Depends(get_hub)]
RedisDep = Annotated[Redis, Depends(get_redis)]
ReaderDep = Annotated[StreamReader[Message], Depends(get_reader)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]


def presented_token(request: Request) -> str | None:
    """`Authorization: Bearer T`, `X-Dashboard-Token: T`, or `?token=T` (EventSource cannot send headers)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-dashboard-token") or request.query_params.get("token")


def _check(request: Request, settings: DashboardSettings) -> None:
    if settings.dashboard_token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "controls are disabled: start the dashboard with CRL_DASHBOARD_TOKEN set (crystal-rl run sets one)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    given = presented_token(request)
    expected = settings.dashboard_token.get_secret_value()
    if given is None or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong token: open the URL with ?token=... or send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_control(request: Request, settings: Settings) -> None:
    """Every write needs the token."""
    _check(request, settings)


def require_read(request: Request, settings: Settings) -> None:
    """Reads are open on a loopback address and need the token anywhere else."""
    if not settings.loopback:
        _check(request, settings)
