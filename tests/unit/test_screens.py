"""The dashboard's PNG, encoded by hand: PIL reads back exactly the pixels it was given; the writer puts it in Redis."""

import io
import time
from pathlib import Path

import numpy as np
import redis
from PIL import Image

from services.emulator.screens import SCREEN_TTL_MS, ScreenWriter, encode_png
from shared.game.machine import Machine
from shared.redis_server import LocalRedis
from shared.rom import inspect_rom
from shared.streams import StreamSettings
from tests.procs import KEYS


def test_png_holds_exactly_the_rgb_pixels() -> None:
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(144, 160, 4), dtype=np.uint8)
    image = Image.open(io.BytesIO(encode_png(rgba)))
    assert (image.size, image.mode) == ((160, 144), "RGB")
    assert np.array_equal(np.asarray(image), rgba[:, :, :3])


def test_png_of_the_demo_cartridge_screen(demo_rom: Path) -> None:
    game = Machine(inspect_rom(demo_rom))
    game.boot()
    game.refresh_screen()
    view = game.view(full_screen=True)
    assert view.rgba is not None
    shown = np.asarray(Image.open(io.BytesIO(encode_png(view.rgba))))
    assert np.array_equal(shown, np.asarray(game.pyboy.screen.image.convert("RGB")))
    assert len(np.unique(shown.reshape(-1, 3), axis=0)) > 1  # a picture, not a blank
    game.close()


def _written(client: redis.Redis, key: str, writer: ScreenWriter, rgba: np.ndarray) -> bytes | None:
    writer.show(rgba)
    deadline = time.monotonic() + 5
    while writer.busy and time.monotonic() < deadline:
        time.sleep(0.005)
    return client.get(key)


def test_the_writer_puts_the_newest_screen_in_redis_and_rides_out_an_outage(redis_server: LocalRedis) -> None:
    """Written on the writer's own thread (nothing waits on the event loop); Redis stopped: the picture is
    dropped and the next attempt waits for the backoff, never an exception; Redis back: pictures again."""
    key = KEYS.screen("0")
    settings = StreamSettings(backoff_initial=0.05, backoff_max=0.1, connect_timeout=0.5, socket_timeout=0.5)
    writer = ScreenWriter(redis_server.url, key, settings)
    client = redis.Redis.from_url(redis_server.url)
    frames = [np.full((144, 160, 4), shade, dtype=np.uint8) for shade in (10, 200, 90)]
    try:
        png = _written(client, key, writer, frames[0])
        assert png is not None and np.asarray(Image.open(io.BytesIO(png)))[0, 0].tolist() == [10, 10, 10]
        assert 0 < client.pttl(key) <= SCREEN_TTL_MS
        redis_server.stop()
        writer.show(frames[1])
        while writer.busy:
            time.sleep(0.005)
        assert writer.availability.down
        redis_server.start()
        client = redis.Redis.from_url(redis_server.url)
        time.sleep(settings.backoff_max)
        png = _written(client, key, writer, frames[2])
        assert png is not None and np.asarray(Image.open(io.BytesIO(png)))[0, 0].tolist() == [90, 90, 90]
        assert not writer.availability.down
    finally:
        writer.close()
