"""Decoding stream entries into models, and turning the ones that cannot be decoded into dead letters."""

from collections.abc import Mapping
from typing import Generic, TypeVar

from shared.errors import MessageError
from shared.messages import DeadLetter, Fields, Message

M = TypeVar("M", bound=Message)


class Decoder(Generic[M]):
    """Decodes entries into one of a few models, chosen by the entry's `kind` field.

    With one model, decoding is exactly `model.from_fields` (so a wrong kind is its error);
    with several (a stream that carries more than one message type), `kind` picks the model.
    """

    def __init__(self, *models: type[M]) -> None:
        if not models:
            raise ValueError("Decoder needs at least one Message model, e.g. Decoder(Frame)")
        self.models = models
        self._by_kind = {model.KIND.encode(): model for model in models}
        if len(self._by_kind) != len(models):
            raise ValueError(f"two models share a KIND: {[m.KIND for m in models]}")

    def decode(self, fields: Fields | None) -> M:
        """The message in `fields`; raises `MessageError` saying what is wrong."""
        if fields is None:
            raise MessageError("entry has no fields (deleted or trimmed)")
        if len(self.models) == 1:
            return self.models[0].from_fields(fields)
        kind = fields.get(b"kind")
        model = self._by_kind.get(kind) if kind is not None else None
        if model is None:
            expected = ", ".join(m.KIND for m in self.models)
            raise MessageError(f"unknown kind {kind!r} (expected one of: {expected})")
        return model.from_fields(fields)


def dead_letter(
    *,
    stream: str,
    entry_id: str,
    reason: str,
    fields: Mapping[bytes, bytes] | None,
    max_field_bytes: int,
    group: str | None = None,
    consumer: str | None = None,
    deliveries: int | None = None,
) -> DeadLetter:
    """A `DeadLetter` holding `fields` as they were, each value cut to `max_field_bytes`."""
    raw: list[tuple[bytes, bytes]] = []
    truncated = False
    for key, value in (fields or {}).items():
        key_bytes, value_bytes = _as_bytes(key), _as_bytes(value)
        if len(value_bytes) > max_field_bytes:
            value_bytes = value_bytes[:max_field_bytes]
            truncated = True
        raw.append((key_bytes[:max_field_bytes], value_bytes))
    return DeadLetter(
        source_stream=stream,
        entry_id=entry_id,
        reason=reason,
        group=group,
        consumer=consumer,
        deliveries=deliveries,
        raw=tuple(raw),
        truncated=truncated,
    )


def as_text(value: object) -> str:
    """A name or id as Redis returned it (bytes, since clients keep `decode_responses` off) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()
