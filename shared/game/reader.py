"""Turns the game's RAM into a `GameState`: a few bulk reads per step, then pure decoding.

PyBoy reads memory one byte per Cython call (25-30 ns each, cold after a tick), so the reader
reads only the bytes it decodes: spans merged across small gaps only, and the party's structs
only as far as wPartyCount goes.

Bank-1 variables are read with PyBoy's banked form (`memory[1, start:end]`): the game maps
other WRAM banks into D000–DFFF while it works, so an unbanked read can return another
bank's bytes. Decoding is separate from reading so it can be tested on crafted bytes.
"""

import functools
import struct
from collections import namedtuple
from typing import Any, Protocol

from shared.game.charset import CHARS, TEXT_END
from shared.game.maps import map_name
from shared.game.ram_map import (
    FACING,
    ON_DEMAND,
    PARTY_MAX,
    PARTY_STRUCT_SIZE,
    RAM,
    READ_BY_COUNT,
    SPECIES_END,
    STATE_FLAGS_TEXT_BIT,
    Fmt,
    PartyMonOffset,
    RamVar,
    spans,
)
from shared.game.state import BattleState, GameState, PartyMon, PlayTime
from shared.unvalidated import unvalidated_constructor


class Layout:
    """Where the reader finds each variable, for one address table: the bulk reads (spans), each variable's place
    in their bytes laid end to end, one `struct` for every numeric variable, and the party's structs.

    Crystal's table (`ram_map.RAM`) is the default; a ROM hack's `.sym` file gives another
    (`shared/game/symbols.py`). Built once per table, not per step.
    """

    def __init__(self, table: tuple[RamVar, ...] = RAM) -> None:
        step = {v.name for v in RAM}
        self.on_demand: dict[str, RamVar] = {v.name: v for v in ON_DEMAND} | {
            v.name: v for v in table if v.name not in step
        }
        """The variables read only when asked (the text map's, the screen's words), Crystal's where `table`
        has none."""
        table = tuple(v for v in table if v.name in step)
        self.table = table
        self.by_name = {v.name: v for v in table}
        self.spans: tuple[tuple[int, int, int], ...] = tuple(
            (bank, start, end) for bank in (0, 1) for start, end in spans(bank, table=table)
        )
        """(bank, start, end) of every bulk read; bank 0 is WRAM0 (read unbanked: it is never switched)."""
        self.at = self._offsets()
        self.numbers, names = self._numbers()
        self.numbers_type = namedtuple("Numbers", names)  # type: ignore[misc]
        self.party_mons = self.by_name["wPartyMons"].addr
        self.variables: dict[str, RamVar] = self.on_demand | self.by_name
        """Every variable by name, read each step or on demand: what the text map reads the map's bytes through."""

    def _offsets(self) -> dict[str, tuple[int, int]]:
        """Variable name → [start, end) in the spans' bytes laid end to end."""
        at, base = {}, 0
        for bank, start, end in self.spans:
            for var in self.table:
                if var.bank == bank and start <= var.addr < end and var.name not in READ_BY_COUNT:
                    at[var.name] = (base + var.addr - start, base + var.addr - start + var.size)
            base += end - start
        return at

    def _numbers(self) -> tuple[struct.Struct, tuple[str, ...]]:
        """One big-endian `struct` for every numeric variable in the spans' bytes (a U24 as a byte and a U16):
        one C call for all of them, where reading them one by one cost a Python call each."""
        fmt, names, pos = ">", [], 0
        for name, (start, end) in sorted(self.at.items(), key=lambda item: item[1]):
            var = self.by_name[name]
            if var.fmt in (Fmt.U8, Fmt.U16BE) or (var.fmt is Fmt.BITS and var.size == 1):
                fmt += f"{start - pos}x{'B' if var.size == 1 else 'H'}"
                names.append(name)
            elif var.fmt is Fmt.U24BE:
                fmt += f"{start - pos}xBH"
                names += [name, f"{name}_low16"]
            else:
                continue
            pos = end
        return struct.Struct(fmt), tuple(names)


CRYSTAL = Layout()
"""The layout of Crystal's own address table: what every reader uses unless given another."""
SPANS = CRYSTAL.spans
_game_state, _battle, _play_time, _party_mon = map(
    unvalidated_constructor, (GameState, BattleState, PlayTime, PartyMon)
)


class BankedMemory(Protocol):
    """What the reader needs of `PyBoy.memory`."""

    def __getitem__(self, addr: tuple[int, slice] | slice) -> list[int]: ...


class RamView:
    """The bytes of every span of a layout laid end to end, addressed by variable, and the party structs in use."""

    __slots__ = ("buffer", "layout", "party_mons")

    def __init__(self, buffer: bytes, party_mons: bytes = b"", layout: Layout = CRYSTAL) -> None:
        self.buffer = buffer
        self.party_mons = party_mons
        self.layout = layout

    def data(self, name: str) -> bytes:
        start, end = self.layout.at[name]
        return self.buffer[start:end]

    def value(self, name: str) -> int:
        """A numeric variable (U8, U16BE, U24BE, or a bit field as one big-endian number)."""
        return int.from_bytes(self.data(name), "big")

    def numbers(self) -> Any:
        """Every numeric variable at once, by name (a named tuple of the layout's numbers)."""
        return self.layout.numbers_type._make(self.layout.numbers.unpack_from(self.buffer))


def read_ram(memory: BankedMemory, layout: Layout = CRYSTAL) -> RamView:
    """One bulk read per span through PyBoy's public `memory`: WRAM0 as mapped (never switched), WRAM bank 1
    explicitly; then the party's structs in use."""
    buffer = b"".join([bytes(memory[1, start:end] if bank else memory[start:end]) for bank, start, end in layout.spans])
    ram = RamView(buffer, layout=layout)
    count = min(ram.value("wPartyCount"), PARTY_MAX)
    if count:
        ram.party_mons = bytes(memory[1, layout.party_mons : layout.party_mons + count * PARTY_STRUCT_SIZE])
    return ram


def read_state(memory: BankedMemory, layout: Layout = CRYSTAL) -> GameState:
    return decode_state(read_ram(memory, layout))


@functools.lru_cache(maxsize=256)
def decode_text(data: bytes) -> str:
    """The game's character set up to the 0x50 terminator; unknown characters become '?'. Cached: the same
    few names are decoded every step."""
    out = []
    for byte in data:
        if byte == TEXT_END:
            break
        out.append(CHARS.get(byte, "?"))
    return "".join(out)


def count_bits(data: bytes) -> int:
    return int.from_bytes(data, "big").bit_count()


def decode_party(ram: RamView) -> tuple[PartyMon, ...]:
    """Party members up to wPartyCount (at most 6) or the species list's 0xFF end, whichever is first."""
    count = min(ram.value("wPartyCount"), PARTY_MAX, len(ram.party_mons) // PARTY_STRUCT_SIZE)
    return _party(ram.data("wPartySpecies"), ram.party_mons[: count * PARTY_STRUCT_SIZE])


@functools.lru_cache(maxsize=256)
def _party(species: bytes, mons: bytes) -> tuple[PartyMon, ...]:
    """Decoded once per distinct bytes: the party changes on few steps (a hit, experience), and the models
    are frozen, so one step's party can be the next one's (about 15 µs a step saved, right after a tick)."""
    party = []
    for i in range(len(mons) // PARTY_STRUCT_SIZE):
        if species[i] == SPECIES_END:
            break
        s = mons[i * PARTY_STRUCT_SIZE : (i + 1) * PARTY_STRUCT_SIZE]
        party.append(
            _party_mon(
                species=species[i],
                level=s[PartyMonOffset.LEVEL],
                hp=int.from_bytes(s[PartyMonOffset.HP : PartyMonOffset.HP + 2], "big"),
                max_hp=int.from_bytes(s[PartyMonOffset.MAX_HP : PartyMonOffset.MAX_HP + 2], "big"),
                status=s[PartyMonOffset.STATUS],
                exp=int.from_bytes(s[PartyMonOffset.EXP : PartyMonOffset.EXP + 3], "big"),
                moves=tuple(move for move in s[PartyMonOffset.MOVES : PartyMonOffset.MOVES + 4] if move),
            )
        )
    return tuple(party)


def decode_state(ram: RamView) -> GameState:
    """Every value comes from a byte range whose format fixes its type and range, so the models are
    built without validation (`unvalidated_constructor`): this runs once per step."""
    n = ram.numbers()
    return _game_state(
        map_group=n.wMapGroup,
        map_number=n.wMapNumber,
        map_name=map_name(n.wMapGroup, n.wMapNumber),
        map_width=n.wMapWidth * 2,
        map_height=n.wMapHeight * 2,
        x=n.wXCoord,
        y=n.wYCoord,
        facing=FACING[n.wPlayerDirection & 0x0C],
        money=n.wMoney << 16 | n.wMoney_low16,
        johto_badges=n.wJohtoBadges,
        kanto_badges=n.wKantoBadges,
        party=decode_party(ram),
        battle=_battle(
            mode=n.wBattleMode,
            type=n.wBattleType,
            enemy_species=n.wEnemyMonSpecies,
            enemy_level=n.wEnemyMonLevel,
            enemy_hp=n.wEnemyMonHP,
        ),
        time_of_day=n.wTimeOfDay,
        play_time=_play_time(hours=n.wGameTimeHours, minutes=n.wGameTimeMinutes, seconds=n.wGameTimeSeconds),
        step_count=n.wStepCount,
        event_flags=count_bits(ram.data("wEventFlags")),
        pokedex_seen=count_bits(ram.data("wPokedexSeen")),
        pokedex_caught=count_bits(ram.data("wPokedexCaught")),
        text_open=bool(n.wStateFlags >> STATE_FLAGS_TEXT_BIT & 1),
        menu_open=n.wWindowStackSize > 0,
        script_running=n.wScriptRunning != 0,
        map_status=n.wMapStatus,
        player_state=n.wPlayerState,
        player_id=n.wPlayerID,
        player_name=decode_text(ram.data("wPlayerName")),
    )
