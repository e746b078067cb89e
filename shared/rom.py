"""Checks that a file is a Game Boy ROM before an emulator is started on it.

PyBoy accepts almost any file and fails later in obscure ways; a wrong path or a file that
is not a ROM should instead fail at once with a message that says what is wrong.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from shared.errors import RomError

BANK_SIZE = 0x4000
MIN_SIZE = 2 * BANK_SIZE
MAX_SIZE = 8 * 1024 * 1024
HEADER_END = 0x150


DEMO_TITLE = "CRYSTAL RL"
"""The header title the demo cartridge's builder writes (`cartridge.rom.Header.title`)."""


@dataclass(frozen=True)
class RomInfo:
    path: Path
    title: str
    cgb_flag: int
    cartridge_type: int
    size: int
    sha256: str

    @property
    def demo(self) -> bool:
        """The project's own demo cartridge (by its header title), which has its own episode defaults."""
        return self.title == DEMO_TITLE


def header_checksum(data: bytes) -> int:
    """The checksum the boot ROM verifies (0x14D): over 0x134–0x14C."""
    value = 0
    for byte in data[0x134:0x14D]:
        value = (value - byte - 1) & 0xFF
    return value


def inspect_rom(path: Path) -> RomInfo:
    """Read and check a ROM file; raise `RomError` naming the problem and what to do."""
    if not path.exists():
        raise RomError(f"ROM not found: {path} (give the path to a .gbc file, or omit --rom for the demo)")
    if not path.is_file():
        raise RomError(f"ROM path is not a file: {path}")
    size = path.stat().st_size
    if size < MIN_SIZE or size > MAX_SIZE or size % BANK_SIZE:
        raise RomError(
            f"{path} is not a Game Boy ROM: its size is {size} bytes, a ROM is a multiple of 16 KiB "
            f"between {MIN_SIZE // 1024} KiB and {MAX_SIZE // (1024 * 1024)} MiB"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RomError(f"cannot read ROM {path}: {exc.strerror}") from None
    expected = header_checksum(data)
    if data[0x14D] != expected:
        raise RomError(
            f"{path} is not a Game Boy ROM: header checksum is 0x{data[0x14D]:02X}, expected 0x{expected:02X}"
        )
    title = data[0x134:0x143].split(b"\x00", 1)[0].decode("ascii", errors="replace").strip()
    return RomInfo(
        path=path,
        title=title,
        cgb_flag=data[0x143],
        cartridge_type=data[0x147],
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )
