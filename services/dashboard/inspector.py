"""The stream inspector: every stream under the prefix with its groups and consumers, and its entries decoded.

Entries are shown through the pydantic models (one `Decoder` knows every message kind), with
binary fields as sizes (and the frame's small screen as an image link) instead of bytes; an
entry that does not decode is shown with its error and its raw fields' sizes.
"""

import io
from typing import Any

from PIL import Image
from pydantic import BaseModel
from redis.asyncio import Redis

from shared.keys import Keys
from shared.messages import (
    SCREEN_HEIGHT,
    SCREEN_WIDTH,
    Action,
    ControlCommand,
    DeadLetter,
    Event,
    Frame,
    Message,
    PlanRequest,
)
from shared.streams import Decoder, StreamEntry, as_text

ALL_MESSAGES: Decoder[Message] = Decoder(Frame, PlanRequest, Action, ControlCommand, Event, DeadLetter)
"""Every message kind, chosen by the entry's `kind` field: one reader can decode any stream."""

TEXT_PREVIEW = 200


class ConsumerInfo(BaseModel):
    name: str
    pending: int
    idle_ms: int
    inactive_ms: int | None = None


class GroupInfo(BaseModel):
    name: str
    consumers: int
    pending: int
    lag: int | None
    """Entries not yet delivered to the group (None when Redis cannot tell, e.g. after trimming)."""
    last_delivered_id: str
    entries_read: int | None = None
    consumer_list: list[ConsumerInfo] = []


class StreamInfo(BaseModel):
    name: str
    length: int
    first_id: str | None
    last_id: str | None
    groups: list[GroupInfo]


async def stream_names(client: Redis, keys: Keys) -> list[str]:
    names = {as_text(k) async for k in client.scan_iter(match=keys.stream_pattern, count=1000, _type="stream")}
    return sorted(names)


async def is_stream(client: Redis, keys: Keys, name: str) -> bool:
    return name.startswith(keys.prefix) and as_text(await client.type(name)) == "stream"


async def describe(client: Redis, name: str) -> StreamInfo:
    """XINFO STREAM, GROUPS and CONSUMERS of one stream."""
    info = await client.xinfo_stream(name)
    groups = []
    for group in await client.xinfo_groups(name):
        group_name = as_text(group["name"])
        consumers = [
            ConsumerInfo(
                name=as_text(c["name"]),
                pending=int(c["pending"]),
                idle_ms=int(c["idle"]),
                inactive_ms=int(c["inactive"]) if c.get("inactive") is not None else None,
            )
            for c in await client.xinfo_consumers(name, group_name)
        ]
        groups.append(
            GroupInfo(
                name=group_name,
                consumers=int(group["consumers"]),
                pending=int(group["pending"]),
                lag=int(group["lag"]) if group.get("lag") is not None else None,
                last_delivered_id=as_text(group["last-delivered-id"]),
                entries_read=int(group["entries-read"]) if group.get("entries-read") is not None else None,
                consumer_list=consumers,
            )
        )
    first, last = info.get("first-entry"), info.get("last-entry")
    return StreamInfo(
        name=name,
        length=int(info["length"]),
        first_id=as_text(first[0]) if first else None,
        last_id=as_text(last[0]) if last else None,
        groups=groups,
    )


def render(entry: StreamEntry[Message], base_url: str) -> dict[str, Any]:
    """One entry for the browser: the decoded message without its bytes, binary fields as sizes and images."""
    out: dict[str, Any] = {"id": entry.entry_id, "stream": entry.stream}
    message = entry.message
    if message is None:
        out.update(ok=False, kind=None, error=entry.error, raw=_raw_fields(entry.fields or {}))
        return out
    data = message.model_dump(mode="json", exclude=set(message.BINARY) | {"raw"})
    binary: dict[str, Any] = {}
    for name in message.BINARY:
        value: bytes = getattr(message, name)
        binary[name] = {"bytes": len(value)}
        if isinstance(message, Frame) and name == "screen" and len(value) == SCREEN_WIDTH * SCREEN_HEIGHT:
            binary[name]["image"] = f"{base_url}/{name}.png"
    if isinstance(message, DeadLetter):
        data["raw"] = _raw_fields(dict(message.raw))
    out.update(ok=True, kind=message.KIND, message=data, binary=binary)
    return out


def screen_png(frame: Frame) -> bytes:
    """The frame's small grayscale screen as a PNG (what the learner sees)."""
    image = Image.frombytes("L", (SCREEN_WIDTH, SCREEN_HEIGHT), frame.screen)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _raw_fields(fields: dict[bytes, bytes]) -> list[dict[str, Any]]:
    out = []
    for key, value in fields.items():
        item: dict[str, Any] = {"field": as_text(key), "bytes": len(value)}
        try:
            text = value.decode()
            item["text"] = text if len(text) <= TEXT_PREVIEW else text[:TEXT_PREVIEW] + "…"
        except UnicodeDecodeError:
            item["text"] = None
        out.append(item)
    return out
