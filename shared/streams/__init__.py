"""The streams layer: the only code in crystal-rl that talks to Redis streams.

- `Publisher`: typed, bounded (`MAXLEN ~`), batched publishing that buffers through outages.
- `Consumer`: consumer groups, ack after the handler, claim of pending entries, dead letters.
- `StreamReader`: group-less reads for the dashboard and the CLI: stream names, XINFO (`StreamInfo`),
  pages, ranges and tails.
- `StreamSettings`, `StreamCounters`: configuration and the counters heartbeats carry.
- `LoopGuard`: the one loop boundary (classify, log, count, back off or pause, go on), and
  `Backoff`, the one way a retry delay is computed; `cancelled`, the one way a loop's task is stopped.
- `RedisPart`: what every part with a Redis client shares: a client given or owned, and `aclose`.

Heartbeats are in `shared.health`.
"""

from shared.streams.backoff import Availability, Backoff
from shared.streams.codec import Decoder, as_text, dead_letter
from shared.streams.connection import TRANSIENT_ERRORS, RedisPart, is_transient, make_client
from shared.streams.consumer import Consumer, Delivery, Handler
from shared.streams.counters import StreamCounters
from shared.streams.info import ConsumerInfo, GroupInfo, StreamInfo
from shared.streams.loop import LoopGuard, cancelled
from shared.streams.publisher import Publisher
from shared.streams.reader import Page, StreamEntry, StreamReader
from shared.streams.settings import StreamSettings, stream_kind

__all__ = [
    "TRANSIENT_ERRORS",
    "Availability",
    "Backoff",
    "Consumer",
    "ConsumerInfo",
    "Decoder",
    "Delivery",
    "GroupInfo",
    "Handler",
    "LoopGuard",
    "Page",
    "Publisher",
    "RedisPart",
    "StreamCounters",
    "StreamEntry",
    "StreamInfo",
    "StreamReader",
    "StreamSettings",
    "as_text",
    "cancelled",
    "dead_letter",
    "is_transient",
    "make_client",
    "stream_kind",
]
