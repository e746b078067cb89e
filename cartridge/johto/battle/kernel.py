"""What the battle needs from the world's kernel (the contract's names), in one place.

`delay_frame` returns after the next VBlank was handled (registers are not kept); `random` returns a new
random byte in `a` (Crystal's generator, `hRandomAdd`/`hRandomSub`), keeping the other registers. The
kernel's VBlank copies `wTilemap`/`wAttrmap` to the screen while `hBGMapMode` is set, reads the joypad into
`hJoyPressed`/`hJoyDown`, and copies the palettes of `wBGPals2` when `hCGBPalUpdate` is set. Everything else
the battle draws and waits for itself.
"""

from __future__ import annotations

DELAY_FRAME = "delay_frame"
RANDOM = "random"
ROUTINES = (DELAY_FRAME, RANDOM)
"""The kernel's routines the battle calls."""

hBGMapMode = 0xFFD4
"""Crystal's flag: non-zero, the VBlank copies the tile map (and attributes) to the screen."""

BTN_A, BTN_B, BTN_SELECT, BTN_START, BTN_RIGHT, BTN_LEFT, BTN_UP, BTN_DOWN = range(8)
"""Bits of `hJoyPressed` / `hJoyDown` (Crystal's)."""
