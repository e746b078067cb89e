"""Assemble the Johto world: kernel, text, world engine and data, the battle, into one MBC3 ROM image (banks:
``layout.py``)."""

from __future__ import annotations

from cartridge.johto.battle import emit_battle, emit_battle_data
from cartridge.johto.engine.kernel import emit_kernel, emit_kernel_data
from cartridge.johto.engine.macros import align
from cartridge.johto.engine.mapdata import emit_map_data
from cartridge.johto.engine.menus import emit_menus, emit_menus_data
from cartridge.johto.engine.newgame import emit_new_game
from cartridge.johto.engine.overworld import emit_overworld, emit_overworld_data
from cartridge.johto.engine.scripts import emit_scripts
from cartridge.johto.engine.text import emit_text, emit_text_data
from cartridge.johto.gfx import people, tileset
from cartridge.johto.layout import BATTLE_BANK, FIRST_MAP_BANK, GFX_BANK, WORLD_CODE_BANK
from cartridge.rom import BANK_SIZE, Header
from cartridge.sm83 import Assembler, Program
from cartridge.worlds import get_world


def build_program() -> Program:
    """The whole program, bank by bank."""
    asm = Assembler()
    emit_kernel(asm)
    emit_text(asm)
    emit_text_data(asm)
    emit_new_game(asm)
    emit_overworld(asm)
    emit_overworld_data(asm)
    emit_scripts(asm)
    asm.label("sprite_kinds")
    asm.db(people.sprite_kinds())
    asm.label("whiteout_text")
    from cartridge.johto import charmap as ch

    asm.db(ch.encode_page("<PLAYER> is out of\nuseable POKéMON!\f<PLAYER> whited\nout!", "whiteout"))
    asm.section(WORLD_CODE_BANK)
    emit_menus(asm)
    emit_menus_data(asm)
    asm.section(BATTLE_BANK)
    emit_battle(asm)
    emit_battle_data(asm)  # ends in the battle's second bank (its pictures)
    asm.section(GFX_BANK)
    emit_kernel_data(asm)
    align(asm, 16)
    asm.label("map_tiles")
    asm.db(tileset.tile_data())
    align(asm, 16)
    asm.label("people_tiles")
    asm.db(people.tile_data())
    asm.label("world_palettes")
    asm.db(tileset.palette_bytes())
    asm.label("people_palettes")
    asm.db(people.palette_bytes())
    asm.section(FIRST_MAP_BANK)
    emit_map_data(asm)
    return asm.assemble()


def header(program: Program) -> Header:
    """The cartridge header: Crystal's kind of cartridge, as many banks as the program needs (a power of two)."""
    banks = 2
    while banks * BANK_SIZE < len(program.image):
        banks *= 2
    return Header(title=get_world("johto").title, rom_banks=banks)
