"""`GET /api/live`: the one Server-Sent Events connection of a page."""

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from services.dashboard.deps import HubDep, require_read
from services.dashboard.live import KEEPALIVE

router = APIRouter(prefix="/api", tags=["live"], dependencies=[Depends(require_read)])

KEEPALIVE_S = 15.0


@router.get(
    "/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def live(hub: HubDep) -> StreamingResponse:
    """Live updates: `snapshot` first (everything), then `env` (numbers, screen, plot point; at most
    `update_hz` per env per second), `heat` (the current map's heat map), `services`, `events` and `episodes` (new
    points of the learning curve, and the count of skipped entries)."""
    client = hub.subscribe()

    async def stream() -> AsyncIterator[bytes]:
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(client.queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    chunk = KEEPALIVE
                if chunk is None:
                    return
                yield chunk
        finally:
            hub.unsubscribe(client)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
