"""`/api/envs`: each game's live numbers, screen, plot series and exploration heat map."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import ValidationError

from services.dashboard.deps import HubDep, RedisDep, require_read
from services.dashboard.live import Hub, known_envs
from services.dashboard.views import EnvView
from shared.notes import Notes

router = APIRouter(prefix="/api/envs", tags=["envs"], dependencies=[Depends(require_read)])


def env_view(env: str, hub: HubDep) -> EnvView:
    """The env's view, or 404 naming the envs there are."""
    view = hub.envs.get(env)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, unknown_env(env, hub))
    return view


def unknown_env(env: str, hub: Hub) -> str:
    known = known_envs(hub)
    return f"unknown env {env!r}: known envs are {known}" if known else f"unknown env {env!r}: no env has sent frames"


View = Annotated[EnvView, Depends(env_view)]


@router.get("")
async def list_envs(hub: HubDep) -> list[dict[str, Any]]:
    """Every env with its current numbers."""
    return [hub.env_payload(view) for _, view in sorted(hub.envs.items())]


@router.get("/{env}")
async def get_env(view: View) -> dict[str, Any]:
    """One env's numbers: step, steps/s, rewards and their breakdown, state (map, position, money, badges,
    party, battle), action-source shares, interventions."""
    return view.summary()


@router.get("/{env}/screen.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def screen(redis: RedisDep, hub: HubDep, view: View) -> Response:
    """The newest full-size screen (what the emulator last wrote; 404 when it has written none lately)."""
    png = await redis.get(hub.keys.screen(view.env))
    if png is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"env {view.env!r} has no recent screen (is it running?)")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/{env}/notes")
async def notes(redis: RedisDep, hub: HubDep, view: View) -> Notes:
    """The planner's notes for this env: the goals and facts its model keeps between calls (none when no
    planner has written any, or when what is stored cannot be read)."""
    raw = await redis.get(hub.keys.memory(view.env))
    try:
        return Notes.model_validate_json(raw) if raw else Notes()
    except ValidationError:
        return Notes()


@router.get("/{env}/series")
async def series(view: View) -> list[dict[str, Any]]:
    """Plot points, oldest first: total and recent reward, steps/s, action-source shares."""
    return view.series_points()


@router.get("/{env}/explored")
async def explored(view: View) -> dict[str, Any]:
    """The exploration heat map: visits per tile of every map seen (most recently visited map first)."""
    current = view.frame.state.map_id if view.frame else None
    return {
        "env": view.env,
        "current_map": list(current) if current else None,
        "unplaced_visits": view.heat.unplaced,
        "maps": view.heat.all(),
    }
