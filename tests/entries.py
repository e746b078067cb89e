"""A message as a stream gives it back, for tests that decode one without a Redis round trip."""

from shared.messages import Message


def as_entry(message: Message) -> dict[bytes, bytes]:
    """`message`'s fields as Redis returns them: every key and value bytes."""
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in message.to_fields().items()}
