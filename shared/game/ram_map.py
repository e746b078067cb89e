"""Pokémon Crystal's WRAM variables: the only place their addresses are written.

Checked against the public disassembly's symbol files (pokecrystal.sym, 1.0 and 1.1
agree for all of these). `D000–DFFF` is WRAM bank 1 on the Game Boy Color; the game maps
other banks there while it works, so every `D` variable is read from bank 1 explicitly.
`C000–CFFF` (WRAM0) is never switched and is read as bank 0.
"""

from dataclasses import dataclass
from enum import StrEnum


class Fmt(StrEnum):
    """How a variable's bytes become a value."""

    U8 = "u8"
    U16BE = "u16be"
    U24BE = "u24be"
    BITS = "bits"
    """A bit field or bit array: the value is the raw bytes, counted or tested bit by bit."""
    TEXT = "text"
    """The game's character set, 0x50 terminated."""
    BYTES = "bytes"


@dataclass(frozen=True, slots=True)
class RamVar:
    """One variable: where it lives and how to read it."""

    name: str
    bank: int
    addr: int
    size: int
    fmt: Fmt

    @property
    def end(self) -> int:
        return self.addr + self.size


PARTY_STRUCT_SIZE = 0x30
"""Stride of wPartyMon1..6 (48 bytes; 44 is a classic wrong value)."""
PARTY_MAX = 6
SPECIES_END = 0xFF
"""wPartySpecies terminator."""
SPECIES_EGG = 0xFD

_V = RamVar
_WRAM0, _WRAM1 = 0, 1

RAM: tuple[RamVar, ...] = (
    _V("wStateFlags", _WRAM1, 0xD0ED, 1, Fmt.U8),
    _V("wMapHeight", _WRAM1, 0xD19E, 1, Fmt.U8),
    _V("wMapWidth", _WRAM1, 0xD19F, 1, Fmt.U8),
    _V("wEnemyMonSpecies", _WRAM1, 0xD206, 1, Fmt.U8),
    _V("wEnemyMonLevel", _WRAM1, 0xD213, 1, Fmt.U8),
    _V("wEnemyMonHP", _WRAM1, 0xD216, 2, Fmt.U16BE),
    _V("wBattleMode", _WRAM1, 0xD22D, 1, Fmt.U8),
    _V("wBattleType", _WRAM1, 0xD230, 1, Fmt.U8),
    _V("wTimeOfDay", _WRAM1, 0xD269, 1, Fmt.U8),
    _V("wMapStatus", _WRAM1, 0xD432, 1, Fmt.U8),
    _V("wScriptRunning", _WRAM1, 0xD438, 1, Fmt.U8),
    _V("wPlayerID", _WRAM1, 0xD47B, 2, Fmt.U16BE),
    _V("wPlayerName", _WRAM1, 0xD47D, 11, Fmt.TEXT),
    _V("wGameTimeHours", _WRAM1, 0xD4C4, 2, Fmt.U16BE),
    _V("wGameTimeMinutes", _WRAM1, 0xD4C6, 1, Fmt.U8),
    _V("wGameTimeSeconds", _WRAM1, 0xD4C7, 1, Fmt.U8),
    _V("wPlayerDirection", _WRAM1, 0xD4DE, 1, Fmt.U8),
    _V("wMoney", _WRAM1, 0xD84E, 3, Fmt.U24BE),
    _V("wJohtoBadges", _WRAM1, 0xD857, 1, Fmt.BITS),
    _V("wKantoBadges", _WRAM1, 0xD858, 1, Fmt.BITS),
    _V("wPlayerState", _WRAM1, 0xD95D, 1, Fmt.U8),
    _V("wEventFlags", _WRAM1, 0xDA72, 0xDB72 - 0xDA72, Fmt.BITS),
    _V("wStepCount", _WRAM1, 0xDC73, 1, Fmt.U8),
    _V("wMapGroup", _WRAM1, 0xDCB5, 1, Fmt.U8),
    _V("wMapNumber", _WRAM1, 0xDCB6, 1, Fmt.U8),
    _V("wYCoord", _WRAM1, 0xDCB7, 1, Fmt.U8),
    _V("wXCoord", _WRAM1, 0xDCB8, 1, Fmt.U8),
    _V("wPartyCount", _WRAM1, 0xDCD7, 1, Fmt.U8),
    _V("wPartySpecies", _WRAM1, 0xDCD8, PARTY_MAX + 1, Fmt.BYTES),
    _V("wPartyMons", _WRAM1, 0xDCDF, PARTY_STRUCT_SIZE * PARTY_MAX, Fmt.BYTES),
    _V("wPokedexCaught", _WRAM1, 0xDE99, 32, Fmt.BITS),
    _V("wPokedexSeen", _WRAM1, 0xDEB9, 32, Fmt.BITS),
    _V("wBattleMonSpecies", _WRAM0, 0xC62C, 1, Fmt.U8),
    _V("wBattleMonLevel", _WRAM0, 0xC639, 1, Fmt.U8),
    _V("wBattleMonHP", _WRAM0, 0xC63C, 2, Fmt.U16BE),
    _V("wWindowStackSize", _WRAM0, 0xCF78, 1, Fmt.U8),
    _V("wJoypadDisable", _WRAM0, 0xCFBE, 1, Fmt.U8),
)
"""The variables the reader uses, in address order within each bank."""

ON_DEMAND: tuple[RamVar, ...] = (
    _V("wTilemap", _WRAM0, 0xC4A0, 20 * 18, Fmt.BYTES),
    _V("wOverworldMapBlocks", _WRAM0, 0xC800, 1300, Fmt.BYTES),
    _V("wMapBorderBlock", _WRAM1, 0xD19D, 1, Fmt.U8),
    _V("wMapScriptsBank", _WRAM1, 0xD1A3, 1, Fmt.U8),
    _V("wMapConnections", _WRAM1, 0xD1A8, 1, Fmt.BITS),
    _V("wNorthMapConnection", _WRAM1, 0xD1A9, 12, Fmt.BYTES),
    _V("wSouthMapConnection", _WRAM1, 0xD1B5, 12, Fmt.BYTES),
    _V("wWestMapConnection", _WRAM1, 0xD1C1, 12, Fmt.BYTES),
    _V("wEastMapConnection", _WRAM1, 0xD1CD, 12, Fmt.BYTES),
    _V("wTilesetCollisionBank", _WRAM1, 0xD1DF, 1, Fmt.U8),
    _V("wTilesetCollisionAddress", _WRAM1, 0xD1E0, 2, Fmt.BYTES),
    _V("wObjectStructs", _WRAM1, 0xD4D6, 13 * 0x28, Fmt.BYTES),
    _V("wMapObjects", _WRAM1, 0xD71E, 16 * 16, Fmt.BYTES),
    _V("wObjectMasks", _WRAM1, 0xD81E, 16, Fmt.BYTES),
    _V("wCurMapWarpEventCount", _WRAM1, 0xDBFB, 1, Fmt.U8),
    _V("wCurMapWarpEventsPointer", _WRAM1, 0xDBFC, 2, Fmt.BYTES),
)
"""Read only when a plan is asked for, never in the step: the screen's tile map (its words), and the map, its
warps and its objects (the planner's text map). Pointers (`...Address`, `...Pointer`) are little-endian, as the
CPU stores them; a connection struct starts with the connected map's group and number (group 0xFF: none)."""

BY_NAME: dict[str, RamVar] = {v.name: v for v in (*RAM, *ON_DEMAND)}


class PartyMonOffset:
    """Offsets inside one 48-byte party struct (wPartyMon1 at DCDF)."""

    SPECIES = 0x00
    MOVES = 0x02  # 4 B, one move number each, 0 for none (wPartyMon1Moves at DCE1)
    EXP = 0x08  # 3 B big-endian
    LEVEL = 0x1F
    STATUS = 0x20
    HP = 0x22  # 2 B big-endian
    MAX_HP = 0x24  # 2 B big-endian


STATE_FLAGS_TEXT_BIT = 6
"""wStateFlags bit 6: a text box or the START menu is open."""

FACING = {0x00: "down", 0x04: "up", 0x08: "left", 0x0C: "right"}
"""wPlayerDirection `and 0x0C` → facing."""

JOHTO_BADGES = ("zephyr", "hive", "plain", "fog", "mineral", "storm", "glacier", "rising")
KANTO_BADGES = ("boulder", "cascade", "thunder", "rainbow", "soul", "marsh", "volcano", "earth")

MAX_MONEY = 999_999


READ_GAP = 12
"""Variables closer than this share one bulk read; a wider gap starts another. A PyBoy read costs about
0.35 µs plus 25-30 ns a byte, so skipping more than a dozen bytes pays for the extra read."""

READ_BY_COUNT = frozenset({"wPartyMons"})
"""Read apart from the spans, only as far as the count in use: a full party is 288 bytes, a new game's is none."""


def spans(bank: int, gap: int = READ_GAP, table: tuple[RamVar, ...] = RAM) -> tuple[tuple[int, int], ...]:
    """[start, end) address ranges covering every variable of one bank, as few reads of as few bytes as sensible."""
    out: list[list[int]] = []
    for var in sorted((v for v in table if v.bank == bank and v.name not in READ_BY_COUNT), key=lambda v: v.addr):
        if out and var.addr - out[-1][1] < gap:
            out[-1][1] = max(out[-1][1], var.end)
        else:
            out.append([var.addr, var.end])
    return tuple((start, end) for start, end in out)
