"""Small instruction patterns both worlds' programs repeat (the assembler's macros): the Game Boy's, not a world's."""

from __future__ import annotations

from cartridge.sm83 import Assembler, Mem

LCDC, LY, VBK, SVBK = 0xFF40, 0xFF44, 0xFF4F, 0xFF70
"""The Game Boy's registers these macros use: LCD control, the line being drawn, the VRAM and WRAM banks."""


def store(asm: Assembler, address: int) -> None:
    """[address] <- a (ldh for the 0xFF00 page)."""
    if address >= 0xFF00:
        asm.ldh(Mem(address), "a")
    else:
        asm.ld(Mem(address), "a")


def load(asm: Assembler, address: int) -> None:
    """a <- [address] (ldh for the 0xFF00 page)."""
    if address >= 0xFF00:
        asm.ldh("a", Mem(address))
    else:
        asm.ld("a", Mem(address))


def put(asm: Assembler, address: int, value: int) -> None:
    """[address] <- value (clobbers a; for 0, the flags too)."""
    if value == 0:
        asm.xor("a")
    else:
        asm.ld("a", value)
    store(asm, address)


def wram_bank(asm: Assembler, bank: int) -> None:
    """Map WRAM bank ``bank`` at D000-DFFF (clobbers a)."""
    put(asm, SVBK, bank)


def add_a_to_hl(asm: Assembler) -> None:
    """hl += a (clobbers a)."""
    asm.add("a", "l")
    asm.ld("l", "a")
    asm.ld("a", "h")
    asm.adc("a", 0)
    asm.ld("h", "a")


def clear_memory(asm: Assembler, decoy_fill: dict[int, int]) -> None:
    """Power-on: the LCD off (only in VBlank may it stop), WRAM0 cleared inline (it holds the stack, so before the
    first call), WRAM banks 1-7 filled with `decoy_fill`'s byte (0 where none: a read of the wrong bank is visibly
    wrong), HRAM and both VRAM banks cleared. Uses the program's `memset` (hl = destination, bc = count, a = value)."""
    asm.ldh("a", Mem(LCDC))
    asm.bit(7, "a")
    asm.jr("z", "start.lcd_off")
    asm.label("start.wait_vblank")
    asm.ldh("a", Mem(LY))
    asm.cp(144)
    asm.jr("c", "start.wait_vblank")
    asm.xor("a")
    asm.ldh(Mem(LCDC), "a")
    asm.label("start.lcd_off")
    asm.ld("hl", 0xC000)
    asm.ld("bc", 0x1000)
    asm.label("start.clear_wram0")
    asm.xor("a")
    asm.ld("[hl+]", "a")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "start.clear_wram0")
    for bank in range(1, 8):
        wram_bank(asm, bank)
        asm.ld("hl", 0xD000)
        asm.ld("bc", 0x1000)
        asm.ld("a", decoy_fill.get(bank, 0))
        asm.call("memset")
    asm.ld("hl", 0xFF80)
    asm.ld("bc", 0x7F)
    asm.xor("a")
    asm.call("memset")
    for vram_bank in (1, 0):
        put(asm, VBK, vram_bank)
        asm.ld("hl", 0x8000)
        asm.ld("bc", 0x2000)
        asm.xor("a")
        asm.call("memset")
