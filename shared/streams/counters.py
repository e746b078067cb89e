"""The streams layer's counters, as heartbeats carry them (`Heartbeat(counters=...)`)."""

from shared.counters import Counters


class StreamCounters(Counters):
    """Totals of the streams layer since the process started; one instance can be shared by a service's
    publisher, consumers and loops.

    - `published`: entries written to Redis (directly, in a batch, or flushed from the buffer);
    - `buffered`: messages put into the in-memory buffer because Redis was unreachable;
    - `dropped`: messages lost: the oldest of a full buffer, or rejected by Redis for a non-transient reason;
    - `received`: entries delivered to this process by XREADGROUP or XAUTOCLAIM;
    - `acked`: entries acknowledged after their handler succeeded;
    - `dead`: entries moved to `dead`: failed validation, or failed their handler `max_deliveries` times;
    - `handler_failures`: handler calls that raised; the entry stays pending and is retried through claiming;
    - `claimed`: entries taken over by XAUTOCLAIM (from a dead consumer, or retried after a handler failure);
    - `connection_errors`: operations that failed because Redis was unreachable (each logged with its delay);
    - `reconnects`: times Redis answered again after an outage;
    - `loop_errors`: unexpected errors at a loop boundary (logged with their traceback; the loop waits, goes on).
    """

    def __init__(self) -> None:
        super().__init__(
            "published buffered dropped received acked dead handler_failures claimed connection_errors reconnects "
            "loop_errors"
        )
