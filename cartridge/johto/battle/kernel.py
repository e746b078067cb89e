"""What the battle needs from the world's kernel (`cartridge/johto/engine/kernel.py`), in one place.

- `delay_frame`: returns after the next VBlank was handled (registers kept);
- `random`: `a` = a new random byte (Crystal's generator, `hRandomAdd`/`hRandomSub`), other registers kept;
- `apply_tilemap`: `wTilemap`/`wAttrmap` as drawn reach the screen at the next VBlank, waited for (registers kept):
  the battle's frame wait, so whatever it drew shows;
- `lcd_off` / `lcd_on`, `request_palettes`, `farcall`: for its pictures, loaded from its second bank.

The joypad arrives in `hJoyPressed` / `hJoyDown` with Crystal's bits (`cartridge.johto.ram.BTN_*`).
"""

from __future__ import annotations

DELAY_FRAME = "delay_frame"
RANDOM = "random"
APPLY_TILEMAP = "apply_tilemap"
LCD_OFF = "lcd_off"
LCD_ON = "lcd_on"
REQUEST_PALETTES = "request_palettes"
FARCALL = "farcall"
ROUTINES = (DELAY_FRAME, RANDOM, APPLY_TILEMAP, LCD_OFF, LCD_ON, REQUEST_PALETTES, FARCALL)
"""The kernel's routines the battle calls."""
