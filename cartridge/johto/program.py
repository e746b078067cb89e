"""Assemble the Johto world: kernel, text, world engine and data, the battle, into one MBC3 ROM image."""

from __future__ import annotations

from cartridge.johto.battle import emit_battle, emit_battle_data
from cartridge.johto.engine.kernel import emit_kernel, emit_kernel_data
from cartridge.johto.engine.newgame import emit_new_game
from cartridge.johto.engine.text import emit_text, emit_text_data
from cartridge.johto.layout import BATTLE_BANK, GFX_BANK, WORLD_CODE_BANK
from cartridge.rom import BANK_SIZE, Header
from cartridge.sm83 import Assembler, Program
from cartridge.worlds import get_world


def build_program() -> Program:
    """The whole program, bank by bank (``layout.py``)."""
    asm = Assembler()
    emit_kernel(asm)
    emit_text(asm)
    emit_text_data(asm)
    emit_new_game(asm)
    asm.section(WORLD_CODE_BANK)
    asm.section(BATTLE_BANK)
    emit_battle(asm)
    emit_battle_data(asm)
    asm.section(GFX_BANK)
    emit_kernel_data(asm)
    return asm.assemble()


def header(program: Program) -> Header:
    """The cartridge header: Crystal's kind of cartridge, as many banks as the program needs (a power of two)."""
    banks = 2
    while banks * BANK_SIZE < len(program.image):
        banks *= 2
    return Header(title=get_world("johto").title, rom_banks=banks)
