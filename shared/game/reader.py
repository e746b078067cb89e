"""Turns the game's RAM into a `GameState`: a few bulk reads per step, then pure decoding.

PyBoy reads memory one byte per Cython call (25-30 ns each, cold after a tick), so the reader
reads only the bytes it decodes: spans merged across small gaps only, and the party's structs
only as far as wPartyCount goes.

Bank-1 variables are read with PyBoy's banked form (`memory[1, start:end]`): the game maps
other WRAM banks into D000–DFFF while it works, so an unbanked read can return another
bank's bytes. Decoding is separate from reading so it can be tested on crafted bytes.
"""

from typing import Protocol

from shared.game.maps import map_name
from shared.game.ram_map import (
    BY_NAME,
    FACING,
    PARTY_MAX,
    PARTY_STRUCT_SIZE,
    READ_BY_COUNT,
    SPECIES_END,
    STATE_FLAGS_TEXT_BIT,
    PartyMonOffset,
    spans,
)
from shared.game.state import BattleState, GameState, PartyMon, PlayTime
from shared.trusted import trusted

SPANS: tuple[tuple[int, int, int], ...] = tuple((bank, start, end) for bank in (0, 1) for start, end in spans(bank))
"""(bank, start, end) of every bulk read; bank 0 is WRAM0 (read unbanked: it is never switched)."""
_WHERE: dict[str, tuple[int, int, int]] = {
    var.name: next(
        (i, var.addr - start, var.addr - start + var.size)
        for i, (bank, start, end) in enumerate(SPANS)
        if bank == var.bank and start <= var.addr < end
    )
    for var in BY_NAME.values()
    if var.name not in READ_BY_COUNT
}
_PARTY_MONS = BY_NAME["wPartyMons"].addr
_game_state, _battle, _play_time, _party_mon = map(trusted, (GameState, BattleState, PlayTime, PartyMon))
"""Variable name → (span index, first offset, end offset) inside that span's bytes."""

_CHARSET: dict[int, str] = {
    **{0x80 + i: chr(ord("A") + i) for i in range(26)},
    **{0xA0 + i: chr(ord("a") + i) for i in range(26)},
    **{0xF6 + i: chr(ord("0") + i) for i in range(10)},
    0x7F: " ",
}
_TEXT_END = 0x50


class BankedMemory(Protocol):
    """What the reader needs of `PyBoy.memory`."""

    def __getitem__(self, addr: tuple[int, slice] | slice) -> list[int]: ...


class RamView:
    """The bytes of every span in `SPANS`, addressed by variable, and the party structs in use."""

    __slots__ = ("_chunks", "party_mons")

    def __init__(self, chunks: list[bytes], party_mons: bytes = b"") -> None:
        self._chunks = chunks
        self.party_mons = party_mons

    def data(self, name: str) -> bytes:
        index, start, end = _WHERE[name]
        return self._chunks[index][start:end]

    def value(self, name: str) -> int:
        """A numeric variable (U8, U16BE, U24BE, or a bit field as one big-endian number)."""
        index, start, end = _WHERE[name]
        return int.from_bytes(self._chunks[index][start:end], "big")


def read_ram(memory: BankedMemory) -> RamView:
    """One bulk read per span: WRAM0 as mapped (never switched), WRAM bank 1 explicitly; then the party."""
    ram = RamView([bytes(memory[1, start:end] if bank else memory[start:end]) for bank, start, end in SPANS])
    count = min(ram.value("wPartyCount"), PARTY_MAX)
    if count:
        ram.party_mons = bytes(memory[1, _PARTY_MONS : _PARTY_MONS + count * PARTY_STRUCT_SIZE])
    return ram


def read_state(memory: BankedMemory) -> GameState:
    return decode_state(read_ram(memory))


def decode_text(data: bytes) -> str:
    """The game's character set up to the 0x50 terminator; unknown characters become '?'."""
    out = []
    for byte in data:
        if byte == _TEXT_END:
            break
        out.append(_CHARSET.get(byte, "?"))
    return "".join(out)


def count_bits(data: bytes) -> int:
    return int.from_bytes(data, "big").bit_count()


def decode_party(ram: RamView) -> tuple[PartyMon, ...]:
    """Party members up to wPartyCount (at most 6) or the species list's 0xFF end, whichever is first."""
    count = min(ram.value("wPartyCount"), PARTY_MAX, len(ram.party_mons) // PARTY_STRUCT_SIZE)
    species = ram.data("wPartySpecies")
    mons = ram.party_mons
    party = []
    for i in range(count):
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
            )
        )
    return tuple(party)


def decode_state(ram: RamView) -> GameState:
    """Every value comes from a byte range whose format fixes its type and range, so the models are
    built without validation (`trusted`): this runs once per step."""
    group, number = ram.value("wMapGroup"), ram.value("wMapNumber")
    return _game_state(
        map_group=group,
        map_number=number,
        map_name=map_name(group, number),
        x=ram.value("wXCoord"),
        y=ram.value("wYCoord"),
        facing=FACING[ram.value("wPlayerDirection") & 0x0C],
        money=ram.value("wMoney"),
        johto_badges=ram.value("wJohtoBadges"),
        kanto_badges=ram.value("wKantoBadges"),
        party=decode_party(ram),
        battle=_battle(
            mode=ram.value("wBattleMode"),
            type=ram.value("wBattleType"),
            enemy_species=ram.value("wEnemyMonSpecies"),
            enemy_level=ram.value("wEnemyMonLevel"),
            enemy_hp=ram.value("wEnemyMonHP"),
        ),
        time_of_day=ram.value("wTimeOfDay"),
        play_time=_play_time(
            hours=ram.value("wGameTimeHours"),
            minutes=ram.value("wGameTimeMinutes"),
            seconds=ram.value("wGameTimeSeconds"),
        ),
        step_count=ram.value("wStepCount"),
        event_flags=count_bits(ram.data("wEventFlags")),
        pokedex_seen=count_bits(ram.data("wPokedexSeen")),
        pokedex_caught=count_bits(ram.data("wPokedexCaught")),
        text_open=bool(ram.value("wStateFlags") >> STATE_FLAGS_TEXT_BIT & 1),
        menu_open=ram.value("wWindowStackSize") > 0,
        script_running=ram.value("wScriptRunning") != 0,
        map_status=ram.value("wMapStatus"),
        player_state=ram.value("wPlayerState"),
        player_id=ram.value("wPlayerID"),
        player_name=decode_text(ram.data("wPlayerName")),
    )
