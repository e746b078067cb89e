"""The battle screen in `wTilemap`, where Crystal draws it, and the tiles and colours it needs.

| what | where |
|---|---|
| the enemy's name, status, level | (1, 0), (1, 1), "Lv" at (6, 1) |
| its HP bar | "HP:" at (2, 2), six bar tiles (48 pixels), the end at (10, 2) |
| its picture | 7x7 tiles from (12, 0), tile ids 0x00-0x30, BG palette 1 |
| the player's creature, from behind | 6x6 tiles from (2, 6), tile ids 0x31-0x54, BG palette 2 |
| its name, status, level | (10, 7), (10, 8), "Lv" at (14, 8) |
| its HP bar and HP | "HP:" at (10, 9), the end at (18, 9); "HP/max" at (11, 10) |
| the text box | rows 12-17 (words on rows 14 and 16) |

Tiles: the pictures go to tile ids 0x00-0x54 of VRAM bank 0 (the map's tiles, which the overworld reloads
after a battle), the HUD's tiles to 0x60-0x6E (ids the font leaves to the battle, "Lv" at Crystal's 0x6E).
They are copied with the screen off for a moment, as a game does between two scenes, by `bt_load_gfx_far` in the
battle's second bank (`layout.BATTLE_SPARE_BANK`), where the pictures are kept.
"""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto.battle import gfx
from cartridge.johto.battle import kernel as k
from cartridge.johto.battle import ram as r
from cartridge.johto.battle.mons import B_PIC, BASE
from cartridge.johto.charmap import BLANK, CHARS
from cartridge.johto.engine import macros as h
from cartridge.sm83 import Assembler, Mem

VBK = 0xFF4F
TEXT_PALETTE = 7
ENEMY_PALETTE, PLAYER_PALETTE = 1, 2
ENEMY_PIC_AT, PLAYER_PIC_AT = (12, 0), (2, 6)
HP_LABEL, HP_BAR_EMPTY, HP_BAR_FULL, HP_BAR_END = 0x60, 0x62, 0x6A, 0x6B
HP_BAR_PIXELS = 48
STATUS_NAMES = (("SLP", 0x07), ("PSN", 1 << r.PSN), ("BRN", 1 << r.BRN), ("FRZ", 1 << r.FRZ), ("PAR", 1 << r.PAR))


def emit_screen(asm: Assembler) -> None:
    """Every routine of the battle screen."""
    _whole_screen(asm)
    _huds(asm)
    _tiles(asm)
    for name, _mask in STATUS_NAMES:
        asm.label(f"bt_status_{name}")
        asm.db(ch.encode(name))


def _whole_screen(asm: Assembler) -> None:
    # bt_draw_battle_screen: everything from the variables: blank, pictures, both HUDs, an empty text box.
    asm.label("bt_draw_battle_screen")
    asm.ld("hl", r.addr("wTilemap"))
    asm.ld("bc", 20 * 18)
    asm.ld("a", BLANK)
    asm.call("bt_fill")
    asm.ld("hl", r.addr("wAttrmap"))
    asm.ld("bc", 20 * 18)
    asm.ld("a", TEXT_PALETTE)
    asm.call("bt_fill")
    asm.ld("a", Mem(r.addr("wEnemyMonSpecies")))
    asm.and_("a")
    asm.jr("z", "bt_draw_battle_screen.player")
    for name, (x0, y0), size, first, palette in (
        ("enemy", ENEMY_PIC_AT, gfx.FRONT_TILES, gfx.FRONT_FIRST_TILE, ENEMY_PALETTE),
        ("player", PLAYER_PIC_AT, gfx.BACK_TILES, gfx.BACK_FIRST_TILE, PLAYER_PALETTE),
    ):
        if name == "player":
            asm.label("bt_draw_battle_screen.player")
            asm.ld("a", Mem(r.addr("wBattleMonSpecies")))
            asm.and_("a")
            asm.jr("z", "bt_draw_battle_screen.huds")
        asm.ld("hl", h.coord(x0, y0))
        asm.ld("de", h.attr_coord(x0, y0) - h.coord(x0, y0))
        asm.ld("a", first)
        asm.ld("c", size)
        asm.label(f"bt_draw_battle_screen.{name}_row")
        asm.ld("b", size)
        asm.push("hl")
        asm.label(f"bt_draw_battle_screen.{name}_col")
        asm.ld("[hl]", "a")
        asm.push("hl")
        asm.add("hl", "de")
        asm.ld("[hl]", palette)
        asm.pop("hl")
        asm.inc("hl")
        asm.inc("a")
        asm.dec("b")
        asm.jr("nz", f"bt_draw_battle_screen.{name}_col")
        asm.pop("hl")
        asm.push("bc")
        asm.ld("bc", h.SCREEN_W)
        asm.add("hl", "bc")
        asm.pop("bc")
        asm.dec("c")
        asm.jr("nz", f"bt_draw_battle_screen.{name}_row")
        if name == "enemy":
            asm.call("bt_draw_enemy_hud")
    asm.call("bt_draw_player_hud")
    asm.label("bt_draw_battle_screen.huds")
    asm.jp("bt_text_box")


def _huds(asm: Assembler) -> None:
    # bt_draw_enemy_hud
    asm.label("bt_draw_enemy_hud")
    for row in range(3):
        asm.ld("hl", h.coord(0, row))
        asm.ld("bc", 11)
        asm.ld("a", BLANK)
        asm.call("bt_fill")
    asm.ld("hl", h.coord(1, 0))
    asm.ld("de", r.addr("wEnemyMonNickname"))
    asm.call("bt_place_string")
    asm.ld("hl", h.coord(1, 1))
    asm.ld("a", Mem(r.addr("wEnemyMonStatus")))
    asm.call("bt_place_status")
    asm.ld("hl", h.coord(6, 1))
    asm.ld("a", Mem(r.addr("wEnemyMonLevel")))
    asm.call("bt_print_level")
    asm.ld("hl", r.addr("wEnemyMonHP"))
    asm.ld("de", h.coord(2, 2))
    asm.jp("bt_draw_hp_bar")

    # bt_draw_player_hud
    asm.label("bt_draw_player_hud")
    for row in range(7, 11):
        asm.ld("hl", h.coord(9, row))
        asm.ld("bc", 11)
        asm.ld("a", BLANK)
        asm.call("bt_fill")
    asm.ld("a", Mem(r.addr("wBattleMonSpecies")))
    asm.and_("a")
    asm.ret("z")
    asm.ld("hl", h.coord(10, 7))
    asm.ld("de", r.addr("wBattleMonNickname"))
    asm.call("bt_place_string")
    asm.ld("hl", h.coord(10, 8))
    asm.ld("a", Mem(r.addr("wBattleMonStatus")))
    asm.call("bt_place_status")
    asm.ld("hl", h.coord(14, 8))
    asm.ld("a", Mem(r.addr("wBattleMonLevel")))
    asm.call("bt_print_level")
    asm.ld("hl", r.addr("wBattleMonHP"))
    asm.ld("de", h.coord(10, 9))
    asm.call("bt_draw_hp_bar")
    asm.ld("a", Mem(r.addr("wBattleMonHP")))
    asm.ld("d", "a")
    asm.ld("a", Mem(r.addr("wBattleMonHP") + 1))
    asm.ld("e", "a")
    asm.ld("hl", h.coord(11, 10))
    asm.ld("c", 3)
    asm.call("bt_print_num")
    asm.ld("hl", h.coord(14, 10))
    asm.ld("[hl]", CHARS["/"])
    asm.ld("a", Mem(r.addr("wBattleMonMaxHP")))
    asm.ld("d", "a")
    asm.ld("a", Mem(r.addr("wBattleMonMaxHP") + 1))
    asm.ld("e", "a")
    asm.ld("hl", h.coord(15, 10))
    asm.ld("c", 3)
    asm.jp("bt_print_num")

    # bt_place_status: a = a status byte -> its three letters at hl (nothing when healthy).
    asm.label("bt_place_status")
    asm.ld("b", "a")
    for name, mask in STATUS_NAMES:
        asm.ld("a", "b")
        asm.and_(mask)
        asm.ld("de", f"bt_status_{name}")
        asm.jp("nz", "bt_place_string")
    asm.ret()

    # bt_draw_hp_bar: hl = HP then max HP (big-endian), de = the screen address of "HP:".
    asm.label("bt_draw_hp_bar")
    asm.push("de")
    asm.ld("a", "[hl+]")
    asm.ld("d", "a")
    asm.ld("a", "[hl+]")
    asm.ld("e", "a")
    asm.ld("a", "[hl+]")
    asm.ld("b", "a")
    asm.ld("c", "[hl]")
    asm.push("bc")
    asm.ld("h", "d")
    asm.ld("l", "e")
    asm.call("bt_math_set16")
    asm.ld("a", HP_BAR_PIXELS)
    asm.call("bt_mul8")
    asm.pop("bc")  # / max HP: a 16-bit divisor, so both quartered until it fits a byte
    asm.label("bt_draw_hp_bar.fit")
    asm.ld("a", "b")
    asm.and_("a")
    asm.jr("z", "bt_draw_hp_bar.divide")
    asm.srl("b")
    asm.rr("c")
    asm.ld("a", 2)
    asm.call("bt_div8")
    asm.jr("bt_draw_hp_bar.fit")
    asm.label("bt_draw_hp_bar.divide")
    asm.ld("a", "c")
    asm.call("bt_div8")
    asm.ld("a", Mem(r.addr("wBtMath") + 3))
    asm.ld("b", "a")  # pixels
    asm.ld("a", "d")
    asm.or_("e")
    asm.jr("z", "bt_draw_hp_bar.draw")
    asm.ld("a", "b")
    asm.and_("a")
    asm.jr("nz", "bt_draw_hp_bar.draw")
    asm.inc("b")  # any HP left shows a pixel
    asm.label("bt_draw_hp_bar.draw")
    asm.pop("hl")
    asm.ld("[hl]", HP_LABEL)
    asm.inc("hl")
    asm.ld("[hl]", HP_LABEL + 1)
    asm.inc("hl")
    asm.ld("c", 6)
    asm.label("bt_draw_hp_bar.tile")
    asm.ld("a", "b")
    asm.cp(8)
    asm.jr("c", "bt_draw_hp_bar.part")
    asm.sub(8)
    asm.ld("b", "a")
    asm.ld("[hl]", HP_BAR_FULL)
    asm.jr("bt_draw_hp_bar.next")
    asm.label("bt_draw_hp_bar.part")
    asm.add("a", HP_BAR_EMPTY)
    asm.ld("[hl]", "a")
    asm.ld("b", 0)
    asm.label("bt_draw_hp_bar.next")
    asm.inc("hl")
    asm.dec("c")
    asm.jr("nz", "bt_draw_hp_bar.tile")
    asm.ld("[hl]", HP_BAR_END)
    asm.ret()


def _tiles(asm: Assembler) -> None:
    # bt_load_gfx: the pictures of the creatures out (and the HUD's tiles) loaded, from the battle's second bank.
    asm.label("bt_load_gfx")
    for species, index in (("wEnemyMonSpecies", 0), ("wBattleMonSpecies", 1)):
        asm.ld("a", Mem(r.addr(species)))
        asm.call("bt_pic_byte")
        asm.ld(Mem(r.addr("wBtPics") + index), "a")
    h.farcall(asm, "bt_load_gfx_far")
    asm.ret()
    # bt_pic_byte: a = species -> its picture byte (0xFF for none).
    asm.label("bt_pic_byte")
    asm.and_("a")
    asm.jr("z", "bt_pic_byte.none")
    asm.call("bt_load_base")
    asm.ld("a", Mem(BASE + B_PIC))
    asm.ret()
    asm.label("bt_pic_byte.none")
    asm.ld("a", 0xFF)
    asm.ret()


def emit_gfx_loader(asm: Assembler) -> None:
    """`bt_load_gfx_far`, in the battle's second bank beside the pictures: the screen off for a moment, the HUD's
    tiles and both pictures doubled into VRAM, their colours into `wBGPals2`, the screen on, the palettes sent."""
    asm.label("bt_load_gfx_far")
    asm.call(k.LCD_OFF)
    h.put(asm, VBK, 0)
    asm.ld("hl", "bt_hud_tiles")
    asm.ld("de", 0x8000 + gfx.HUD_FIRST_TILE * 16)
    asm.ld("bc", gfx.HUD_TILES << 8 | 0xFF)
    asm.call("bt_expand_tiles")
    for index, table, first, count, palette in (
        (0, "bt_front_pics", gfx.FRONT_FIRST_TILE, gfx.FRONT_TILES**2, ENEMY_PALETTE),
        (1, "bt_back_pics", gfx.BACK_FIRST_TILE, gfx.BACK_TILES**2, PLAYER_PALETTE),
    ):
        asm.ld("a", Mem(r.addr("wBtPics") + index))
        asm.cp(0xFF)
        asm.jr("z", f"bt_load_gfx_far.skip_{index}")
        asm.push("af")
        asm.and_(0x07)
        asm.add("a", "a")
        asm.ld("hl", table)
        h.add_a_to_hl(asm)
        asm.ld("a", "[hl+]")
        asm.ld("h", "[hl]")
        asm.ld("l", "a")
        asm.ld("de", 0x8000 + first * 16)
        asm.ld("bc", count << 8 | 0x00)
        asm.call("bt_expand_tiles")
        asm.pop("af")
        asm.rrca()
        asm.rrca()
        asm.rrca()
        asm.and_(0x1F)
        asm.ld("c", palette)
        asm.call("bt_set_palette")
        asm.label(f"bt_load_gfx_far.skip_{index}")
    asm.call(k.LCD_ON)
    asm.jp(k.REQUEST_PALETTES)

    # bt_expand_tiles: b tiles of 1 bit a pixel from hl to VRAM de, 2 bits a pixel: ink colour 3 (c = 0xFF) or
    # colour 2 (c = 0: the low plane empty).
    asm.label("bt_expand_tiles")
    asm.push("bc")
    asm.ld("b", 8)
    asm.label("bt_expand_tiles.row")
    asm.ld("a", "[hl+]")
    asm.push("af")
    asm.and_("c")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.pop("af")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("b")
    asm.jr("nz", "bt_expand_tiles.row")
    asm.pop("bc")
    asm.dec("b")
    asm.jr("nz", "bt_expand_tiles")
    asm.ret()

    # bt_set_palette: colour a of bt_palettes -> BG palette c of wBGPals2 (WRAM bank 5).
    asm.label("bt_set_palette")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.ld("hl", "bt_palettes")
    h.add_a_to_hl(asm)
    asm.ld("a", "c")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.ld("de", r.addr("wBGPals2"))
    asm.add("a", "e")
    asm.ld("e", "a")
    h.wram_bank(asm, 5)
    asm.ld("b", 8)
    asm.label("bt_set_palette.copy")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("b")
    asm.jr("nz", "bt_set_palette.copy")
    h.wram_bank(asm, 1)
    asm.ret()
