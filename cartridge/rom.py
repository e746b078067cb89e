"""Lay out a Game Boy Color ROM image: the program, the cartridge header and its checksums.

The header is what the emulator (and any real boot ROM) reads to decide how to run the
cartridge, so it mirrors Pokémon Crystal where it matters to PyBoy: CGB-only, an MBC3
with real-time clock, battery and RAM. The logo bytes are the fixed public constant that
every homebrew toolchain (rgbfix) writes at 0x104 (listed in Pan Docs).
"""

from __future__ import annotations

from dataclasses import dataclass

from cartridge.errors import RomError
from cartridge.sm83 import Program

BANK_SIZE = 0x4000
HEADER_START = 0x0100
HEADER_END = 0x0150
LOGO_ADDRESS = 0x0104

NINTENDO_LOGO = bytes.fromhex(
    "CEED6666CC0D000B03730083000C000D0008111F8889000EDCCC6EE6DDDDD999BBBB67636E0EECCCDDDC999FBBB9333E"
)

CGB_ONLY = 0xC0
CART_MBC3_TIMER_RAM_BATTERY = 0x10
RAM_SIZE_CODES = {0: 0x00, 8: 0x02, 32: 0x03, 64: 0x05, 128: 0x04}
"""Cartridge RAM in KiB -> header code (Pan Docs 0x149)."""


@dataclass(frozen=True)
class Header:
    """The header fields the builder lets the game choose."""

    title: str = "CRYSTAL RL"
    cgb_flag: int = CGB_ONLY
    cartridge_type: int = CART_MBC3_TIMER_RAM_BATTERY
    rom_banks: int = 2
    ram_kib: int = 32
    destination: int = 0x01  # overseas, like the international Crystal
    version: int = 0


def rom_size_code(banks: int) -> int:
    """Header code 0x148 for ``banks`` 16 KiB banks (2 -> 0, 4 -> 1, ... 512 -> 8)."""
    if banks < 2 or banks > 512 or banks & (banks - 1):
        raise RomError(f"ROM bank count must be a power of two in 2..512, got {banks}")
    return banks.bit_length() - 2


def header_checksum(rom: bytes | bytearray) -> int:
    """The byte at 0x14D: ``x = x - rom[i] - 1`` over 0x134..0x14C, as the boot ROM checks it."""
    x = 0
    for i in range(0x134, 0x14D):
        x = (x - rom[i] - 1) & 0xFF
    return x


def global_checksum(rom: bytes | bytearray) -> int:
    """The big-endian word at 0x14E: sum of every byte except the two checksum bytes."""
    return (sum(rom) - rom[0x14E] - rom[0x14F]) & 0xFFFF


def build_rom(program: Program, header: Header | None = None) -> bytes:
    """Place ``program`` (assembled from address 0) into a padded ROM and write the header.

    The program must leave 0x104..0x14F to the header (zero bytes there) -- code that
    overlapped it would be silently corrupted otherwise.
    """
    header = header or Header()
    size = header.rom_banks * BANK_SIZE
    size_code = rom_size_code(header.rom_banks)
    if program.origin != 0:
        raise RomError(f"the program must be assembled from address 0, not 0x{program.origin:04x}")
    if len(program.image) > size:
        raise RomError(f"program is {len(program.image)} bytes, more than {header.rom_banks} banks ({size} bytes)")
    if len(program.image) < HEADER_END:
        raise RomError("program ends before 0x150: it must contain the entry point at 0x100")
    if any(program.image[LOGO_ADDRESS:HEADER_END]):
        raise RomError("program writes into the cartridge header (0x104..0x14F); start code at 0x150")
    if header.ram_kib not in RAM_SIZE_CODES:
        raise RomError(f"cartridge RAM must be one of {sorted(RAM_SIZE_CODES)} KiB, got {header.ram_kib}")
    title = header.title.encode("ascii", errors="strict")
    if len(title) > 11 or title != title.upper():
        raise RomError(f"title must be at most 11 upper-case ASCII characters, got {header.title!r}")
    for name in ("cgb_flag", "cartridge_type", "destination", "version"):
        value = getattr(header, name)
        if not 0 <= value <= 0xFF:
            raise RomError(f"header field {name} must be a byte, got {value}")

    rom = bytearray(size)
    rom[: len(program.image)] = program.image
    rom[LOGO_ADDRESS : LOGO_ADDRESS + len(NINTENDO_LOGO)] = NINTENDO_LOGO
    rom[0x134:0x143] = title.ljust(15, b"\x00")
    rom[0x143] = header.cgb_flag
    rom[0x144:0x146] = b"00"  # new licensee code: none
    rom[0x146] = 0x00  # no SGB functions
    rom[0x147] = header.cartridge_type
    rom[0x148] = size_code
    rom[0x149] = RAM_SIZE_CODES[header.ram_kib]
    rom[0x14A] = header.destination
    rom[0x14B] = 0x33  # "use the new licensee code"
    rom[0x14C] = header.version
    rom[0x14D] = header_checksum(rom)
    checksum = global_checksum(rom)
    rom[0x14E] = checksum >> 8
    rom[0x14F] = checksum & 0xFF
    return bytes(rom)
