"""The demo game, written with the SM83 emitter.

Shape of one frame (the main loop):

1. map WRAM bank 6 (scratch) and poll the flag the VBlank interrupt sets -- PyBoy's ``tick()``
   returns right here, so a reader that ignores WRAM banking sees bank 6's decoy bytes. The
   wait is a busy loop, not ``halt``: PyBoy skips a halted CPU's cycles almost for free, which
   made a step of this tiny game four times cheaper to emulate than a step of a game whose
   logic fills its frames. Busy, a 24-frame step costs what a real game's does here (about
   1.8 ms), so the benchmarks' ratios to the bare emulator mean what they would with one;
2. *VBlank stage*: VRAM/OAM work only (map redraw with the LCD off on a map change, one
   cell redraw after an item pickup, the player sprite, the window), fed from HRAM;
3. map WRAM bank 1 and run the game: joypad, play time, the current mode
   (overworld / text / cut-scene / menu / battle / warp), writing Crystal's variables;
4. map banks 7 and 2 for a little scratch work, then back to 1.

Game rules live in ``world.py``; this module is only the program.
"""

from __future__ import annotations

from cartridge import graphics as gfx
from cartridge import mirror as m
from cartridge import ram as r
from cartridge import world as w
from cartridge.macros import add_a_to_hl, clear_memory, put, store, wram_bank
from cartridge.sm83 import Assembler, Mem, Program

# hMode values
MODE_OVERWORLD, MODE_TEXT, MODE_CUTSCENE, MODE_MENU, MODE_BATTLE, MODE_WARP = range(6)
# hAfterText values: what closing the text box leads to
AFTER_NONE, AFTER_STARTER, AFTER_HEAL, AFTER_GYM_BATTLE = range(4)
# hWindow values
WINDOW_NONE, WINDOW_TEXT, WINDOW_MENU, WINDOW_BATTLE = range(4)
WINDOW_POSITIONS = {WINDOW_TEXT: (7, 104), WINDOW_MENU: (7 + 96, 0), WINDOW_BATTLE: (7, 72)}

# joypad byte layout after read_joypad: buttons low nibble, directions high nibble
BTN_A, BTN_B, BTN_SELECT, BTN_START, BTN_RIGHT, BTN_LEFT, BTN_UP, BTN_DOWN = range(8)

LCDC_ON = 0xD3  # LCD on, window map 9C00, tiles at 8000, sprites on, BG on
LCDC_WINDOW = 0x20

# Non-zero, bank-specific fill for WRAM banks 2..7 so unbanked reads of D000-DFFF are visibly wrong.
DECOY_FILL = {bank: (bank << 4) | 0x0B for bank in range(2, 8)}
SCRATCH_BANK_HALT = 6


def _event_flag(flag: int) -> tuple[int, int]:
    """Event flag bit number -> (byte offset from wEventFlags, mask)."""
    return flag >> 3, 1 << (flag & 7)


# ============================================================================ layout
def emit_vectors(asm: Assembler) -> None:
    """Interrupt vectors and the entry point at 0x100."""
    asm.org(0x40)
    asm.label("vblank_interrupt")
    asm.push("af")
    asm.ld("a", 1)
    asm.ldh(Mem(r.hVBlank), "a")
    asm.pop("af")
    asm.reti()
    for vector in (0x48, 0x50, 0x58, 0x60):
        asm.org(vector)
        asm.reti()
    asm.org(0x100)
    asm.nop()
    asm.jp("start")
    asm.org(0x150)


def emit_init(asm: Assembler) -> None:
    """Power-on: clear memory, load graphics, set Crystal's variables, enter New Bark Town."""
    asm.label("start")
    asm.di()
    asm.ld("sp", r.STACK_TOP)
    clear_memory(asm, DECOY_FILL)
    asm.ld("hl", "tile_data")
    asm.ld("de", r.VRAM_TILES)
    asm.ld("bc", len(gfx.tile_data()))
    asm.call("memcpy")
    asm.ld("hl", "window_map")
    asm.ld("de", r.WINDOW_MAP)
    asm.ld("bc", len(gfx.window_map()))
    asm.call("memcpy")
    for index_reg, data_reg, label, count in (
        (r.BCPS, r.BCPD, "bg_palettes", len(gfx.palette_bytes(gfx.BG_PALETTES))),
        (r.OCPS, r.OCPD, "obj_palettes", len(gfx.palette_bytes(gfx.OBJ_PALETTES))),
    ):
        put(asm, index_reg, 0x80)  # auto-increment from colour 0
        asm.ld("hl", label)
        asm.ld("b", count)
        loop = asm.unique("start.palette")
        asm.label(loop)
        asm.ld("a", "[hl+]")
        asm.ldh(Mem(data_reg), "a")
        asm.dec("b")
        asm.jr("nz", loop)
    asm.ld("hl", r.OAM)
    asm.ld("bc", 0xA0)
    asm.xor("a")
    asm.call("memset")
    put(asm, r.SCX, 0)
    put(asm, r.SCY, 0)
    put(asm, r.WX, 7)
    put(asm, r.WY, 144)
    # Crystal's variables, WRAM bank 1
    wram_bank(asm, 1)
    asm.ld("hl", "player_name")
    asm.ld("de", r.wPlayerName)
    asm.ld("bc", len(w.PLAYER_NAME) + 1)
    asm.call("memcpy")
    put(asm, r.wPlayerID, w.PLAYER_ID >> 8)
    put(asm, r.wPlayerID + 1, w.PLAYER_ID & 0xFF)
    for i, byte in enumerate(w.START_MONEY.to_bytes(3, "big")):
        put(asm, r.wMoney + i, byte)
    put(asm, r.wPartySpecies, 0xFF)
    put(asm, r.wPlayerDirection, r.FACING_DOWN)
    put(asm, r.wPlayerState, 0)
    put(asm, r.wJoypadDisable, 0)
    put(asm, r.wMapStatus, r.MAPSTATUS_START)
    asm.call("update_time_of_day")
    asm.ld("a", w.START_MAP)
    asm.ld("b", w.START_Y)
    asm.ld("c", w.START_X)
    asm.call("warp_to")
    # the LCD is still off: draw the first map and the sprite right away
    put(asm, r.hDrawMap, 0)
    asm.call("draw_map")
    asm.call("draw_player")
    put(asm, r.LCDC, LCDC_ON)
    put(asm, r.IE, 0x01)  # VBlank only
    put(asm, r.hBootMagic, r.BOOT_MAGIC)
    asm.ei()


def emit_main_loop(asm: Assembler) -> None:
    """One iteration per frame; see the module docstring."""
    asm.label("main_loop")
    wram_bank(asm, SCRATCH_BANK_HALT)
    asm.xor("a")
    asm.ldh(Mem(r.IF), "a")  # a late frame waits for the next VBlank instead of running mid-frame
    asm.ldh(Mem(r.hVBlank), "a")
    asm.label("main_loop.wait")  # busy, not `halt`: the CPU works the whole frame, as a game's does
    asm.ldh("a", Mem(r.hVBlank))
    asm.and_("a")
    asm.jr("z", "main_loop.wait")
    asm.call("vblank_stage")
    wram_bank(asm, 1)
    asm.call("read_joypad")
    asm.call("tick_clock")
    asm.call("run_mode")
    asm.call("scratch_work")
    asm.jp("main_loop")


# ============================================================================ VBlank stage
def emit_vblank_stage(asm: Assembler) -> None:
    """VRAM and OAM updates, done while the PPU leaves them accessible."""
    asm.label("vblank_stage")
    asm.ldh("a", Mem(r.hDrawMap))
    asm.and_("a")
    asm.jr("z", "vblank_stage.no_map")
    asm.xor("a")
    asm.ldh(Mem(r.hDrawMap), "a")
    asm.ldh(Mem(r.LCDC), "a")  # LCD off while the whole map is rewritten
    asm.call("draw_map")
    asm.jr("vblank_stage.sprites")
    asm.label("vblank_stage.no_map")
    asm.ldh("a", Mem(r.hRedraw))
    asm.and_("a")
    asm.jr("z", "vblank_stage.sprites")
    asm.xor("a")
    asm.ldh(Mem(r.hRedraw), "a")
    asm.ldh("a", Mem(r.hRedrawRow))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.hRedrawCol))
    asm.ld("c", "a")
    asm.call("cell_type_at")
    asm.call("draw_cell")
    asm.label("vblank_stage.sprites")
    asm.call("draw_player")
    asm.ldh("a", Mem(r.hWindow))
    asm.and_("a")
    asm.jr("nz", "vblank_stage.window")
    put(asm, r.LCDC, LCDC_ON)
    asm.ret()
    asm.label("vblank_stage.window")
    asm.add("a", "a")
    asm.ld("hl", "window_positions")
    add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    asm.ldh(Mem(r.WX), "a")
    asm.ld("a", "[hl]")
    asm.ldh(Mem(r.WY), "a")
    put(asm, r.LCDC, LCDC_ON | LCDC_WINDOW)
    asm.ret()

    # draw_map: all 90 cells from wCartCells (LCD off)
    asm.label("draw_map")
    asm.ld("b", 0)
    asm.label("draw_map.row")
    asm.ld("c", 0)
    asm.label("draw_map.col")
    asm.push("bc")
    asm.call("cell_type_at")
    asm.call("draw_cell")
    asm.pop("bc")
    asm.inc("c")
    asm.ld("a", "c")
    asm.cp(w.MAP_WIDTH)
    asm.jr("nz", "draw_map.col")
    asm.inc("b")
    asm.ld("a", "b")
    asm.cp(w.MAP_HEIGHT)
    asm.jr("nz", "draw_map.row")
    asm.ret()

    # draw_cell: b=row, c=col, a=type -> four tiles and their palette attributes
    asm.label("draw_cell")
    asm.ld("d", "a")
    asm.ld("l", "b")
    asm.ld("h", 0)
    for _ in range(6):  # row * 64 (two tile rows of 32)
        asm.add("hl", "hl")
    asm.ld("a", "c")
    asm.add("a", "a")
    add_a_to_hl(asm)
    asm.ld("a", "h")
    asm.add("a", r.BG_MAP >> 8)
    asm.ld("h", "a")
    asm.ld("bc", 32)
    asm.ld("a", "d")
    asm.add("a", "a")
    asm.add("a", "a")  # first tile = type * 4
    asm.push("hl")
    asm.ld("[hl+]", "a")
    asm.inc("a")
    asm.ld("[hl-]", "a")
    asm.add("hl", "bc")
    asm.inc("a")
    asm.ld("[hl+]", "a")
    asm.inc("a")
    asm.ld("[hl]", "a")
    asm.pop("hl")
    put(asm, r.VBK, 1)
    asm.ld("a", "d")  # palette = type
    asm.ld("[hl+]", "a")
    asm.ld("[hl-]", "a")
    asm.add("hl", "bc")
    asm.ld("[hl+]", "a")
    asm.ld("[hl]", "a")
    put(asm, r.VBK, 0)
    asm.ret()

    # draw_player: four OAM entries from hSprX/hSprY and the facing's tiles
    asm.label("draw_player")
    asm.ldh("a", Mem(r.hFacing))
    asm.add("a", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.ld("hl", "sprite_table")
    add_a_to_hl(asm)
    asm.ld("de", r.OAM)
    for dy, dx in ((0, 0), (0, 8), (8, 0), (8, 8)):
        asm.ldh("a", Mem(r.hSprY))
        asm.add("a", 16 + dy)
        asm.ld("[de]", "a")
        asm.inc("de")
        asm.ldh("a", Mem(r.hSprX))
        asm.add("a", 8 + dx)
        asm.ld("[de]", "a")
        asm.inc("de")
        asm.ld("a", "[hl+]")
        asm.ld("[de]", "a")
        asm.inc("de")
        asm.ld("a", "[hl+]")
        asm.ld("[de]", "a")
        asm.inc("de")
    asm.ret()


# ============================================================================ per-frame services
def emit_services(asm: Assembler) -> None:
    """Joypad, play time, real-time clock, scratch banks."""
    asm.label("read_joypad")
    put(asm, r.P1, 0x20)  # select the direction keys
    asm.ldh("a", Mem(r.P1))
    asm.ldh("a", Mem(r.P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.swap("a")
    asm.ld("b", "a")
    put(asm, r.P1, 0x10)  # select the buttons
    for _ in range(4):  # let the lines settle, as real hardware needs
        asm.ldh("a", Mem(r.P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.or_("b")
    asm.ld("b", "a")
    put(asm, r.P1, 0x30)
    asm.ldh("a", Mem(r.hJoyLast))
    asm.cpl()
    asm.and_("b")
    asm.ldh(Mem(r.hJoyPressed), "a")
    asm.ld("a", "b")
    asm.ldh(Mem(r.hJoyHeld), "a")
    asm.ldh(Mem(r.hJoyLast), "a")
    asm.ret()

    # tick_clock: frames 0..59 -> seconds -> minutes -> hours (2 bytes big-endian)
    asm.label("tick_clock")
    asm.ld("hl", r.wGameTimeFrames)
    for unit in ("frames", "seconds", "minutes"):
        asm.inc("[hl]")
        asm.ld("a", "[hl]")
        asm.cp(60)
        if unit == "frames":
            asm.ret("c")
        else:
            asm.jr("c", "update_time_of_day")
        asm.xor("a")
        asm.ld("[hl-]", "a")
    asm.inc("[hl]")  # hours, low byte (D4C5)
    asm.jr("nz", "update_time_of_day")
    asm.dec("hl")
    asm.inc("[hl]")
    # fall through: the time of day is re-read once a second

    # update_time_of_day: latch the MBC3 clock, read its hours, map to Crystal's time of day
    asm.label("update_time_of_day")
    asm.ld("a", 0x0A)
    asm.ld(Mem(r.MBC_RAM_ENABLE), "a")
    asm.xor("a")
    asm.ld(Mem(r.MBC_LATCH), "a")
    asm.inc("a")
    asm.ld(Mem(r.MBC_LATCH), "a")
    asm.ld("a", r.RTC_HOURS)
    asm.ld(Mem(r.MBC_RAM_BANK), "a")
    asm.ld("a", Mem(r.MBC_SRAM))
    asm.and_(0x1F)
    asm.ld("b", "a")
    asm.xor("a")
    asm.ld(Mem(r.MBC_RAM_BANK), "a")
    asm.ld(Mem(r.MBC_RAM_ENABLE), "a")
    asm.ld("a", "b")
    asm.cp(4)
    asm.jr("c", "update_time_of_day.night")
    asm.cp(10)
    asm.jr("c", "update_time_of_day.morning")
    asm.cp(18)
    asm.jr("c", "update_time_of_day.day")
    asm.label("update_time_of_day.night")
    asm.ld("a", 2)
    asm.jr("update_time_of_day.store")
    asm.label("update_time_of_day.morning")
    asm.xor("a")
    asm.jr("update_time_of_day.store")
    asm.label("update_time_of_day.day")
    asm.ld("a", 1)
    asm.label("update_time_of_day.store")
    store(asm, r.wTimeOfDay)
    asm.ret()

    # scratch_work: the game's own use of other WRAM banks (a frame counter, the last input)
    asm.label("scratch_work")
    wram_bank(asm, 7)
    asm.ld("hl", 0xD000)
    asm.inc("[hl]")
    wram_bank(asm, 2)
    asm.ldh("a", Mem(r.hJoyHeld))
    asm.ld(Mem(0xD001), "a")
    wram_bank(asm, 1)
    asm.ret()


# ============================================================================ helpers
def emit_helpers(asm: Assembler) -> None:
    """Memory, map-cell, flag and multi-byte arithmetic routines."""
    asm.label("memset")  # hl=dst, bc=count, a=value
    asm.ld("e", "a")
    asm.label("memset.loop")
    asm.ld("a", "e")
    asm.ld("[hl+]", "a")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "memset.loop")
    asm.ret()

    asm.label("memcpy")  # hl=src, de=dst, bc=count
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "memcpy")
    asm.ret()

    asm.label("cell_ptr")  # b=row, c=col -> hl=&wCartCells[row*10+col] (b, c kept)
    asm.ld("a", "b")
    asm.add("a", "a")
    asm.ld("l", "a")
    asm.add("a", "a")
    asm.add("a", "a")
    asm.add("a", "l")
    asm.add("a", "c")
    asm.ld("l", "a")
    asm.ld("h", r.wCartCells >> 8)
    asm.ret()

    asm.label("cell_type_at")  # b=row, c=col -> a=cell type
    asm.call("cell_ptr")
    asm.ld("a", "[hl]")
    asm.ret()

    asm.label("faced_cell")  # -> b=row, c=col of the cell the player faces; carry if off the map
    asm.ldh("a", Mem(r.hFacing))
    asm.add("a", "a")
    asm.ld("hl", "direction_deltas")
    add_a_to_hl(asm)
    asm.ld("a", Mem(r.wYCoord))
    asm.add("a", "[hl]")
    asm.ld("b", "a")
    asm.inc("hl")
    asm.ld("a", Mem(r.wXCoord))
    asm.add("a", "[hl]")
    asm.ld("c", "a")
    asm.ld("a", "b")
    asm.cp(w.MAP_HEIGHT)
    asm.jr("nc", "faced_cell.out")
    asm.ld("a", "c")
    asm.cp(w.MAP_WIDTH)
    asm.jr("nc", "faced_cell.out")
    asm.or_("a")  # clear carry: on the map
    asm.ret()
    asm.label("faced_cell.out")
    asm.scf()
    asm.ret()

    asm.label("event_ptr")  # e=byte offset -> hl=&wEventFlags[e]
    asm.ld("hl", r.wEventFlags)
    asm.ld("a", "e")
    add_a_to_hl(asm)
    asm.ret()

    asm.label("flag_test")  # e=offset, d=mask -> nz if set
    asm.call("event_ptr")
    asm.ld("a", "[hl]")
    asm.and_("d")
    asm.ret()

    asm.label("flag_set")  # e=offset, d=mask
    asm.call("event_ptr")
    asm.ld("a", "[hl]")
    asm.or_("d")
    asm.ld("[hl]", "a")
    asm.ret()

    asm.label("dex_set")  # a=species, hl=bit field base: set bit species-1
    asm.dec("a")
    asm.ld("c", "a")
    asm.srl("a")
    asm.srl("a")
    asm.srl("a")
    add_a_to_hl(asm)
    asm.ld("a", "c")
    asm.and_(7)
    asm.ld("b", "a")
    asm.inc("b")
    asm.ld("a", 1)
    asm.label("dex_set.shift")
    asm.dec("b")
    asm.jr("z", "dex_set.done")
    asm.add("a", "a")
    asm.jr("dex_set.shift")
    asm.label("dex_set.done")
    asm.or_("[hl]")
    asm.ld("[hl]", "a")
    asm.ret()

    asm.label("add24")  # [hl-2..hl] += [de-2..de], big-endian, hl/de point at the low bytes
    asm.ld("a", "[de]")
    asm.add("a", "[hl]")
    asm.ld("[hl-]", "a")
    asm.dec("de")
    asm.ld("a", "[de]")
    asm.adc("a", "[hl]")
    asm.ld("[hl-]", "a")
    asm.dec("de")
    asm.ld("a", "[de]")
    asm.adc("a", "[hl]")
    asm.ld("[hl]", "a")
    asm.ret()

    asm.label("cmp24")  # big-endian [de] vs [hl] (both at the high byte): carry iff [de] < [hl]
    for last in (False, False, True):
        asm.ld("a", "[de]")
        asm.cp("[hl]")
        if last:
            asm.ret()
        else:
            asm.ret("nz")
            asm.inc("de")
            asm.inc("hl")

    asm.label("add16")  # [hl..hl+1] (big-endian) += a
    asm.inc("hl")
    asm.add("a", "[hl]")
    asm.ld("[hl-]", "a")
    asm.ret("nc")
    asm.inc("[hl]")
    asm.ret()

    asm.label("sub16_clamp")  # [hl..hl+1] (big-endian) -= a, not below 0; z if the result is 0
    asm.ld("c", "a")
    asm.inc("hl")
    asm.ld("a", "[hl]")
    asm.sub("a", "c")
    asm.ld("[hl-]", "a")
    asm.ld("a", "[hl]")
    asm.sbc("a", 0)
    asm.ld("[hl]", "a")
    asm.jr("nc", "sub16_clamp.test")
    asm.xor("a")
    asm.ld("[hl+]", "a")
    asm.ld("[hl-]", "a")
    asm.label("sub16_clamp.test")
    asm.ld("a", "[hl+]")
    asm.or_("[hl]")
    asm.ret()

    asm.label("clamp_money")  # wMoney = min(wMoney, 999999)
    asm.ld("hl", r.wMoney)
    asm.ld("de", "max_money")
    asm.call("cmp24")
    asm.ret("nc")
    asm.ld("hl", "max_money")
    asm.ld("de", r.wMoney)
    asm.ld("bc", 3)
    asm.jp("memcpy")


# ============================================================================ maps
def emit_maps(asm: Assembler) -> None:
    """Warping, loading a map's cells, exits and floor items."""
    asm.label("warp_to")  # a=map index, b=row, c=col
    asm.ldh(Mem(r.hMapIndex), "a")
    asm.add("a", "a")
    asm.ld("hl", "map_ids")
    add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    store(asm, r.wMapGroup)
    asm.ld("a", "[hl]")
    store(asm, r.wMapNumber)
    asm.ld("a", "b")
    store(asm, r.wYCoord)
    asm.swap("a")  # row * 16 pixels
    asm.ldh(Mem(r.hSprY), "a")
    asm.ld("a", "c")
    store(asm, r.wXCoord)
    asm.swap("a")
    asm.ldh(Mem(r.hSprX), "a")
    asm.call("load_cells")
    asm.call("mirror_map")
    put(asm, r.hDrawMap, 1)
    put(asm, r.wMapStatus, r.MAPSTATUS_ENTER)
    put(asm, r.wScriptRunning, 1)
    put(asm, r.hMode, MODE_WARP)
    put(asm, r.hTimer, w.WARP_FRAMES)
    asm.ret()

    asm.label("load_cells")  # copy the map's cells to WRAM0, then remove collected items
    asm.ldh("a", Mem(r.hMapIndex))
    asm.add("a", "a")
    asm.ld("hl", "map_cell_pointers")
    add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    asm.ld("h", "[hl]")
    asm.ld("l", "a")
    asm.ld("de", r.wCartCells)
    asm.ld("bc", w.MAP_WIDTH * w.MAP_HEIGHT)
    asm.call("memcpy")
    asm.ld("hl", "item_table")
    asm.label("load_cells.loop")
    asm.ld("a", "[hl+]")
    asm.cp(0xFF)
    asm.ret("z")
    asm.ld("d", "a")
    asm.ldh("a", Mem(r.hMapIndex))
    asm.cp("d")
    asm.jr("nz", "load_cells.next")
    asm.push("hl")
    asm.ld("a", "[hl+]")
    asm.ld("b", "a")
    asm.ld("a", "[hl+]")
    asm.ld("c", "a")
    asm.ld("a", "[hl+]")
    asm.ld("e", "a")
    asm.ld("d", "[hl]")
    asm.call("flag_test")
    asm.jr("z", "load_cells.keep")
    asm.call("cell_ptr")
    asm.ld("[hl]", gfx.FLOOR)
    asm.label("load_cells.keep")
    asm.pop("hl")
    asm.label("load_cells.next")
    asm.ld("de", ITEM_ENTRY_SIZE - 1)
    asm.add("hl", "de")
    asm.jr("load_cells.loop")

    asm.label("take_exit")  # b=row, c=col of the exit cell just stepped on
    asm.ld("hl", "exit_table")
    asm.label("take_exit.loop")
    asm.ld("a", "[hl+]")
    asm.cp(0xFF)
    asm.ret("z")
    asm.ld("d", "a")
    asm.ldh("a", Mem(r.hMapIndex))
    asm.cp("d")
    asm.jr("nz", "take_exit.skip5")
    asm.ld("a", "[hl+]")
    asm.cp("b")
    asm.jr("nz", "take_exit.skip4")
    asm.ld("a", "[hl+]")
    asm.cp("c")
    asm.jr("nz", "take_exit.skip3")
    asm.ld("a", "[hl+]")
    asm.ld("d", "a")
    asm.ld("a", "[hl+]")
    asm.ld("b", "a")
    asm.ld("c", "[hl]")
    asm.ld("a", "d")
    asm.jp("warp_to")
    asm.label("take_exit.skip5")
    asm.inc("hl")
    asm.label("take_exit.skip4")
    asm.inc("hl")
    asm.label("take_exit.skip3")
    for _ in range(3):
        asm.inc("hl")
    asm.jr("take_exit.loop")

    asm.label("pick_item")  # b=row, c=col of the item cell just stepped on
    asm.ld("hl", "item_table")
    asm.label("pick_item.loop")
    asm.ld("a", "[hl+]")
    asm.cp(0xFF)
    asm.ret("z")
    asm.ld("d", "a")
    asm.ldh("a", Mem(r.hMapIndex))
    asm.cp("d")
    asm.jr("nz", "pick_item.skip7")
    asm.ld("a", "[hl+]")
    asm.cp("b")
    asm.jr("nz", "pick_item.skip6")
    asm.ld("a", "[hl+]")
    asm.cp("c")
    asm.jr("nz", "pick_item.skip5")
    asm.ld("a", "[hl+]")
    asm.ld("e", "a")
    asm.ld("a", "[hl+]")
    asm.ld("d", "a")
    asm.push("bc")
    asm.push("hl")
    asm.call("flag_set")
    asm.pop("hl")
    asm.inc("hl")
    asm.inc("hl")  # the amount's low byte
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.ld("hl", r.wMoney + 2)
    asm.call("add24")
    asm.call("clamp_money")
    asm.pop("bc")
    asm.call("cell_ptr")
    asm.ld("[hl]", gfx.FLOOR)
    asm.ld("a", "b")
    asm.ldh(Mem(r.hRedrawRow), "a")
    asm.ld("a", "c")
    asm.ldh(Mem(r.hRedrawCol), "a")
    put(asm, r.hRedraw, 1)
    asm.jp("refresh_object_masks")
    asm.label("pick_item.skip7")
    asm.inc("hl")
    asm.label("pick_item.skip6")
    asm.inc("hl")
    asm.label("pick_item.skip5")
    for _ in range(5):
        asm.inc("hl")
    asm.jr("pick_item.loop")


ITEM_ENTRY_SIZE = 8  # map, row, col, flag offset, flag mask, money (3 bytes big-endian)


# ============================================================================ modes
def emit_modes(asm: Assembler) -> None:
    """The game's state machine: one routine per hMode value."""
    asm.label("run_mode")
    asm.ldh("a", Mem(r.hMode))
    for mode, label in (
        (MODE_OVERWORLD, "mode_overworld"),
        (MODE_TEXT, "mode_text"),
        (MODE_CUTSCENE, "mode_cutscene"),
        (MODE_MENU, "mode_menu"),
        (MODE_BATTLE, "mode_battle"),
        (MODE_WARP, "mode_warp"),
    ):
        asm.cp(mode)
        asm.jp("z", label)
    asm.ret()

    # ---------------------------------------------------------------- warp (also boot)
    asm.label("mode_warp")
    asm.ld("hl", r.hTimer)
    asm.dec("[hl]")
    asm.ret("nz")
    put(asm, r.wMapStatus, r.MAPSTATUS_HANDLE)
    asm.xor("a")
    store(asm, r.wScriptRunning)
    asm.ldh(Mem(r.hMode), "a")
    asm.ret()

    # ---------------------------------------------------------------- overworld
    asm.label("mode_overworld")
    asm.ldh("a", Mem(r.hTimer))
    asm.and_("a")
    asm.jr("nz", "walk_continue")
    asm.ldh("a", Mem(r.hJoyPressed))
    asm.bit(BTN_START, "a")
    asm.jp("nz", "open_menu")
    asm.bit(BTN_A, "a")
    asm.jp("nz", "interact")
    asm.ldh("a", Mem(r.hJoyHeld))
    for button, facing in ((BTN_DOWN, 0), (BTN_UP, 1), (BTN_LEFT, 2), (BTN_RIGHT, 3)):
        asm.ld("e", facing)
        asm.bit(button, "a")
        asm.jr("nz", "try_walk")
    asm.ret()

    asm.label("walk_continue")  # a = frames left
    asm.dec("a")
    asm.ldh(Mem(r.hTimer), "a")
    asm.ldh("a", Mem(r.hWalkDir))
    asm.ld("hl", r.hSprY)
    asm.and_("a")
    asm.jr("z", "walk_continue.inc")  # down
    asm.dec("a")
    asm.jr("z", "walk_continue.dec")  # up
    asm.ld("hl", r.hSprX)
    asm.dec("a")
    asm.jr("z", "walk_continue.dec")  # left
    asm.label("walk_continue.inc")
    asm.inc("[hl]")
    asm.jr("walk_continue.check")
    asm.label("walk_continue.dec")
    asm.dec("[hl]")
    asm.label("walk_continue.check")
    asm.ldh("a", Mem(r.hTimer))
    asm.and_("a")
    asm.ret("nz")
    asm.jp("step_end")

    asm.label("try_walk")  # e = facing index 0 down, 1 up, 2 left, 3 right
    asm.ld("a", "e")
    asm.ldh(Mem(r.hFacing), "a")
    asm.add("a", "a")
    asm.add("a", "a")
    store(asm, r.wPlayerDirection)
    asm.call("faced_cell")
    asm.ret("c")
    asm.call("cell_type_at")
    for blocking in gfx.BLOCKING:
        asm.cp(blocking)
        asm.ret("z")
    asm.cp(gfx.EXIT)  # as in Crystal, nobody leaves town without a Pokémon: an exit blocks an empty party
    asm.jr("nz", "try_walk.go")
    asm.ld("a", Mem(r.wPartyCount))
    asm.and_("a")
    asm.ret("z")
    asm.label("try_walk.go")
    asm.ld("a", "b")
    store(asm, r.wYCoord)
    asm.ld("a", "c")
    store(asm, r.wXCoord)
    asm.ld("hl", r.wStepCount)
    asm.inc("[hl]")
    asm.ldh("a", Mem(r.hFacing))
    asm.ldh(Mem(r.hWalkDir), "a")
    put(asm, r.hTimer, w.WALK_FRAMES)
    asm.ret()

    asm.label("step_end")  # the walk finished: exits, items, grass
    asm.ld("a", Mem(r.wYCoord))
    asm.ld("b", "a")
    asm.ld("a", Mem(r.wXCoord))
    asm.ld("c", "a")
    asm.call("cell_type_at")
    asm.cp(gfx.EXIT)
    asm.jp("z", "take_exit")
    asm.cp(gfx.ITEM)
    asm.jp("z", "pick_item")
    asm.cp(gfx.GRASS)
    asm.ret("nz")
    asm.ld("a", Mem(r.wPartyCount))
    asm.and_("a")
    asm.ret("z")
    asm.ld("hl", r.hGrassSteps)
    asm.inc("[hl]")
    asm.ld("a", "[hl]")
    asm.cp(w.ENCOUNTER_EVERY)
    asm.ret("c")
    asm.ld("[hl]", 0)
    asm.jp("start_wild_battle")

    asm.label("interact")  # A in the overworld: talk to whoever is in front
    asm.call("faced_cell")
    asm.ret("c")
    asm.call("cell_type_at")
    asm.cp(gfx.NPC)
    asm.jr("z", "talk_npc")
    asm.cp(gfx.LEADER)
    asm.jr("z", "talk_leader")
    asm.ret()

    asm.label("talk_npc")  # first talk: the starter; later: a heal
    asm.ld("a", Mem(r.wPartyCount))
    asm.and_("a")
    asm.ld("a", AFTER_STARTER)
    asm.jr("z", "open_text")
    asm.ld("a", AFTER_HEAL)
    asm.jr("open_text")

    asm.label("talk_leader")  # battle only without the badge and with a strong enough Pokémon
    asm.ld("a", Mem(r.wJohtoBadges))
    asm.bit(0, "a")
    asm.ld("a", AFTER_NONE)
    asm.jr("nz", "open_text")
    asm.ld("a", Mem(r.wPartyCount))
    asm.and_("a")
    asm.ld("a", AFTER_NONE)
    asm.jr("z", "open_text")
    asm.ld("a", Mem(r.wPartyMon1Level))
    asm.cp(w.GYM_MIN_LEVEL)
    asm.ld("a", AFTER_NONE)
    asm.jr("c", "open_text")
    asm.ld("a", AFTER_GYM_BATTLE)

    asm.label("open_text")  # a = what closing the box leads to
    asm.ldh(Mem(r.hAfterText), "a")
    asm.ld("hl", r.wStateFlags)
    asm.set(r.TEXT_BOX_BIT, "[hl]")
    put(asm, r.wScriptRunning, 1)
    put(asm, r.hWindow, WINDOW_TEXT)
    put(asm, r.hMode, MODE_TEXT)
    asm.jp("show_text_mirror")

    asm.label("open_menu")
    put(asm, r.wWindowStackSize, 1)
    asm.ld("hl", r.wStateFlags)
    asm.set(r.TEXT_BOX_BIT, "[hl]")
    put(asm, r.wScriptRunning, 1)
    put(asm, r.hWindow, WINDOW_MENU)
    put(asm, r.hMode, MODE_MENU)
    asm.jp("show_menu_mirror")

    # ---------------------------------------------------------------- text box
    asm.label("mode_text")
    asm.ldh("a", Mem(r.hJoyPressed))
    asm.bit(BTN_A, "a")
    asm.ret("z")
    asm.call("clear_textbox_mirror")
    asm.ld("hl", r.wStateFlags)
    asm.res(r.TEXT_BOX_BIT, "[hl]")
    asm.xor("a")
    store(asm, r.wScriptRunning)
    asm.ldh(Mem(r.hWindow), "a")
    asm.ldh(Mem(r.hMode), "a")
    asm.ldh("a", Mem(r.hAfterText))
    asm.cp(AFTER_STARTER)
    asm.jr("z", "mode_text.cutscene")
    asm.cp(AFTER_HEAL)
    asm.jp("z", "heal_party")
    asm.cp(AFTER_GYM_BATTLE)
    asm.jp("z", "start_gym_battle")
    asm.ret()
    asm.label("mode_text.cutscene")
    put(asm, r.hMode, MODE_CUTSCENE)
    put(asm, r.hTimer, w.CUTSCENE_FRAMES)
    put(asm, r.wScriptRunning, 1)
    asm.ret()

    # ---------------------------------------------------------------- cut-scene
    asm.label("mode_cutscene")
    asm.ld("hl", r.hTimer)
    asm.dec("[hl]")
    asm.ret("nz")
    asm.xor("a")
    store(asm, r.wScriptRunning)
    asm.ldh(Mem(r.hMode), "a")
    # fall through into give_starter
    asm.label("give_starter")
    asm.ld("hl", "starter_template")
    asm.ld("de", r.wPartyMon1)
    asm.ld("bc", r.PARTY_MON_SIZE)
    asm.call("memcpy")
    put(asm, r.wPartyCount, 1)
    put(asm, r.wPartySpecies, w.STARTER_SPECIES)
    put(asm, r.wPartySpecies + 1, 0xFF)
    offset, mask = _event_flag(w.EVENT_GOT_STARTER)
    asm.ld("e", offset)
    asm.ld("d", mask)
    asm.call("flag_set")
    for dex in (r.wPokedexSeen, r.wPokedexCaught):
        asm.ld("a", w.STARTER_SPECIES)
        asm.ld("hl", dex)
        asm.call("dex_set")
    asm.ret()

    asm.label("heal_party")
    asm.ld("a", Mem(r.wPartyCount))
    asm.and_("a")
    asm.ret("z")
    asm.ld("a", Mem(r.wPartyMon1MaxHP))
    store(asm, r.wPartyMon1HP)
    asm.ld("a", Mem(r.wPartyMon1MaxHP + 1))
    store(asm, r.wPartyMon1HP + 1)
    put(asm, r.wPartyMon1Status, 0)
    asm.ret()

    # ---------------------------------------------------------------- START menu
    asm.label("mode_menu")
    asm.ldh("a", Mem(r.hJoyPressed))
    asm.and_(1 << BTN_START | 1 << BTN_B)
    asm.ret("z")
    asm.call("clear_menu_mirror")
    asm.xor("a")
    store(asm, r.wWindowStackSize)
    store(asm, r.wScriptRunning)
    asm.ldh(Mem(r.hWindow), "a")
    asm.ldh(Mem(r.hMode), "a")
    asm.ld("hl", r.wStateFlags)
    asm.res(r.TEXT_BOX_BIT, "[hl]")
    asm.ret()


# ============================================================================ battles
def emit_battles(asm: Assembler) -> None:
    """Wild and trainer battles: A attacks, B runs from wild ones."""
    asm.label("start_wild_battle")
    asm.ldh("a", Mem(r.hWildIndex))
    asm.ld("e", "a")
    asm.inc("a")
    asm.and_(len(w.WILD_ENCOUNTERS) - 1)
    asm.ldh(Mem(r.hWildIndex), "a")
    asm.ld("a", "e")
    asm.add("a", "a")
    asm.ld("hl", "wild_table")
    add_a_to_hl(asm)
    asm.ld("a", "[hl+]")
    asm.ld("b", "a")
    asm.ld("c", "[hl]")
    asm.ld("a", r.BATTLE_WILD)
    asm.jr("start_battle")

    asm.label("start_gym_battle")
    asm.ld("b", w.LEADER_SPECIES)
    asm.ld("c", w.LEADER_LEVEL)
    asm.ld("a", r.BATTLE_TRAINER)

    asm.label("start_battle")  # a=mode, b=species, c=level
    store(asm, r.wBattleMode)
    put(asm, r.wBattleType, 0)
    asm.ld("a", "b")
    store(asm, r.wEnemyMonSpecies)
    asm.ld("a", "c")
    store(asm, r.wEnemyMonLevel)
    asm.add("a", "a")
    asm.add("a", "c")
    asm.add("a", 10)  # HP = 3 * level + 10
    store(asm, r.wEnemyMonHP + 1)
    store(asm, r.wEnemyMonMaxHP + 1)
    asm.xor("a")
    store(asm, r.wEnemyMonHP)
    store(asm, r.wEnemyMonMaxHP)
    asm.ld("a", "b")
    asm.ld("hl", r.wPokedexSeen)
    asm.call("dex_set")
    asm.call("sync_battle_mon")
    put(asm, r.hWindow, WINDOW_BATTLE)
    put(asm, r.hMode, MODE_BATTLE)
    asm.jp("show_battle_mirror")

    asm.label("sync_battle_mon")  # the battle copy (WRAM0) follows party mon 1
    for src, dst in (
        (r.wPartyMon1, r.wBattleMonSpecies),
        (r.wPartyMon1Level, r.wBattleMonLevel),
        (r.wPartyMon1HP, r.wBattleMonHP),
        (r.wPartyMon1HP + 1, r.wBattleMonHP + 1),
        (r.wPartyMon1MaxHP, r.wBattleMonMaxHP),
        (r.wPartyMon1MaxHP + 1, r.wBattleMonMaxHP + 1),
    ):
        asm.ld("a", Mem(src))
        asm.ld(Mem(dst), "a")
    asm.ret()

    asm.label("mode_battle")
    asm.ldh("a", Mem(r.hJoyPressed))
    asm.bit(BTN_A, "a")
    asm.jr("nz", "mode_battle.attack")
    asm.bit(BTN_B, "a")
    asm.ret("z")
    asm.ld("a", Mem(r.wBattleMode))
    asm.cp(r.BATTLE_WILD)
    asm.ret("nz")  # no running from a trainer
    asm.jp("end_battle")
    asm.label("mode_battle.attack")
    asm.ld("a", Mem(r.wPartyMon1Level))
    asm.add("a", w.PLAYER_DAMAGE_BONUS)
    asm.ld("hl", r.wEnemyMonHP)
    asm.call("sub16_clamp")
    asm.jr("z", "win_battle")
    asm.ld("a", Mem(r.wEnemyMonLevel))
    asm.srl("a")
    asm.srl("a")
    asm.inc("a")  # enemy damage = 1 + level / 4
    asm.ld("hl", r.wPartyMon1HP)
    asm.call("sub16_clamp")
    asm.push("af")
    asm.call("sync_battle_mon")
    asm.pop("af")
    asm.ret("nz")
    # lost: heal, go home (no dead end)
    asm.call("heal_party")
    asm.call("sync_battle_mon")
    asm.call("end_battle")
    asm.ld("a", w.START_MAP)
    asm.ld("b", w.START_Y)
    asm.ld("c", w.START_X)
    asm.jp("warp_to")

    asm.label("win_battle")
    asm.ld("a", Mem(r.wEnemyMonLevel))
    asm.ld("l", "a")
    asm.ld("h", 0)
    for _ in range(w.EXP_PER_ENEMY_LEVEL.bit_length() - 1):
        asm.add("hl", "hl")
    asm.xor("a")
    asm.ld(Mem(r.wCartScratch), "a")
    asm.ld("a", "h")
    asm.ld(Mem(r.wCartScratch + 1), "a")
    asm.ld("a", "l")
    asm.ld(Mem(r.wCartScratch + 2), "a")
    asm.ld("hl", r.wPartyMon1Exp + 2)
    asm.ld("de", r.wCartScratch + 2)
    asm.call("add24")
    asm.call("level_up")
    asm.call("sync_battle_mon")
    asm.ld("a", Mem(r.wBattleMode))
    asm.cp(r.BATTLE_TRAINER)
    asm.jr("nz", "end_battle")
    asm.ld("hl", r.wJohtoBadges)
    asm.set(0, "[hl]")
    asm.ld("hl", r.wMoney + 2)
    asm.ld("de", "gym_prize+2")
    asm.call("add24")
    asm.call("clamp_money")
    offset, mask = _event_flag(w.EVENT_BEAT_LEADER)
    asm.ld("e", offset)
    asm.ld("d", mask)
    asm.call("flag_set")

    asm.label("end_battle")
    asm.call("clear_textbox_mirror")
    asm.xor("a")
    store(asm, r.wBattleMode)
    asm.ldh(Mem(r.hWindow), "a")
    asm.ldh(Mem(r.hMode), "a")
    asm.ret()

    asm.label("level_up")  # raise the level while the experience reaches the next threshold
    asm.ld("a", Mem(r.wPartyMon1Level))
    asm.cp(w.MAX_LEVEL)
    asm.ret("nc")
    asm.inc("a")
    asm.ld("l", "a")
    asm.ld("h", 0)
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.add("hl", "hl")
    asm.add("hl", "de")  # (level + 1) * 3
    asm.ld("de", "exp_table")
    asm.add("hl", "de")
    asm.ld("de", r.wPartyMon1Exp)
    asm.call("cmp24")
    asm.ret("c")
    asm.ld("hl", r.wPartyMon1Level)
    asm.inc("[hl]")
    asm.ld("hl", r.wPartyMon1MaxHP)
    asm.ld("a", w.HP_PER_LEVEL)
    asm.call("add16")
    asm.ld("hl", r.wPartyMon1HP)
    asm.ld("a", w.HP_PER_LEVEL)
    asm.call("add16")
    asm.jr("level_up")


# ============================================================================ data
def starter_struct() -> bytes:
    """Party mon 1 as Crystal lays it out (48 bytes), for the starter Pokémon."""
    mon = bytearray(r.PARTY_MON_SIZE)
    mon[0] = w.STARTER_SPECIES
    mon[2:6] = bytes(w.STARTER_MOVES)
    mon[6:8] = w.PLAYER_ID.to_bytes(2, "big")
    mon[r.MON_EXP : r.MON_EXP + 3] = w.exp_for_level(w.STARTER_LEVEL).to_bytes(3, "big")
    mon[0x15:0x17] = bytes((0xA9, 0x8C))  # DVs
    mon[0x17:0x1B] = bytes(w.STARTER_PP)
    mon[0x1B] = 70  # happiness
    mon[r.MON_LEVEL] = w.STARTER_LEVEL
    mon[r.MON_HP : r.MON_HP + 2] = w.STARTER_HP.to_bytes(2, "big")
    mon[r.MON_MAXHP : r.MON_MAXHP + 2] = w.STARTER_HP.to_bytes(2, "big")
    for i, stat in enumerate((11, 10, 12, 12, 11)):  # attack, defense, speed, sp. atk, sp. def
        mon[0x26 + 2 * i : 0x28 + 2 * i] = stat.to_bytes(2, "big")
    return bytes(mon)


def encode_name(name: str) -> bytes:
    """A name in the game's character set (A = 0x80), 0x50-terminated."""
    if not name.isalpha() or not name.isupper() or len(name) > 10:
        raise ValueError(f"player name must be 1-10 upper-case letters, got {name!r}")
    return bytes(0x80 + ord(ch) - ord("A") for ch in name) + b"\x50"


def emit_data(asm: Assembler) -> None:
    """Tables and graphics the program reads."""
    asm.label("direction_deltas")  # (dy, dx) per facing: down, up, left, right
    asm.db(1, 0, -1, 0, 0, -1, 0, 1)
    asm.label("window_positions")
    asm.db(0, 0)
    for kind in (WINDOW_TEXT, WINDOW_MENU, WINDOW_BATTLE):
        asm.db(*WINDOW_POSITIONS[kind])
    asm.label("sprite_table")
    asm.db(gfx.sprite_table())
    asm.label("map_ids")
    for game_map in w.MAPS:
        asm.db(game_map.group, game_map.number)
    asm.label("map_cell_pointers")
    asm.dw(*(f"map_cells_{i}" for i in range(len(w.MAPS))))
    for i, game_map in enumerate(w.MAPS):
        asm.label(f"map_cells_{i}")
        asm.db(game_map.cells())
    asm.label("exit_table")
    for ex in w.EXITS:
        asm.db(ex.source, ex.y, ex.x, ex.dest, ex.dest_y, ex.dest_x)
    asm.db(0xFF)
    asm.label("item_table")
    for item in w.ITEMS:
        offset, mask = _event_flag(item.flag)
        asm.db(item.map, item.y, item.x, offset, mask, item.money.to_bytes(3, "big"))
    asm.db(0xFF)
    asm.label("wild_table")
    for species, level in w.WILD_ENCOUNTERS:
        asm.db(species, level)
    asm.label("exp_table")
    for level in range(w.MAX_LEVEL + 1):
        asm.db(w.exp_for_level(level).to_bytes(3, "big"))
    asm.label("max_money")
    asm.db(w.MAX_MONEY.to_bytes(3, "big"))
    asm.label("gym_prize")
    asm.db(w.GYM_PRIZE.to_bytes(3, "big"))
    asm.label("starter_template")
    asm.db(starter_struct())
    asm.label("player_name")
    asm.db(encode_name(w.PLAYER_NAME))
    asm.label("bg_palettes")
    asm.db(gfx.palette_bytes(gfx.BG_PALETTES))
    asm.label("obj_palettes")
    asm.db(gfx.palette_bytes(gfx.OBJ_PALETTES))
    asm.label("window_map")
    asm.db(gfx.window_map())
    # graphics in the switchable bank (MBC3 maps bank 1 there at power-on)
    asm.org(0x4000)
    asm.label("tile_data")
    asm.db(gfx.tile_data())
    emit_mirror_data(asm)


def build_program() -> Program:
    """Assemble the whole game (from address 0) into a :class:`Program`."""
    w.validate_world()
    if len(w.WILD_ENCOUNTERS) & (len(w.WILD_ENCOUNTERS) - 1):
        raise ValueError("the wild encounter table length must be a power of two (index is masked)")
    asm = Assembler()
    emit_vectors(asm)
    emit_init(asm)
    emit_main_loop(asm)
    emit_vblank_stage(asm)
    emit_services(asm)
    emit_helpers(asm)
    emit_maps(asm)
    emit_modes(asm)
    emit_battles(asm)
    emit_mirror(asm)
    emit_data(asm)
    return asm.assemble()


# ============================================================================ Crystal's structures, mirrored
_TEXTBOX_AT = r.wTilemap + m.TEXTBOX_ROW * m.SCREEN_W
_TEXTBOX_SIZE = (m.SCREEN_H - m.TEXTBOX_ROW) * m.SCREEN_W
_MENU_ROWS = m.start_menu().bottom + 1


def _copy(asm: Assembler, source: str, dest: int, count: int) -> None:
    """memcpy ``count`` (> 0: memcpy of 0 would copy 64 KiB) bytes from the label ``source`` to ``dest``."""
    if count < 1:
        raise ValueError(f"a copy of {count} bytes to 0x{dest:04x}")
    asm.ld("hl", source)
    asm.ld("de", dest)
    asm.ld("bc", count)
    asm.call("memcpy")


def _on_map(asm: Assembler, prefix: str) -> None:
    """Jump to ``{prefix}_{hMapIndex}``."""
    asm.ldh("a", Mem(r.hMapIndex))
    for index in range(len(w.MAPS)):
        asm.cp(index)
        asm.jp("z", f"{prefix}_{index}")
    asm.ret()


def emit_mirror(asm: Assembler) -> None:
    """Crystal's structures written beside the game (``mirror.py``): on a map's load, an item's pick-up, and
    a box's opening and closing. Written only, never read by the game, and never on the screen."""
    asm.label("mirror_map")
    _on_map(asm, "mirror_map")
    for index in range(len(w.MAPS)):
        asm.label(f"mirror_map_{index}")
        for dest, label, size in (
            (r.wMapBorderBlock, "mirror_map_header", 3),  # border block, height, width
            (r.wTilesetCollisionBank, "mirror_collision_pointer", 3),  # bank, address
            (r.wMapScriptsBank, "mirror_data_bank", 1),
            (r.wMapConnections, "mirror_zero", 1),  # no connections: every way out is a warp
        ):
            _copy(asm, label, dest, size)
        _copy(asm, f"mirror_warp_header_{index}", r.wCurMapWarpEventCount, 3)
        _copy(asm, f"mirror_blocks_{index}", r.wOverworldMapBlocks, len(m.map_blocks(index)))
        _copy(asm, f"mirror_objects_{index}", r.wMapObjects, m.MAP_OBJECTS * m.MAPOBJECT_LENGTH)
        asm.jp("refresh_object_masks")

    asm.label("refresh_object_masks")  # an item ball is masked once its flag is set, as Crystal's are
    _on_map(asm, "refresh_object_masks")
    for index in range(len(w.MAPS)):
        asm.label(f"refresh_object_masks_{index}")
        for slot, obj in enumerate(m.map_objects(index), start=1):
            asm.xor("a")
            if obj.flag != m.NO_FLAG:
                offset, mask = _event_flag(obj.flag)
                asm.ld("e", offset)
                asm.ld("d", mask)
                asm.call("flag_test")
                asm.jr("z", f"refresh_object_masks_{index}.{slot}")
                asm.ld("a", 0xFF)
                asm.label(f"refresh_object_masks_{index}.{slot}")
            asm.ld(Mem(r.wObjectMasks + slot), "a")
        asm.ret()

    asm.label("show_text_mirror")  # the words of the box just opened (hAfterText says which talk it is)
    asm.ldh("a", Mem(r.hAfterText))
    for after, message in (
        (AFTER_STARTER, m.TEXT_STARTER),
        (AFTER_HEAL, m.TEXT_HEAL),
        (AFTER_GYM_BATTLE, m.TEXT_CHALLENGE),
    ):
        asm.ld("hl", f"mirror_text_{message}")
        asm.cp(after)
        asm.jr("z", "show_text_mirror.copy")
    asm.ld("hl", f"mirror_text_{m.TEXT_TOO_WEAK}")
    asm.ld("a", Mem(r.wJohtoBadges))
    asm.bit(0, "a")
    asm.jr("z", "show_text_mirror.copy")
    asm.ld("hl", f"mirror_text_{m.TEXT_HAVE_BADGE}")
    asm.label("show_text_mirror.copy")
    asm.ld("de", _TEXTBOX_AT)
    asm.ld("bc", _TEXTBOX_SIZE)
    asm.jp("memcpy")

    asm.label("show_battle_mirror")
    _copy(asm, "mirror_battle_menu", _TEXTBOX_AT, _TEXTBOX_SIZE)
    asm.ret()

    asm.label("show_menu_mirror")
    _copy(asm, "mirror_start_menu", r.wTilemap, _MENU_ROWS * m.SCREEN_W)
    asm.ret()

    asm.label("clear_textbox_mirror")
    asm.ld("hl", _TEXTBOX_AT)
    asm.ld("bc", _TEXTBOX_SIZE)
    asm.xor("a")
    asm.jp("memset")

    asm.label("clear_menu_mirror")
    asm.ld("hl", r.wTilemap)
    asm.ld("bc", _MENU_ROWS * m.SCREEN_W)
    asm.xor("a")
    asm.jp("memset")


_MIRROR_CONSTANTS: dict[str, bytes] = {
    "mirror_map_header": bytes((m.BORDER_BLOCK, m.BLOCKS_H, m.BLOCKS_W)),
    "mirror_data_bank": bytes((m.DATA_BANK,)),
    "mirror_zero": b"\x00",
}


def emit_mirror_data(asm: Assembler) -> None:
    """The mirror's tables, in ROM bank 1 (where a reader finds them through the RAM's bank and pointer)."""
    for label, data in _MIRROR_CONSTANTS.items():
        asm.label(label)
        asm.db(data)
    asm.label("mirror_collision_pointer")
    asm.db(m.DATA_BANK)
    asm.dw("mirror_collision")
    asm.label("mirror_collision")
    asm.db(m.collision_table())
    for index in range(len(w.MAPS)):
        warps = m.warp_events(index)
        asm.label(f"mirror_warp_header_{index}")
        asm.db(len(warps) // 5)
        asm.dw(f"mirror_warps_{index}")
        asm.label(f"mirror_warps_{index}")
        asm.db(warps)
        asm.label(f"mirror_blocks_{index}")
        asm.db(m.map_blocks(index))
        asm.label(f"mirror_objects_{index}")
        asm.db(m.map_object_records(index))
    for message in m.MESSAGES:
        asm.label(f"mirror_text_{message}")
        asm.db(m.draw(m.text_box(message), m.TEXTBOX_ROW, m.SCREEN_H - m.TEXTBOX_ROW))
    asm.label("mirror_battle_menu")
    asm.db(m.draw(m.battle_menu(), m.TEXTBOX_ROW, m.SCREEN_H - m.TEXTBOX_ROW))
    asm.label("mirror_start_menu")
    asm.db(m.draw(m.start_menu(), 0, _MENU_ROWS))
