"""The dashboard's PNG, encoded by hand: PIL reads back exactly the pixels it was given."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from services.emulator.game import Game
from services.emulator.screens import encode_png
from shared.rom import inspect_rom


def test_png_holds_exactly_the_rgb_pixels() -> None:
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(144, 160, 4), dtype=np.uint8)
    image = Image.open(io.BytesIO(encode_png(rgba)))
    assert (image.size, image.mode) == ((160, 144), "RGB")
    assert np.array_equal(np.asarray(image), rgba[:, :, :3])


def test_png_of_the_demo_cartridge_screen(demo_rom: Path) -> None:
    game = Game(inspect_rom(demo_rom))
    game.boot(3000)
    game.refresh_screen()
    observation = game.observe(full_screen=True)
    assert observation.rgba is not None
    shown = np.asarray(Image.open(io.BytesIO(encode_png(observation.rgba))))
    assert np.array_equal(shown, np.asarray(game.pyboy.screen.image.convert("RGB")))
    assert len(np.unique(shown.reshape(-1, 3), axis=0)) > 1  # a picture, not a blank
    game.close()
