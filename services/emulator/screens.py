"""The dashboard's live picture: the full-size screen as PNG in `screen:{env}`, ten times a second.

Encoding a PNG takes about a millisecond, most of a step. The step only copies the pixels
(5 µs); the encoding runs on a thread of its own, where zlib does its work without the GIL,
next to the emulation rather than in its place, and the key is written when it is done. A
screen still being written when the next one is due means the next one is skipped: the
picture is only ever the newest, and a slow Redis must not queue pictures up.
"""

import asyncio
import logging
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from redis.asyncio import Redis

from shared.streams import TRANSIENT_ERRORS
from shared.streams.backoff import Availability

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
    """Writes the newest screen, one at a time, encoded on its own thread."""

    def __init__(self, client: Redis, key: str, availability: Availability) -> None:
        self.client = client
        self.key = key
        self.availability = availability
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screens")
        self._task: asyncio.Task[None] | None = None

    def show(self, rgba: np.ndarray) -> None:
        """Hand over a copy of the screen's pixels; returns at once."""
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.create_task(self._write(rgba), name="screen")

    async def _write(self, rgba: np.ndarray) -> None:
        if not self.availability.ready():
            return
        try:
            png = await asyncio.get_running_loop().run_in_executor(self._encoder, encode_png, rgba)
            await self.client.set(self.key, png, px=SCREEN_TTL_MS)
        except TRANSIENT_ERRORS:
            self.availability.failed()
        except Exception:  # the loop boundary: one lost picture must not go unreported, nor stop the next
            log.exception("writing the screen to %s failed", self.key)

    async def aclose(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._encoder.shutdown(wait=True)
