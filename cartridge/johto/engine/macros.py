"""Small instruction patterns the Johto program repeats (the assembler's macros), and screen coordinates."""

from __future__ import annotations

from cartridge.johto import ram as r
from cartridge.sm83 import Assembler, Bank, Mem

SCREEN_W, SCREEN_H = 20, 18


def coord(x: int, y: int) -> int:
    """The ``wTilemap`` address of screen tile (x, y) (Crystal's ``hlcoord``)."""
    if not (0 <= x < SCREEN_W and 0 <= y < SCREEN_H):
        raise ValueError(f"screen tile ({x}, {y}) is off the 20x18 screen")
    return r.addr("wTilemap") + y * SCREEN_W + x


def attr_coord(x: int, y: int) -> int:
    """The ``wAttrmap`` address of screen tile (x, y)."""
    return coord(x, y) - r.addr("wTilemap") + r.addr("wAttrmap")


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
    put(asm, r.SVBK, bank)


def add_a_to_hl(asm: Assembler) -> None:
    """hl += a (clobbers a)."""
    asm.add("a", "l")
    asm.ld("l", "a")
    asm.ld("a", "h")
    asm.adc("a", 0)
    asm.ld("h", "a")


def farcall(asm: Assembler, label: str) -> None:
    """Call ``label`` in whatever bank it is, through the kernel's ``farcall`` (a and hl are used for the call;
    bc and de reach the routine; it returns a, bc, de, hl and the carry flag)."""
    asm.ld("a", Bank(label))
    asm.ld("hl", label)
    asm.call("farcall")


def align(asm: Assembler, boundary: int, fill: int = 0) -> None:
    """Pad to the next multiple of ``boundary`` (a DMA source must start on 16 bytes)."""
    asm.org(-(-asm.pc // boundary) * boundary, fill)
