"""A pokecrystal-style symbol file (`.sym`, written by rgblink) as the address table: `--symbols FILE`.

A ROM hack built from the disassembly moves WRAM variables; its `.sym` file says where each one
went (`01:dcb7 wYCoord`). Every variable of Crystal's table (`ram_map.RAM`) is looked up there by
name and takes the file's bank and address; its size and format stay Crystal's. A file that is
not a symbol file, or that lacks a name the table needs, or puts one outside the WRAM the reader
reads (WRAM0 `C000-CFFF`, bank 1 of WRAMX `D000-DFFF`), is refused with one line saying which.
"""

import re
from dataclasses import replace
from pathlib import Path

from shared.errors import ConfigError
from shared.game.ram_map import ON_DEMAND, RAM, RamVar

_LINE = re.compile(r"^([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})\s+(\S+)\s*$")

ALIASES: dict[str, tuple[str, ...]] = {"wStateFlags": ("wVramState",)}
"""Older names of the table's variables in the disassembly's history, looked up when the current one is absent."""


def parse_symbols(text: str, source: str = "symbol file") -> dict[str, tuple[int, int]]:
    """Name → (bank, address) of every symbol; the first of a name wins (labels repeat across sections).
    Raises `ConfigError` when no line is a symbol or some line is neither a symbol, a comment nor blank."""
    symbols: dict[str, tuple[int, int]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ConfigError(
                f"{source} is not a symbol file: line {number} is {raw.strip()[:60]!r}, not 'BB:AAAA name' "
                "(rgblink's .sym format, as pokecrystal's build writes it)"
            )
        bank, address, name = match.groups()
        symbols.setdefault(name, (int(bank, 16), int(address, 16)))
    if not symbols:
        raise ConfigError(f"{source} is not a symbol file: it holds no 'BB:AAAA name' line")
    return symbols


def table_from_symbols(symbols: dict[str, tuple[int, int]], source: str = "symbol file") -> tuple[RamVar, ...]:
    """Crystal's table (the step's variables and the on-demand ones: the text map's, the screen's words) with
    each variable's bank and address from `symbols`; `ConfigError` naming what is missing or out of reach."""
    table, missing, outside = [], [], []
    for var in (*RAM, *ON_DEMAND):
        found = next((symbols[n] for n in (var.name, *ALIASES.get(var.name, ())) if n in symbols), None)
        if found is None:
            missing.append(var.name)
            continue
        bank, address = found
        if 0xC000 <= address < 0xD000 and address + var.size <= 0xD000:
            table.append(replace(var, bank=0, addr=address))
        elif 0xD000 <= address < 0xE000 and address + var.size <= 0xE000 and bank == 1:
            table.append(replace(var, bank=1, addr=address))
        else:
            outside.append(f"{var.name} at {bank:02x}:{address:04x}")
    if missing:
        raise ConfigError(f"{source} lacks {len(missing)} name(s) the address table needs: {', '.join(missing)}")
    if outside:
        raise ConfigError(
            f"{source} puts {', '.join(outside)} outside the WRAM the reader reads (00:c000-cfff, 01:d000-dfff)"
        )
    return tuple(sorted(table, key=lambda v: (v.bank, v.addr)))


def load_symbols(path: Path) -> tuple[RamVar, ...]:
    """The address table from the `.sym` file at `path` (see the module docstring)."""
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except OSError as exc:
        raise ConfigError(f"symbol file {path} cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a symbol file: it is not text") from None
    return table_from_symbols(parse_symbols(text, str(path)), str(path))
