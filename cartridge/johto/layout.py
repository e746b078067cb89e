"""Where things live in the Johto ROM and in VRAM: the one table both branches' code agrees on.

ROM (MBC3, 16 KiB banks; bank 0 is always mapped at 0000-3FFF, one other bank at 4000-7FFF):

- bank 0: the kernel (vectors, frames, VBlank, joypad, RNG, far calls), text and menus, the overworld engine
  and the script interpreter: everything that maps other banks to read their data;
- bank 1: world code reached through ``farcall`` (map loading, the START menu, PACK, heavier script commands);
- bank 2: the battle: ``emit_battle`` and ``emit_battle_data`` are called with this bank open;
- bank 3: reserved for the battle (it may ``asm.section(3)`` and reach it by far calls);
- bank 4: graphics: the font and frames (1 bit a pixel), map tiles, people;
- banks 5..: the maps: each map's blocks, warps, objects, scripts and texts in one bank (``wMapScriptsBank``),
  the tileset's collision table and block graphics beside them.

VRAM: tile ids 0x00-0x5F of VRAM bank 0 are the map's tiles, 0x60-0xFF the font and frames (Crystal's
character codes are their tile ids, as in Crystal). VRAM bank 1, ids 0x00-0x7F: people (sprites);
0x80-0xFF: free for the battle's pictures. A battle may overwrite the map's tiles and palettes: the
overworld reloads them when ``battle_main`` returns. BG palette 7 is the text's (white, black ink).
"""

from __future__ import annotations

HOME_BANK = 0
WORLD_CODE_BANK = 1
BATTLE_BANK = 2
BATTLE_SPARE_BANK = 3
GFX_BANK = 4
FIRST_MAP_BANK = 5

MAP_TILES_VRAM = 0x8000
"""VRAM bank 0, tile ids 0x00-0x5F."""
MAP_TILE_COUNT = 0x60
FONT_FIRST_TILE = 0x60
FONT_VRAM = 0x8000 + FONT_FIRST_TILE * 16
SPRITE_TILES_VRAM = 0x8000
"""VRAM bank 1, tile ids 0x00-0x7F (object attribute bit 3 selects VRAM bank 1)."""
BATTLE_TILES_VRAM = 0x8800
"""VRAM bank 1, tile ids 0x80-0xFF: the battle's own."""

TEXT_PALETTE = 7
"""BG palette of text boxes and menus (Crystal's PAL_BG_TEXT)."""
