"""The ROM image: header fields like Crystal's, checksums recomputed independently, misuse errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartridge.errors import RomError
from cartridge.rom import Header, build_rom, rom_size_code
from cartridge.sm83 import Assembler, Program

# Pan Docs "Nintendo Logo" (0x104-0x133), written out independently of cartridge.rom
PAN_DOCS_LOGO = [
    0xCE, 0xED, 0x66, 0x66, 0xCC, 0x0D, 0x00, 0x0B, 0x03, 0x73, 0x00, 0x83, 0x00, 0x0C, 0x00, 0x0D,
    0x00, 0x08, 0x11, 0x1F, 0x88, 0x89, 0x00, 0x0E, 0xDC, 0xCC, 0x6E, 0xE6, 0xDD, 0xDD, 0xD9, 0x99,
    0xBB, 0xBB, 0x67, 0x63, 0x6E, 0x0E, 0xEC, 0xCC, 0xDD, 0xDC, 0x99, 0x9F, 0xBB, 0xB9, 0x33, 0x3E,
]  # fmt: skip


def _tiny_program(extra_at_0x104: bool = False) -> Program:
    asm = Assembler()
    asm.org(0x100)
    asm.nop()
    asm.jp(0x150)
    if extra_at_0x104:
        asm.db(0x12)
    asm.org(0x150)
    asm.label("main")
    asm.halt()
    asm.jr("main")
    return asm.assemble()


def test_demo_rom_header_is_a_cgb_only_mbc3_rtc_cartridge(cart_rom: Path) -> None:
    rom = cart_rom.read_bytes()
    assert len(rom) % 0x4000 == 0 and len(rom) // 0x4000 >= 2
    assert list(rom[0x104:0x134]) == PAN_DOCS_LOGO
    assert rom[0x134:0x13F].rstrip(b"\0") == b"CRYSTAL RL"
    assert rom[0x143] == 0xC0  # CGB only
    assert rom[0x147] == 0x10  # MBC3+TIMER+RAM+BATTERY
    assert 32 * 1024 << rom[0x148] == len(rom)  # ROM size code matches the file
    assert rom[0x149] == 0x03  # 32 KiB cartridge RAM, like Crystal
    assert rom[0x100] == 0x00 and rom[0x101] == 0xC3  # nop; jp start


def test_checksums_match_an_independent_computation(cart_rom: Path) -> None:
    rom = cart_rom.read_bytes()
    x = 0
    for byte in rom[0x134:0x14D]:
        x = (x - byte - 1) % 256
    assert rom[0x14D] == x
    total = sum(rom[:0x14E]) + sum(rom[0x150:])
    assert int.from_bytes(rom[0x14E:0x150], "big") == total % 65536


def test_checksums_change_with_content() -> None:
    a = build_rom(_tiny_program())
    b = build_rom(_tiny_program(), Header(title="OTHER"))
    assert a[0x14D] != b[0x14D]
    assert a[0x14E:0x150] != b[0x14E:0x150]


def test_rom_size_codes() -> None:
    assert [rom_size_code(n) for n in (2, 4, 8, 128)] == [0, 1, 2, 6]
    with pytest.raises(RomError, match="power of two"):
        rom_size_code(3)


def test_bigger_rom_pads_and_codes_its_size() -> None:
    rom = build_rom(_tiny_program(), Header(rom_banks=4))
    assert len(rom) == 4 * 0x4000 and rom[0x148] == 1


@pytest.mark.parametrize(
    ("program", "header", "message"),
    [
        (_tiny_program(extra_at_0x104=True), Header(), "writes into the cartridge header"),
        (_tiny_program(), Header(title="much too long title"), "at most 11"),
        (_tiny_program(), Header(title="lower"), "upper-case"),
        (_tiny_program(), Header(ram_kib=3), "cartridge RAM must be one of"),
        (_tiny_program(), Header(cartridge_type=0x100), "must be a byte"),
    ],
)
def test_misuse_raises_rom_error(program: Program, header: Header, message: str) -> None:
    with pytest.raises(RomError, match=message):
        build_rom(program, header)


def test_program_too_large_is_refused() -> None:
    asm = Assembler()
    asm.ds(0x8001)
    with pytest.raises(RomError, match="more than 2 banks"):
        build_rom(asm.assemble())
