"""An episode as an animated GIF, so a person can watch what was played: a checkpoint's greedy episodes
(`crystal-rl eval --video`), a world's walkthrough (`crystal-rl walkthrough --video`).

One picture per step (the full-size screen after it, the start screen first) at 10 per
second, with a caption line under the screen: episode, step, button played, return so far.
The caption also keeps two consecutive pictures distinct, so Pillow's writer (which merges
identical frames) keeps one picture per step. Pictures are kept as 4-colour-ish palette
images (a Game Boy screen has few colours), about 25 KB a step in memory.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from shared.files import atomic_writer

FRAME_MS = 100
"""Milliseconds each step is shown: 10 steps a second, a walk the eye can follow."""
CAPTION_HEIGHT = 12


class EpisodeVideo:
    """Pictures of one episode, added step by step, written as one GIF."""

    def __init__(self, start: np.ndarray | None) -> None:
        self.frames: list[Image.Image] = []
        if start is not None:
            self.add(start, "start")

    def add(self, rgba: np.ndarray, caption: str) -> None:
        """Add the (H, W, 4) uint8 screen with `caption` written under it."""
        screen = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
        picture = Image.new("RGB", (screen.width, screen.height + CAPTION_HEIGHT), "black")
        picture.paste(screen, (0, 0))
        ImageDraw.Draw(picture).text((2, screen.height), caption, fill="white")
        self.frames.append(picture.convert("P", palette=Image.Palette.ADAPTIVE))

    def write(self, path: Path) -> Path:
        """Write the GIF atomically (a viewer never opens half a file), creating the directory."""
        if not self.frames:
            raise ValueError("an episode video needs at least one picture")
        with atomic_writer(path) as handle:
            self.frames[0].save(
                handle, format="GIF", save_all=True, append_images=self.frames[1:], duration=FRAME_MS, loop=0
            )
        return path
