"""`/api/services`, `/api/redis`, `/api/events`, `/api/controls/{id}`: who is up, on which Redis, what happened, what
was acknowledged."""

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from services.dashboard.deps import HubDep, RedisDep, Settings, require_read
from shared.redis_server import server_name
from shared.redis_url import redact

router = APIRouter(prefix="/api", tags=["services"], dependencies=[Depends(require_read)])


@router.get("/services")
async def services(hub: HubDep) -> list[dict[str, Any]]:
    """Every service instance seen: up/down from its heartbeat, its counters, how long ago it was seen."""
    return hub.services_payload()


@router.get("/redis")
async def redis_info(settings: Settings, redis: RedisDep) -> dict[str, Any]:
    """Which Redis the dashboard reads, without its password, and which server answers there."""
    return {"url": redact(settings.redis_url), "server": server_name(await redis.info("server"))}


@router.get("/events")
async def events(
    hub: HubDep,
    limit: int = Query(100, ge=1, le=1_000),
    kind: str | None = None,
    env: str | None = None,
) -> list[dict[str, Any]]:
    """Recent events, newest last (milestones, anti-stuck interventions, control acks, failures)."""
    found = [e for e in hub.events if (kind is None or e["kind"] == kind) and (env is None or e["env"] == env)]
    return found[-limit:]


@router.get("/controls/{command_id}")
async def control_ack(command_id: str, hub: HubDep) -> dict[str, Any]:
    """The emulator's acknowledgement of a command (404 until it arrives)."""
    ack = hub.acks.get(command_id)
    if ack is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no acknowledgement for command {command_id!r} yet")
    return ack
