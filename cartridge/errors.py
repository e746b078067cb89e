"""Exceptions of the cartridge toolchain.

One base class so callers (the build step, the emulator service) can catch every
cartridge problem at one boundary, and a few intent-named subclasses so a test or a
log line says *which* stage failed.
"""

from __future__ import annotations


class CartridgeError(Exception):
    """Base class of every error raised while assembling, building or booting the cartridge."""


class AssemblerError(CartridgeError):
    """The game program asks for something the SM83 cannot encode (bad operand, unknown label, range)."""


class RomError(CartridgeError):
    """The ROM image cannot be laid out (program too large, header area overwritten, bad size)."""


class BootError(CartridgeError):
    """The cartridge did not reach its overworld loop in the emulator."""
