"""The reader's decoding on crafted RAM: each Crystal format, and the classic misreadings it avoids."""

import pytest

from shared.game.ram_map import BY_NAME, PARTY_STRUCT_SIZE, RAM, READ_BY_COUNT, Fmt
from shared.game.reader import SPANS, decode_text, read_state
from shared.game.state import GameState


class Ram:
    """Blank WRAM with a `poke` by address, read through `read_state` the way it reads `PyBoy.memory`.

    Every byte read is counted, so a test can tell what the reader looked at.
    """

    def __init__(self) -> None:
        self.wram = bytearray(0x2000)  # C000-DFFF with D000-DFFF as bank 1
        self.poke(0xDCB5, 24, 4)  # New Bark Town
        self.bytes_read = 0

    def poke(self, addr: int, *values: int) -> None:
        for i, value in enumerate(values):
            self.wram[addr - 0xC000 + i] = value

    def __getitem__(self, addr: tuple[int, slice] | slice) -> list[int]:
        bank, where = addr if isinstance(addr, tuple) else (0, addr)
        assert bank == 1 or where.start < 0xD000, "bank-1 variables are read from bank 1 explicitly"
        self.bytes_read += where.stop - where.start
        return list(self.wram[where.start - 0xC000 : where.stop - 0xC000])

    def state(self) -> GameState:
        return read_state(self)


def test_table_has_crystal_addresses_not_the_classic_wrong_ones() -> None:
    assert BY_NAME["wYCoord"].addr == 0xDCB7 and BY_NAME["wXCoord"].addr == 0xDCB8
    assert BY_NAME["wMoney"].addr == 0xD84E and BY_NAME["wMoney"].fmt is Fmt.U24BE
    assert BY_NAME["wBattleMode"].addr == 0xD22D
    assert BY_NAME["wPartyCount"].addr == 0xDCD7
    assert PARTY_STRUCT_SIZE == 48
    assert all(v.bank == 1 for v in RAM if 0xD000 <= v.addr < 0xE000)
    assert all(v.bank == 0 for v in RAM if v.addr < 0xD000)


def test_spans_cover_every_variable_in_its_bank_with_few_bytes() -> None:
    for var in RAM:
        if var.name not in READ_BY_COUNT:
            assert any(b == var.bank and s <= var.addr and var.end <= e for b, s, e in SPANS), var.name
    assert sum(end - start for _, start, end in SPANS) < 500  # not the 6 KB a single span would read


def test_party_structs_are_read_only_as_far_as_the_count() -> None:
    ram = Ram()
    ram.state()
    empty = ram.bytes_read
    ram.poke(0xDCD7, 2, 155, 158, 0xFF)
    ram.bytes_read = 0
    assert len(ram.state().party) == 2
    assert ram.bytes_read == empty + 2 * PARTY_STRUCT_SIZE
    ram.poke(0xDCD7, 200)  # a count read in the middle of a write: never more than six structs
    ram.bytes_read = 0
    ram.state()
    assert ram.bytes_read == empty + 6 * PARTY_STRUCT_SIZE


def test_position_map_and_facing() -> None:
    ram = Ram()
    ram.poke(0xDCB7, 7, 3)  # Y then X
    ram.poke(0xD4DE, 0x4C)  # high bits are not the direction: and 0x0C -> right
    state = ram.state()
    assert (state.x, state.y, state.facing) == (3, 7, "right")
    assert state.map_id == (24, 4) and state.map_name == "New Bark Town"


def test_money_is_three_byte_big_endian_binary_not_bcd() -> None:
    ram = Ram()
    ram.poke(0xD84E, 0x01, 0xE2, 0x40)
    assert ram.state().money == 123_456  # as BCD these bytes would not even be a number


def test_party_uses_48_byte_structs_and_two_byte_hp() -> None:
    ram = Ram()
    ram.poke(0xDCD7, 2, 155, 158, 0xFF)
    second = 0xDCDF + PARTY_STRUCT_SIZE
    ram.poke(0xDCDF + 0x1F, 5)  # level
    ram.poke(0xDCDF + 0x22, 0x01, 0x2C, 0x01, 0x2C)  # HP 300 / 300
    ram.poke(0xDCDF + 0x08, 0x00, 0x01, 0x00)  # exp 256
    ram.poke(second + 0x1F, 7)
    ram.poke(second + 0x22, 0x00, 0x14, 0x00, 0x19)  # 20 / 25
    party = ram.state().party
    assert [(m.species, m.level, m.hp, m.max_hp) for m in party] == [(155, 5, 300, 300), (158, 7, 20, 25)]
    assert party[0].exp == 256


def test_party_stops_at_species_terminator_and_never_exceeds_six() -> None:
    ram = Ram()
    ram.poke(0xDCD7, 3, 155, 0xFF)
    assert len(ram.state().party) == 1
    ram.poke(0xDCD7, 200, 1, 2, 3, 4, 5, 6, 7)
    assert len(ram.state().party) == 6


def test_badges_battle_flags_and_counts() -> None:
    ram = Ram()
    ram.poke(0xD857, 0b0000_0001, 0b1000_0000)  # Zephyr; Earth
    ram.poke(0xD22D, 2)
    ram.poke(0xD206, 16)
    ram.poke(0xD213, 9)
    ram.poke(0xD216, 0x01, 0x02)
    ram.poke(0xD0ED, 0x40)
    ram.poke(0xCF78, 1)
    ram.poke(0xDA72, 0b101, 0b1)
    ram.poke(0xDEB9, 0xFF)
    ram.poke(0xDE99, 0x01)
    state = ram.state()
    assert state.badge_count == 2 and state.johto_badges == 1 and state.kanto_badges == 0x80
    assert (state.battle.mode, state.battle.enemy_species, state.battle.enemy_level) == (2, 16, 9)
    assert state.battle.enemy_hp == 0x0102
    assert state.text_open and state.menu_open and state.busy
    assert state.event_flags == 3 and state.pokedex_seen == 8 and state.pokedex_caught == 1


def test_text_flag_is_bit_six_only() -> None:
    ram = Ram()
    ram.poke(0xD0ED, 0xBF)
    assert not ram.state().text_open


@pytest.mark.parametrize(
    ("data", "text"),
    [(bytes([0x80, 0x81, 0xA2, 0x50, 0x80]), "ABc"), (bytes([0xF6, 0xFF, 0x7F, 0x01]), "09 ?")],
)
def test_decode_text(data: bytes, text: str) -> None:
    assert decode_text(data) == text


def test_party_moves_are_the_four_bytes_after_the_item_with_empty_slots_left_out() -> None:
    ram = Ram()
    ram.poke(0xDCD7, 2, 155, 158, 0xFF)
    ram.poke(0xDCE1, 33, 43, 0, 0)  # wPartyMon1Moves: Tackle, Leer
    ram.poke(0xDCE1 + PARTY_STRUCT_SIZE, 10, 0, 99, 251)  # an empty slot between two is left out too
    ram.poke(0xDCE0, 0xAA)  # the held item just before is not a move
    assert [m.moves for m in ram.state().party] == [(33, 43), (10, 99, 251)]
