"""`/api/streams`: the stream inspector (XINFO) and a browser of entries, newest first, decoded."""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status

from services.dashboard import inspector
from services.dashboard.deps import ReaderDep, Settings, require_read
from shared.messages import Frame
from shared.streams import StreamInfo

router = APIRouter(prefix="/api", tags=["streams"], dependencies=[Depends(require_read)])

ENTRY_ID = r"^\d+-\d+$"


async def known_stream(
    stream: Annotated[str, Path(description="Full stream name, e.g. crl:frames:0")],
    reader: ReaderDep,
    settings: Settings,
) -> str:
    if not (stream.startswith(settings.keys.prefix) and await reader.is_stream(stream)):
        names = await reader.streams(settings.keys.stream_pattern)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown stream {stream!r}: streams are {names}")
    return stream


Stream = Annotated[str, Depends(known_stream)]


@router.get("/streams")
async def streams(reader: ReaderDep, settings: Settings) -> list[StreamInfo]:
    """Every stream under the prefix: length, first and last id, groups with consumers, pending and lag."""
    out = []
    for name in await reader.streams(settings.keys.stream_pattern):
        try:
            out.append(await reader.info(name))
        except Exception as exc:  # trimmed or deleted between SCAN and XINFO
            if "no such key" not in str(exc).lower():
                raise
    return out


@router.get("/streams/{stream}")
async def stream_info(stream: Stream, reader: ReaderDep) -> StreamInfo:
    """One stream's XINFO."""
    return await reader.info(stream)


@router.get("/streams/{stream}/entries")
async def stream_entries(
    stream: Stream,
    request: Request,
    reader: ReaderDep,
    settings: Settings,
    page: Annotated[int, Query(ge=1, description="1 is the newest page")] = 1,
    size: Annotated[int, Query(ge=1, description="Entries per page (at most page_size_max)")] = 20,
    before: Annotated[str | None, Query(pattern=ENTRY_ID, description="Cursor: entries older than this id")] = None,
) -> dict[str, Any]:
    """A page of entries, newest first, decoded through the models. Page N skips the N-1 newer pages;
    `before` (the previous page's `next_before`) gets the next page without skipping."""
    if size > settings.page_size_max:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"size {size} is above the largest page ({settings.page_size_max})"
        )
    length = await reader.length(stream)
    pages = max(1, math.ceil(length / size))
    if before is None and page > pages:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"page {page} is out of range: {stream} has {length} entries, {pages} page(s) of {size}",
        )
    if before is None and page > 1:
        skipped = await reader.latest(stream, count=(page - 1) * size)
        before = skipped.entries[-1].entry_id if skipped.entries else None
    result = await reader.latest(stream, count=size, before=before)
    base = str(request.url_for("stream_entries", stream=stream)).rstrip("/")
    return {
        "stream": stream,
        "length": length,
        "page": page,
        "pages": pages,
        "size": size,
        "next_before": result.next_before,
        "entries": [inspector.render(e, f"{base}/{e.entry_id}") for e in result.entries],
    }


@router.get("/streams/{stream}/entries/{entry_id}")
async def entry(
    stream: Stream, entry_id: Annotated[str, Path(pattern=ENTRY_ID)], request: Request, reader: ReaderDep
) -> dict[str, Any]:
    """One entry, decoded (or its error and raw field sizes)."""
    found = await reader.range(stream, entry_id, entry_id, count=1)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no entry {entry_id} in {stream} (trimmed, or never there)")
    return inspector.render(found[0], str(request.url).split("?")[0])


@router.get(
    "/streams/{stream}/entries/{entry_id}/screen.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def entry_screen(stream: Stream, entry_id: Annotated[str, Path(pattern=ENTRY_ID)], reader: ReaderDep) -> Response:
    """A frame's small grayscale screen as a PNG (the learner's view)."""
    found = await reader.range(stream, entry_id, entry_id, count=1)
    if not found or not isinstance(found[0].message, Frame):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no frame {entry_id} in {stream}")
    return Response(inspector.screen_png(found[0].message), media_type="image/png")


@router.get("/dead")
async def dead(
    reader: ReaderDep, settings: Settings, request: Request, limit: Annotated[int, Query(ge=1, le=1_000)] = 100
) -> list[dict[str, Any]]:
    """The dead letters, newest first: which stream, which entry, and why it could not be processed."""
    page = await reader.latest(settings.keys.dead, count=limit)
    base = str(request.url_for("stream_entries", stream=settings.keys.dead)).rstrip("/")
    return [inspector.render(e, f"{base}/{e.entry_id}") for e in page.entries]
