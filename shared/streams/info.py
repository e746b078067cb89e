"""What Redis says about a stream (XINFO STREAM, GROUPS, CONSUMERS), as models: `crystal-rl streams` and the
dashboard's inspector show the same numbers, read one way."""

from typing import Any

from pydantic import BaseModel

from shared.streams.codec import as_text


class ConsumerInfo(BaseModel):
    name: str
    pending: int
    idle_ms: int
    inactive_ms: int | None = None
    """Since the consumer's last successful read (Redis 7.2+; None before)."""


class GroupInfo(BaseModel):
    name: str
    consumers: int
    pending: int
    lag: int | None
    """Entries not yet delivered to the group (None when Redis cannot tell, e.g. after trimming)."""
    last_delivered_id: str
    entries_read: int | None = None
    consumer_list: list[ConsumerInfo] = []
    """Filled only when asked for (one more XINFO call per group)."""


class StreamInfo(BaseModel):
    name: str
    length: int
    first_id: str | None
    last_id: str | None
    groups: list[GroupInfo]


def consumer_info(raw: dict[Any, Any]) -> ConsumerInfo:
    return ConsumerInfo(
        name=as_text(raw["name"]),
        pending=int(raw["pending"]),
        idle_ms=int(raw["idle"]),
        inactive_ms=int(raw["inactive"]) if raw.get("inactive") is not None else None,
    )


def group_info(raw: dict[Any, Any], consumers: list[ConsumerInfo]) -> GroupInfo:
    return GroupInfo(
        name=as_text(raw["name"]),
        consumers=int(raw["consumers"]),
        pending=int(raw["pending"]),
        lag=int(raw["lag"]) if raw.get("lag") is not None else None,
        last_delivered_id=as_text(raw["last-delivered-id"]),
        entries_read=int(raw["entries-read"]) if raw.get("entries-read") is not None else None,
        consumer_list=consumers,
    )


def stream_info(name: str, raw: dict[Any, Any], groups: list[GroupInfo]) -> StreamInfo:
    first, last = raw.get("first-entry"), raw.get("last-entry")
    return StreamInfo(
        name=name,
        length=int(raw["length"]),
        first_id=as_text(first[0]) if first else None,
        last_id=as_text(last[0]) if last else None,
        groups=groups,
    )
