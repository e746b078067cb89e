"""`GET /api/episodes`: the learning curve, the finished episodes with their rolling figures."""

from typing import Any

from fastapi import APIRouter, Depends, Query

from services.dashboard.deps import HubDep, require_read

router = APIRouter(prefix="/api", tags=["episodes"], dependencies=[Depends(require_read)])


@router.get("/episodes")
async def episodes(
    hub: HubDep,
    env: str | None = Query(None, description="one env's episodes (default: every env)"),
    evaluation: bool | None = Query(None, alias="eval", description="only eval (true) or only training (false)"),
    limit: int | None = Query(None, ge=1, le=100_000, description="the newest `limit` episodes"),
) -> dict[str, Any]:
    """Finished episodes, oldest first: return, milestones reached, env steps, and the rolling mean return and
    milestone rates (share of the last `window` episodes that reached each) of all envs (`rolling.all`) and of the
    episode's env (`rolling.env`), training and eval apart; `skipped` counts entries that were not episodes."""
    return hub.curve.payload(hub.curve.selection(env, evaluation, limit))
