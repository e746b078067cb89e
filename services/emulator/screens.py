"""The dashboard's live picture: the full-size screen as PNG in `screen:{env}`, ten times a second.

Encoding a PNG takes about a millisecond, most of a step. The step only copies the pixels
(5 µs) and hands them to a thread of its own, which encodes them (zlib works without the
GIL, next to the emulation rather than in its place) and writes the key with a blocking
client of its own. The thread needs nothing from the event loop: through the loop, a screen
waited for three of its turns (start, encoded, written), 20 ms apart, and the picture came 7
times a second instead of 10. A screen still being written when the next one is due delays
the next one until it is done: the picture is only ever the newest, and a slow Redis must
not queue pictures up.
"""

import logging
import struct
import zlib
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import redis

from shared.streams import TRANSIENT_ERRORS, StreamSettings
from shared.streams.backoff import Availability
from shared.streams.connection import make_sync_client

log = logging.getLogger(__name__)

SCREEN_TTL_MS = 10_000
"""The key outlives a stopped emulator by this much, then the dashboard shows no picture."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(rgba: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of an (height, width, 4) RGBA screen, at zlib's fastest level (alpha dropped)."""
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + width * 3), dtype=np.uint8)  # each row: filter type 0 (none), then RGB
    rows[:, 1:] = rgba[:, :, :3].reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND")


def _chunk(kind: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class ScreenWriter:
    """Writes the newest screen, one at a time, encoded and written on its own thread."""

    def __init__(self, redis_url: str, key: str, settings: StreamSettings) -> None:
        self.key = key
        self.client: redis.Redis = make_sync_client(redis_url, settings)
        self.availability = Availability(settings.backoff())
        """The thread's own: Redis being down costs it one failed attempt per backoff delay, not one per screen."""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screens")
        self._pending: Future[None] | None = None

    @property
    def busy(self) -> bool:
        """A screen is still being encoded or written: the step waits with the next one until it is not."""
        return self._pending is not None and not self._pending.done()

    def show(self, rgba: np.ndarray) -> None:
        """Hand over a copy of the screen's pixels; returns at once (dropped if `busy`)."""
        if self.busy:
            return
        self._pending = self._thread.submit(self._write, rgba)

    def _write(self, rgba: np.ndarray) -> None:
        if not self.availability.ready():
            return
        try:
            self.client.set(self.key, encode_png(rgba), px=SCREEN_TTL_MS)
            self.availability.succeeded()
        except TRANSIENT_ERRORS:
            self.availability.failed()
        except Exception:  # the thread's boundary: one lost picture must not go unreported, nor stop the next
            log.exception("writing the screen to %s failed", self.key)

    def close(self) -> None:
        """Wait for the screen being written, then close the client."""
        self._thread.shutdown(wait=True)
        self.client.close()
