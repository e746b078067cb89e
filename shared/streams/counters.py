"""Counters of the streams layer, exposed as a dict for heartbeats (`Heartbeat(counters=...)`)."""

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class StreamCounters:
    """Totals since the process started. One instance can be shared by a service's publisher and consumers."""

    published: int = 0
    """Entries written to Redis (directly, in a batch, or flushed from the buffer)."""
    buffered: int = 0
    """Messages put into the in-memory buffer because Redis was unreachable."""
    dropped: int = 0
    """Messages lost: the oldest of a full buffer, or rejected by Redis for a non-transient reason."""
    received: int = 0
    """Entries delivered to this process by XREADGROUP or XAUTOCLAIM."""
    acked: int = 0
    """Entries acknowledged after their handler succeeded."""
    dead: int = 0
    """Entries moved to `dead`: failed validation, or failed their handler `max_deliveries` times."""
    handler_failures: int = 0
    """Handler calls that raised; the entry stays pending and is retried through claiming."""
    claimed: int = 0
    """Entries taken over by XAUTOCLAIM (from a dead consumer, or retried after a handler failure)."""
    connection_errors: int = 0
    """Operations that failed because Redis was unreachable (each one logged with its retry delay)."""
    reconnects: int = 0
    """Times Redis answered again after an outage."""
    loop_errors: int = 0
    """Unexpected errors at a loop boundary (logged with their traceback; the loop waits, then goes on)."""

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
