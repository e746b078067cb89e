"""The stream inspector's rendering: entries decoded for the browser (what Redis says about each stream,
XINFO, comes from `StreamReader.info`).

Entries are shown through the pydantic models (one `Decoder` knows every message kind), with
binary fields as sizes (and the frame's small screen as an image link) instead of bytes; an
entry that does not decode is shown with its error and its raw fields' sizes.
"""

import io
from typing import Any

from PIL import Image

from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.messages import (
    Action,
    ControlCommand,
    DeadLetter,
    Episode,
    Event,
    Frame,
    Message,
    NoPlan,
    PlanRequest,
)
from shared.streams import Decoder, StreamEntry, as_text

ALL_MESSAGES: Decoder[Message] = Decoder(Frame, PlanRequest, Action, NoPlan, ControlCommand, Event, Episode, DeadLetter)
"""Every message kind, chosen by the entry's `kind` field: one reader can decode any stream."""

TEXT_PREVIEW = 200


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
