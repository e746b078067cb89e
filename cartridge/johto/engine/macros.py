"""Small instruction patterns the Johto program repeats (the assembler's macros), and screen coordinates."""

from __future__ import annotations

from cartridge.johto import ram as r
from cartridge.macros import add_a_to_hl as add_a_to_hl
from cartridge.macros import load as load
from cartridge.macros import put as put
from cartridge.macros import store as store
from cartridge.macros import wram_bank as wram_bank
from cartridge.sm83 import Assembler, Bank

SCREEN_W, SCREEN_H = 20, 18


def coord(x: int, y: int) -> int:
    """The ``wTilemap`` address of screen tile (x, y) (Crystal's ``hlcoord``)."""
    if not (0 <= x < SCREEN_W and 0 <= y < SCREEN_H):
        raise ValueError(f"screen tile ({x}, {y}) is off the 20x18 screen")
    return r.addr("wTilemap") + y * SCREEN_W + x


def attr_coord(x: int, y: int) -> int:
    """The ``wAttrmap`` address of screen tile (x, y)."""
    return coord(x, y) - r.addr("wTilemap") + r.addr("wAttrmap")


def farcall(asm: Assembler, label: str) -> None:
    """Call ``label`` in whatever bank it is, through the kernel's ``farcall`` (a and hl are used for the call;
    bc and de reach the routine; it returns a, bc, de, hl and the carry flag)."""
    asm.ld("a", Bank(label))
    asm.ld("hl", label)
    asm.call("farcall")


def align(asm: Assembler, boundary: int, fill: int = 0) -> None:
    """Pad to the next multiple of ``boundary`` (a DMA source must start on 16 bytes)."""
    asm.org(-(-asm.pc // boundary) * boundary, fill)
