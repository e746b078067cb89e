"""The Johto kernel: power-on, the VBlank interrupt, frames, joypad, chance, banks and VRAM transfers.

Crystal's shape, so battles and scripts are written as straight-line code that waits where the
player must act. Everything here is in ROM bank 0 (always mapped). Routines (names are the
contract with the battle code; "keeps" = registers preserved):

- ``delay_frame``: returns once the next VBlank has been handled. Keeps all registers.
- ``delay_frames``: c = frames (1..255). Keeps all but c.
- ``random``: a = the new ``hRandomSub`` (both bytes advanced once more from ``rDIV``). Keeps all but a, f.
- ``farcall``: a = bank, hl = routine; bc and de reach it. Returns its a, bc, de, hl and carry flag.
- ``bankswitch``: a = ROM bank to map at 4000-7FFF (kept in ``hROMBank``). Keeps all.
- ``memcpy`` (hl = source, de = destination, bc = count > 0), ``memset`` (hl, bc, a = value; keeps de).
- ``far_copy``: a = bank, hl = source, de = destination, bc = count.
- ``apply_tilemap``: ``wTilemap``/``wAttrmap`` as drawn reach the screen at the next VBlank (waited for). Keeps all.
- ``request_2bpp``: hl = source (the ROM bank mapped now, or WRAM0), de = VRAM address, b = VRAM bank,
  c = tiles; copied by VBlank DMA, 32 tiles a frame (at once while the LCD is off); returns when done.
- ``request_palettes``: ``wBGPals2``/``wOBPals2`` (WRAM bank 5, 64 bytes each) to the hardware palettes at the
  next VBlank (at once while the LCD is off). Keeps all.
- ``lcd_off`` / ``lcd_on``: keep all but a, f. Never ``delay_frame`` with the LCD off: no VBlank comes.

Frames: ``delay_frame`` busy-polls ``hVBlankCounter``, which the VBlank interrupt increments last;
it is not ``halt``, so the CPU works the whole frame as a real game's does (PyBoy skips a halted
CPU's cycles almost for free, which would make this world cheaper to emulate than the tiny one and
than Crystal). While it waits, WRAM bank 6 is mapped (Crystal's scratch bank), and the caller's
bank is back when it returns: game logic runs with bank 1 mapped.

VBlank (``vblank_handler``, every frame, registers and the WRAM bank kept): advance the RNG from
``rDIV`` (``hRandomAdd`` += rDIV with carry, ``hRandomSub`` -= rDIV with carry, as Crystal's);
``hSCX/hSCY/hWX/hWY`` to the scroll and window registers; pending tile transfers (``request_2bpp``,
32 tiles a frame); if ``hBGMapMode`` is set, the 32x24 BG buffer (WRAM bank 3: tile ids at D000,
attributes at D400) to the BG map at 9800 by general-purpose DMA; if ``hCGBPalUpdate`` is set, the
palettes; the shadow OAM (``wShadowOAM``, C400) by OAM DMA unless ``hOAMUpdate`` is set; the joypad
into ``hJoyDown`` (held) and ``hJoyPressed`` (newly pressed this frame; Crystal's bit order: A, B,
SELECT, START, RIGHT, LEFT, UP, DOWN); the play time (``wGameTimeHours`` .. ``Frames``) and, once a
second, ``wTimeOfDay`` from the cartridge clock; then ``hVBlankCounter`` += 1.

The screen: ``wTilemap`` (C4A0, 20x18 tile ids, Crystal's character codes for text) and ``wAttrmap``
(CDD9) are what the screen shows; ``apply_tilemap`` copies them into the BG buffer at the tile
(``hSCX``/8, ``hSCY``/8) -- hSCX in 0..32, hSCY in 0..48, multiples of 8 -- and has the next VBlank
send it to VRAM. Tile ids 0x60-0xFF of VRAM bank 0 are the font (``layout.py``), loaded at power-on.

Power-on (``start``): LCD off, WRAM0 and WRAM bank 1 cleared, banks 2, 4, 6 filled with their own
non-zero bytes (a reader that forgets WRAM banking reads those), HRAM and VRAM cleared, the OAM DMA
routine copied to ``hTransferShadowOAM``, the font loaded, the text palette set, ROM bank 1 mapped,
LCD on, VBlank enabled, then ``jp main`` (the world's, or a test harness's).
"""

from __future__ import annotations

from cartridge.johto import ram as r
from cartridge.johto.engine.macros import add_a_to_hl, put, store, wram_bank
from cartridge.johto.gfx.font import font_1bpp
from cartridge.johto.layout import FONT_VRAM, GFX_BANK, TEXT_PALETTE
from cartridge.macros import clear_memory
from cartridge.sm83 import Assembler, Mem

LCDC_ON = 0xD3
"""LCD on, window map 9C00 (window off), tiles at 8000, BG map 9800, sprites 8x8 on, BG on."""
DECOY_FILL = {bank: (bank << 4) | 0x0B for bank in r.DECOY_BANKS}
TILES_PER_VBLANK = 32
TEXT_COLOURS = ((31, 31, 31), (31, 31, 31), (12, 12, 12), (0, 0, 0))
"""The text palette: paper colour 1 (white, so text boxes hide the sprites behind them), ink colour 3."""
_OAM_DMA_ROUTINE = bytes((0x3E, r.addr("wShadowOAM") >> 8, 0xE0, 0x46, 0x3E, 0x28, 0x3D, 0x20, 0xFD, 0xC9))
"""ld a, HIGH(wShadowOAM); ldh [rDMA], a; ld a, 40; .wait: dec a; jr nz, .wait; ret -- run from HRAM."""


def rgb555(red: int, green: int, blue: int) -> bytes:
    """A CGB colour (5 bits a channel), little-endian."""
    value = red | green << 5 | blue << 10
    return bytes((value & 0xFF, value >> 8))


def emit_kernel(asm: Assembler) -> None:
    """Vectors, power-on and the kernel's routines, into bank 0 (the assembler must be at its start)."""
    if asm.pc != 0 or asm.bank != 0:
        raise ValueError("the kernel starts the program: emit it first, at address 0")
    _emit_vectors(asm)
    _emit_start(asm)
    _emit_vblank(asm)
    _emit_frames(asm)
    _emit_banks_and_memory(asm)
    _emit_screen(asm)


def emit_kernel_data(asm: Assembler) -> None:
    """The kernel's data in the graphics bank (the font), with ``asm`` in section ``GFX_BANK``."""
    if asm.bank != GFX_BANK:
        raise ValueError(f"the kernel's data belongs in bank {GFX_BANK}, not {asm.bank}")
    asm.label("font_1bpp")
    asm.db(font_1bpp())


# ============================================================================ vectors and power-on
def _emit_vectors(asm: Assembler) -> None:
    asm.org(0x40)
    asm.jp("vblank_handler")
    for vector in (0x48, 0x50, 0x58, 0x60):
        asm.org(vector)
        asm.reti()
    asm.org(0x100)
    asm.nop()
    asm.jp("start")
    asm.org(0x150)
    asm.label("oam_dma_routine")
    asm.db(_OAM_DMA_ROUTINE)
    asm.label("text_palette")
    asm.db(b"".join(rgb555(*colour) for colour in TEXT_COLOURS))


def _emit_start(asm: Assembler) -> None:
    asm.label("start")
    asm.di()
    asm.ld("sp", r.STACK_TOP)
    clear_memory(asm, DECOY_FILL)
    asm.ld("hl", r.OAM)
    asm.ld("bc", 0xA0)
    asm.xor("a")
    asm.call("memset")
    asm.ld("hl", "oam_dma_routine")
    asm.ld("de", r.addr("hTransferShadowOAM"))
    asm.ld("bc", len(_OAM_DMA_ROUTINE))
    asm.call("memcpy")
    asm.ld("a", 1)
    asm.call("bankswitch")
    asm.call("load_font")
    put(asm, r.BCPS, 0x80 | TEXT_PALETTE * 8)
    asm.ld("hl", "text_palette")
    asm.ld("b", 8)
    asm.label("start.palette")
    asm.ld("a", "[hl+]")
    asm.ldh(Mem(r.BCPD), "a")
    asm.dec("b")
    asm.jr("nz", "start.palette")
    wram_bank(asm, 5)  # the palette buffer starts as the text palette everywhere
    asm.ld("de", r.addr("wBGPals2"))
    asm.ld("c", 16)
    asm.label("start.pal_buffer")
    asm.ld("hl", "text_palette")
    asm.ld("b", 8)
    asm.label("start.pal_colour")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("b")
    asm.jr("nz", "start.pal_colour")
    asm.dec("c")
    asm.jr("nz", "start.pal_buffer")
    wram_bank(asm, 1)
    put(asm, r.addr("hWX"), 7)
    put(asm, r.addr("hWY"), 144)
    put(asm, r.WX, 7)
    put(asm, r.WY, 144)
    put(asm, r.LCDC, LCDC_ON)
    put(asm, r.IF, 0)
    put(asm, r.IE, 0x01)  # VBlank only
    asm.ei()
    asm.jp("main")

    asm.label("load_font")  # LCD off: the 1-bit font doubled into 2-bit tiles (ink 3, paper 1) at FONT_VRAM
    asm.ldh("a", Mem(r.addr("hROMBank")))
    asm.push("af")
    asm.ld("a", GFX_BANK)
    asm.call("bankswitch")
    asm.ld("hl", "font_1bpp")
    asm.ld("de", FONT_VRAM)
    asm.ld("bc", len(font_1bpp()))
    asm.label("load_font.loop")
    asm.ld("a", 0xFF)
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "load_font.loop")
    asm.pop("af")
    asm.jp("bankswitch")


# ============================================================================ VBlank
def _emit_vblank(asm: Assembler) -> None:
    asm.label("vblank_handler")
    for pair in ("af", "bc", "de", "hl"):
        asm.push(pair)
    asm.ldh("a", Mem(r.SVBK))
    asm.push("af")
    # chance: Crystal's generator, from the divider
    asm.ldh("a", Mem(r.DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomAdd")))
    asm.adc("a", "b")
    asm.ldh(Mem(r.addr("hRandomAdd")), "a")
    asm.ldh("a", Mem(r.DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomSub")))
    asm.sbc("a", "b")
    asm.ldh(Mem(r.addr("hRandomSub")), "a")
    for shadow, register in (("hSCX", r.SCX), ("hSCY", r.SCY), ("hWX", r.WX), ("hWY", r.WY)):
        asm.ldh("a", Mem(r.addr(shadow)))
        asm.ldh(Mem(register), "a")
    asm.ldh("a", Mem(r.hTilesLeft))
    asm.and_("a")
    asm.call("nz", "vblank_tiles")
    asm.ldh("a", Mem(r.addr("hBGMapMode")))
    asm.and_("a")
    asm.call("nz", "vblank_bg_map")
    asm.ldh("a", Mem(r.addr("hCGBPalUpdate")))
    asm.and_("a")
    asm.call("nz", "vblank_palettes")
    asm.ldh("a", Mem(r.addr("hOAMUpdate")))
    asm.and_("a")
    asm.call("z", r.addr("hTransferShadowOAM"))
    asm.call("read_joypad")
    wram_bank(asm, 1)
    asm.call("tick_game_time")
    asm.ld("hl", r.addr("hVBlankCounter"))
    asm.inc("[hl]")
    asm.pop("af")
    asm.ldh(Mem(r.SVBK), "a")
    for pair in ("hl", "de", "bc", "af"):
        asm.pop(pair)
    asm.reti()

    asm.label("vblank_bg_map")  # the BG buffer (WRAM bank 3) to 9800: tile ids, then attributes in VRAM bank 1
    asm.xor("a")
    asm.ldh(Mem(r.addr("hBGMapMode")), "a")
    wram_bank(asm, r.BG_BUFFER.bank)
    blocks = r.BG_ROWS * r.BG_STRIDE // 16
    for vram_bank, source in ((0, r.BG_TILES), (1, r.BG_ATTRS)):
        put(asm, r.VBK, vram_bank)
        put(asm, r.HDMA1, source >> 8)
        put(asm, r.HDMA2, source & 0xFF)
        put(asm, r.HDMA3, r.BG_MAP >> 8)
        put(asm, r.HDMA4, r.BG_MAP & 0xFF)
        put(asm, r.HDMA5, blocks - 1)
    put(asm, r.VBK, 0)
    asm.ret()

    asm.label("vblank_palettes")  # wBGPals2 then wOBPals2 (WRAM bank 5) to the hardware palettes
    asm.xor("a")
    asm.ldh(Mem(r.addr("hCGBPalUpdate")), "a")
    wram_bank(asm, 5)
    asm.ld("hl", r.addr("wBGPals2"))
    for index_reg, data_reg in ((r.BCPS, r.BCPD), (r.OCPS, r.OCPD)):
        put(asm, index_reg, 0x80)
        asm.ld("b", 64)
        loop = asm.unique("vblank_palettes.copy")
        asm.label(loop)
        asm.ld("a", "[hl+]")
        asm.ldh(Mem(data_reg), "a")
        asm.dec("b")
        asm.jr("nz", loop)
    asm.ret()

    asm.label("vblank_tiles")  # up to TILES_PER_VBLANK tiles of a request_2bpp by general-purpose DMA
    asm.ldh("a", Mem(r.hTilesVBK))
    asm.ldh(Mem(r.VBK), "a")
    for source, register in (
        (r.hTilesSource, r.HDMA1),
        (r.hTilesSource + 1, r.HDMA2),
        (r.hTilesDest, r.HDMA3),
        (r.hTilesDest + 1, r.HDMA4),
    ):
        asm.ldh("a", Mem(source))
        asm.ldh(Mem(register), "a")
    asm.ldh("a", Mem(r.hTilesLeft))
    asm.cp(TILES_PER_VBLANK)
    asm.jr("c", "vblank_tiles.count")
    asm.ld("a", TILES_PER_VBLANK)
    asm.label("vblank_tiles.count")
    asm.ld("b", "a")
    asm.dec("a")
    asm.ldh(Mem(r.HDMA5), "a")
    asm.ld("l", "b")
    asm.ld("h", 0)
    for _ in range(4):
        asm.add("hl", "hl")
    for pointer in (r.hTilesSource, r.hTilesDest):  # big-endian pointers += tiles * 16
        asm.ldh("a", Mem(pointer + 1))
        asm.add("a", "l")
        asm.ldh(Mem(pointer + 1), "a")
        asm.ldh("a", Mem(pointer))
        asm.adc("a", "h")
        asm.ldh(Mem(pointer), "a")
    asm.ldh("a", Mem(r.hTilesLeft))
    asm.sub("a", "b")
    asm.ldh(Mem(r.hTilesLeft), "a")
    put(asm, r.VBK, 0)
    asm.ret()

    asm.label("read_joypad")
    put(asm, r.P1, 0x20)  # the direction keys
    asm.ldh("a", Mem(r.P1))
    asm.ldh("a", Mem(r.P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.swap("a")
    asm.ld("b", "a")
    put(asm, r.P1, 0x10)  # the buttons
    for _ in range(4):
        asm.ldh("a", Mem(r.P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.or_("b")
    asm.ld("b", "a")
    put(asm, r.P1, 0x30)
    asm.ldh("a", Mem(r.addr("hJoyLast")))
    asm.cpl()
    asm.and_("b")
    asm.ldh(Mem(r.addr("hJoyPressed")), "a")
    asm.ld("a", "b")
    asm.ldh(Mem(r.addr("hJoyDown")), "a")
    asm.ldh(Mem(r.addr("hJoyLast")), "a")
    asm.ret()

    asm.label("tick_game_time")  # frames 0..59 -> seconds -> minutes -> hours (2 B big-endian)
    asm.ld("hl", r.addr("wGameTimeFrames"))
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
    asm.inc("[hl]")
    asm.jr("nz", "update_time_of_day")
    asm.dec("hl")
    asm.inc("[hl]")

    asm.label("update_time_of_day")  # the MBC3 clock's hours -> Crystal's morning 0 / day 1 / night 2
    put(asm, r.MBC_RAM_ENABLE, 0x0A)
    put(asm, r.MBC_LATCH, 0)
    put(asm, r.MBC_LATCH, 1)
    put(asm, r.MBC_RAM_BANK, r.RTC_HOURS)
    asm.ld("a", Mem(r.MBC_SRAM))
    asm.and_(0x1F)
    asm.ld("b", "a")
    put(asm, r.MBC_RAM_BANK, 0)
    asm.ld(Mem(r.MBC_RAM_ENABLE), "a")
    asm.ld("a", "b")
    asm.ld("c", 2)
    asm.cp(4)
    asm.jr("c", "update_time_of_day.store")
    asm.ld("c", 0)
    asm.cp(10)
    asm.jr("c", "update_time_of_day.store")
    asm.inc("c")
    asm.cp(18)
    asm.jr("c", "update_time_of_day.store")
    asm.inc("c")
    asm.label("update_time_of_day.store")
    asm.ld("a", "c")
    store(asm, r.addr("wTimeOfDay"))
    asm.ret()


# ============================================================================ frames and chance
def _emit_frames(asm: Assembler) -> None:
    asm.label("delay_frame")
    asm.push("af")
    asm.push("bc")
    asm.ldh("a", Mem(r.SVBK))
    asm.ld("b", "a")
    wram_bank(asm, r.WAIT_BANK)
    asm.ldh("a", Mem(r.addr("hVBlankCounter")))
    asm.ld("c", "a")
    asm.label("delay_frame.wait")  # busy, not halt: see the module docstring
    asm.ldh("a", Mem(r.addr("hVBlankCounter")))
    asm.cp("c")
    asm.jr("z", "delay_frame.wait")
    asm.ld("a", "b")
    asm.ldh(Mem(r.SVBK), "a")
    asm.pop("bc")
    asm.pop("af")
    asm.ret()

    asm.label("delay_frames")  # c = frames
    asm.call("delay_frame")
    asm.dec("c")
    asm.jr("nz", "delay_frames")
    asm.ret()

    asm.label("random")  # a = new hRandomSub, both bytes advanced once more from rDIV
    asm.push("bc")
    asm.ldh("a", Mem(r.DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomAdd")))
    asm.adc("a", "b")
    asm.ldh(Mem(r.addr("hRandomAdd")), "a")
    asm.ldh("a", Mem(r.DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomSub")))
    asm.sbc("a", "b")
    asm.ldh(Mem(r.addr("hRandomSub")), "a")
    asm.pop("bc")
    asm.ret()


# ============================================================================ banks and memory
def _emit_banks_and_memory(asm: Assembler) -> None:
    asm.label("bankswitch")  # a = ROM bank
    asm.ldh(Mem(r.addr("hROMBank")), "a")
    asm.ld(Mem(r.MBC_ROM_BANK), "a")
    asm.ret()

    asm.label("farcall")  # a = bank, hl = routine
    asm.ldh(Mem(r.addr("hTempBank")), "a")
    asm.ldh("a", Mem(r.addr("hROMBank")))
    asm.push("af")
    asm.ldh("a", Mem(r.addr("hTempBank")))
    asm.call("bankswitch")
    asm.call("jp_hl")
    asm.ldh(Mem(r.hTempA), "a")
    asm.sbc("a", "a")  # 0xFF if the routine returned carry
    asm.ldh(Mem(r.hTempCarry), "a")
    asm.pop("af")
    asm.call("bankswitch")
    asm.ldh("a", Mem(r.hTempCarry))
    asm.add("a", "a")  # carry again iff it was 0xFF
    asm.ldh("a", Mem(r.hTempA))
    asm.ret()

    asm.label("jp_hl")
    asm.jp("hl")

    asm.label("memset")  # hl = destination, bc = count, a = value
    asm.push("de")
    asm.ld("e", "a")
    asm.label("memset.loop")
    asm.ld("a", "e")
    asm.ld("[hl+]", "a")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "memset.loop")
    asm.pop("de")
    asm.ret()

    asm.label("memcpy")  # hl = source, de = destination, bc = count
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "memcpy")
    asm.ret()

    asm.label("far_copy")  # a = bank, hl = source, de = destination, bc = count
    asm.ldh(Mem(r.addr("hTempBank")), "a")
    asm.ldh("a", Mem(r.addr("hROMBank")))
    asm.push("af")
    asm.ldh("a", Mem(r.addr("hTempBank")))
    asm.call("bankswitch")
    asm.call("memcpy")
    asm.pop("af")
    asm.jp("bankswitch")

    asm.label("lcd_off")  # only in VBlank may the LCD stop
    asm.ldh("a", Mem(r.LCDC))
    asm.bit(7, "a")
    asm.ret("z")
    asm.label("lcd_off.wait")
    asm.ldh("a", Mem(r.LY))
    asm.cp(144)
    asm.jr("c", "lcd_off.wait")
    asm.ldh("a", Mem(r.LCDC))
    asm.res(7, "a")
    asm.ldh(Mem(r.LCDC), "a")
    asm.ret()

    asm.label("lcd_on")
    asm.ldh("a", Mem(r.LCDC))
    asm.set(7, "a")
    asm.ldh(Mem(r.LCDC), "a")
    asm.ret()


# ============================================================================ the screen
def _emit_screen(asm: Assembler) -> None:
    asm.label("apply_tilemap")  # wTilemap and wAttrmap into the BG buffer at the scroll's tile, sent next VBlank
    for pair in ("af", "bc", "de", "hl"):
        asm.push(pair)
    wram_bank(asm, r.BG_BUFFER.bank)
    # de = BG_TILES + (hSCY / 8) * 32 + hSCX / 8
    asm.ldh("a", Mem(r.addr("hSCY")))
    asm.and_(0xF8)
    asm.ld("l", "a")
    asm.ld("h", 0)
    asm.add("hl", "hl")
    asm.add("hl", "hl")  # (SCY / 8) * 32
    asm.ldh("a", Mem(r.addr("hSCX")))
    asm.rrca()
    asm.rrca()
    asm.rrca()
    asm.and_(0x1F)
    add_a_to_hl(asm)
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.push("de")
    asm.ld("a", r.BG_TILES >> 8)
    asm.add("a", "d")
    asm.ld("d", "a")
    asm.ld("hl", r.addr("wTilemap"))
    asm.call("apply_tilemap.rows")
    asm.pop("de")
    asm.ld("a", r.BG_ATTRS >> 8)
    asm.add("a", "d")
    asm.ld("d", "a")
    asm.ld("hl", r.addr("wAttrmap"))
    asm.call("apply_tilemap.rows")
    wram_bank(asm, 1)
    put(asm, r.addr("hBGMapMode"), 1)
    asm.call("delay_frame")
    for pair in ("hl", "de", "bc", "af"):
        asm.pop(pair)
    asm.ret()

    asm.label("apply_tilemap.rows")  # 18 rows of 20 from hl to de, de advancing by the buffer's stride
    asm.ld("b", 18)
    asm.label("apply_tilemap.row")
    asm.ld("c", 20)
    asm.push("de")
    asm.label("apply_tilemap.byte")
    asm.ld("a", "[hl+]")
    asm.ld("[de]", "a")
    asm.inc("de")
    asm.dec("c")
    asm.jr("nz", "apply_tilemap.byte")
    asm.pop("de")
    asm.ld("a", r.BG_STRIDE)
    asm.add("a", "e")
    asm.ld("e", "a")
    asm.ld("a", "d")
    asm.adc("a", 0)
    asm.ld("d", "a")
    asm.dec("b")
    asm.jr("nz", "apply_tilemap.row")
    asm.ret()

    asm.label("request_2bpp")  # hl = source, de = VRAM, b = VRAM bank, c = tiles
    asm.ld("a", "h")
    asm.ldh(Mem(r.hTilesSource), "a")
    asm.ld("a", "l")
    asm.ldh(Mem(r.hTilesSource + 1), "a")
    asm.ld("a", "d")
    asm.ldh(Mem(r.hTilesDest), "a")
    asm.ld("a", "e")
    asm.ldh(Mem(r.hTilesDest + 1), "a")
    asm.ld("a", "b")
    asm.ldh(Mem(r.hTilesVBK), "a")
    asm.ld("a", "c")
    asm.ldh(Mem(r.hTilesLeft), "a")  # last: this arms the request
    asm.label("request_2bpp.wait")
    asm.ldh("a", Mem(r.LCDC))
    asm.bit(7, "a")
    asm.jr("z", "request_2bpp.now")
    asm.call("delay_frame")
    asm.jr("request_2bpp.check")
    asm.label("request_2bpp.now")  # LCD off: no VBlank comes; VRAM is free now
    asm.call("vblank_tiles")
    asm.label("request_2bpp.check")
    asm.ldh("a", Mem(r.hTilesLeft))
    asm.and_("a")
    asm.jr("nz", "request_2bpp.wait")
    asm.ret()

    asm.label("request_palettes")
    asm.push("af")
    put(asm, r.addr("hCGBPalUpdate"), 1)
    asm.ldh("a", Mem(r.LCDC))
    asm.bit(7, "a")
    asm.jr("nz", "request_palettes.wait")
    asm.push("bc")
    asm.push("hl")
    asm.ldh("a", Mem(r.SVBK))
    asm.push("af")
    asm.call("vblank_palettes")
    asm.pop("af")
    asm.ldh(Mem(r.SVBK), "a")
    asm.pop("hl")
    asm.pop("bc")
    asm.pop("af")
    asm.ret()
    asm.label("request_palettes.wait")
    asm.call("delay_frame")
    asm.pop("af")
    asm.ret()
