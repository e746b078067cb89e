"""The game in the real emulator: everything a Crystal RAM reader relies on, read from WRAM bank 1."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable

import pytest
from pyboy import PyBoy

from cartridge import ram as r
from cartridge.boot import boot
from cartridge.errors import BootError
from cartridge.graphics import FLOOR, ITEM
from cartridge.walkthrough import MILESTONES, WALKTHROUGH, play_step
from cartridge.world import (
    EVENT_BEAT_LEADER,
    EVENT_GOT_STARTER,
    EVENT_ITEM_NEW_BARK,
    LEADER_LEVEL,
    LEADER_SPECIES,
    STARTER_SPECIES,
    enemy_hp,
)

pytestmark = pytest.mark.timeout(60)


def b1(pyboy: PyBoy, address: int) -> int:
    return pyboy.memory[1, address]


def be(pyboy: PyBoy, address: int, size: int) -> int:
    return int.from_bytes(bytes(pyboy.memory[1, address : address + size]), "big")


def be0(pyboy: PyBoy, address: int, size: int) -> int:
    return int.from_bytes(bytes(pyboy.memory[address : address + size]), "big")


def position(pyboy: PyBoy) -> tuple[int, int, int, int, int]:
    """(group, number, x, y, facing)"""
    return (b1(pyboy, r.wMapGroup), b1(pyboy, r.wMapNumber), b1(pyboy, r.wXCoord), b1(pyboy, r.wYCoord),
            b1(pyboy, r.wPlayerDirection) & 0x0C)  # fmt: skip


def event(pyboy: PyBoy, flag: int) -> bool:
    return bool(b1(pyboy, r.wEventFlags + flag // 8) >> (flag % 8) & 1)


def dex_bit(pyboy: PyBoy, base: int, species: int) -> bool:
    return bool(b1(pyboy, base + (species - 1) // 8) >> ((species - 1) % 8) & 1)


def play(pyboy: PyBoy, buttons: list[str] | tuple[str, ...]) -> None:
    for button in buttons:
        play_step(pyboy, button)


TO_NPC = ["left"] * 3 + ["up"] * 4 + ["right", "up"]  # ends at (4,2) facing the NPC, item picked up


# ---------------------------------------------------------------- boot and fixed state
def test_boot_reaches_new_bark_town_with_crystal_variables(game: PyBoy) -> None:
    assert b1(game, r.wMapStatus) == r.MAPSTATUS_HANDLE
    assert position(game) == (24, 4, 6, 6, r.FACING_DOWN)
    assert be(game, r.wPlayerID, 2) == 0x3039
    assert game.memory[1, r.wPlayerName : r.wPlayerName + 6] == [0x82, 0x87, 0x91, 0x88, 0x92, 0x50]  # CHRIS
    assert be(game, r.wMoney, 3) == 3000
    assert b1(game, r.wPartyCount) == 0 and b1(game, r.wPartySpecies) == 0xFF
    assert b1(game, r.wPlayerState) == 0 and game.memory[r.wJoypadDisable] == 0
    assert b1(game, r.wBattleMode) == 0 and b1(game, r.wScriptRunning) == 0
    assert b1(game, r.wStateFlags) & 0x40 == 0 and game.memory[r.wWindowStackSize] == 0


def test_boot_raises_a_clear_error_when_it_cannot_finish(new_pyboy: Callable[[], PyBoy]) -> None:
    with pytest.raises(BootError, match="did not reach its overworld loop within 5 frames"):
        boot(new_pyboy(), max_frames=5)


def test_map_status_is_enter_during_boot_then_handle(new_pyboy: Callable[[], PyBoy]) -> None:
    pyboy = new_pyboy()
    statuses = []
    for _ in range(400):
        pyboy.tick(1, False)
        statuses.append(b1(pyboy, r.wMapStatus))
    assert r.MAPSTATUS_ENTER in statuses
    first_handle = statuses.index(r.MAPSTATUS_HANDLE)
    assert r.MAPSTATUS_ENTER in statuses[:first_handle] and set(statuses[first_handle:]) == {2}


# ---------------------------------------------------------------- the wrong-bank trap
def test_unbanked_reads_see_a_decoy_bank(game: PyBoy) -> None:
    play(game, ["left", "up"])  # some non-trivial state first
    game.tick(1, False)
    assert game.memory[r.SVBK] & 0x07 != 1  # PyBoy returns with another WRAM bank mapped
    for address in (r.wXCoord, r.wYCoord, r.wMapGroup, r.wMapNumber, r.wMoney, r.wPartyCount, r.wMapStatus,
                    r.wPlayerDirection, r.wJohtoBadges, r.wBattleMode):  # fmt: skip
        assert game.memory[address] != game.memory[1, address], hex(address)
        assert game.memory[address] != 0
    assert (b1(game, r.wXCoord), b1(game, r.wYCoord)) == (5, 5)
    # banks 2..7 hold their own non-zero data at the same addresses
    for bank in range(2, 8):
        assert game.memory[bank, r.wXCoord] not in (0, 5)
        assert game.memory[bank, r.wMapGroup] != 24


def test_scratch_banks_are_written_every_frame(game: PyBoy) -> None:
    before = game.memory[7, 0xD000]
    game.tick(3, False)
    assert game.memory[7, 0xD000] == (before + 3) & 0xFF


# ---------------------------------------------------------------- walking
def test_walking_moves_faces_and_counts_steps(game: PyBoy) -> None:
    play_step(game, "left")
    assert position(game)[2:] == (5, 6, r.FACING_LEFT)
    play_step(game, "up")
    assert position(game)[2:] == (5, 5, r.FACING_UP)
    play_step(game, "right")
    assert position(game)[2:] == (6, 5, r.FACING_RIGHT)
    play_step(game, "down")
    assert position(game)[2:] == (6, 6, r.FACING_DOWN)
    assert b1(game, r.wStepCount) == 4


def test_one_tile_per_walk_and_input_ignored_while_walking(game: PyBoy) -> None:
    game.button_press("left")
    game.tick(2, False)
    assert b1(game, r.wXCoord) == 5  # the walk started at once
    game.button_release("left")
    game.button_press("up")  # pressed and released while the walk is still running
    game.tick(10, False)
    game.button_release("up")
    game.tick(12, False)
    assert position(game)[2:] == (5, 6, r.FACING_LEFT)
    assert b1(game, r.wStepCount) == 1


def test_holding_the_pad_walks_one_tile_per_16_frames(game: PyBoy) -> None:
    game.button_press("left")
    xs = []
    for _ in range(48):
        game.tick(1, False)
        xs.append(b1(game, r.wXCoord))
    game.button_release("left")
    assert xs[0] == 5 and xs.count(5) == 17 and xs.count(4) == 17  # 16 walking frames + 1 to restart
    assert xs[-1] == 3


def test_step_counter_wraps_at_256(game: PyBoy) -> None:
    game.memory[1, r.wStepCount] = 255
    play_step(game, "left")
    assert b1(game, r.wStepCount) == 0


def test_a_wall_blocks_but_turns_the_player(game: PyBoy) -> None:
    play_step(game, "down")  # (6,7); (5,7) is a wall, (6,8) the border
    assert position(game)[2:] == (6, 7, r.FACING_DOWN)
    play_step(game, "left")
    assert position(game)[2:] == (6, 7, r.FACING_LEFT)
    play_step(game, "down")
    assert position(game)[2:] == (6, 7, r.FACING_DOWN)
    assert b1(game, r.wStepCount) == 1


def test_an_exit_blocks_an_empty_party_as_in_crystal(game: PyBoy) -> None:
    """Nobody leaves New Bark Town without a Pokémon: an agent could otherwise rush through every map
    without the partner it needs to battle, and learn that (a new map pays sooner than the first Pokémon)."""
    play(game, ["up", "up"] + ["left"] * 6)  # to (1,4), then a press against the exit at (0,4)
    assert position(game) == (24, 4, 1, 4, r.FACING_LEFT)
    assert b1(game, r.wPartyCount) == 0


def test_an_exit_changes_the_map_with_enter_status_during_the_transition(game: PyBoy) -> None:
    play(game, WALKTHROUGH[: MILESTONES["first_pokemon"] + 1])  # the partner first, at (4,2)
    play(game, ["down", "down"] + ["left"] * 3)  # (1,4)
    game.button_press("left")
    statuses = []
    for frame in range(48):
        if frame == 8:
            game.button_release("left")
        game.tick(1, False)
        statuses.append((b1(game, r.wMapStatus), b1(game, r.wScriptRunning)))
    assert position(game) == (24, 3, 8, 4, r.FACING_LEFT)  # Route 29, east side
    assert (r.MAPSTATUS_ENTER, 1) in statuses
    assert statuses[-1] == (r.MAPSTATUS_HANDLE, 0)
    assert statuses[0] == (r.MAPSTATUS_HANDLE, 0)  # still walking in New Bark Town


# ---------------------------------------------------------------- items
BALL_TILE = 0x9800 + 6 * 32 + 6  # top-left tile of cell (3,3) in the BG map


def test_an_item_adds_its_money_once_and_disappears(game: PyBoy) -> None:
    assert game.memory[0, BALL_TILE] == ITEM * 4  # the ball at cell (3,3)
    play(game, ["left"] * 3 + ["up"] * 2)
    assert be(game, r.wMoney, 3) == 3000 and not event(game, EVENT_ITEM_NEW_BARK)
    play_step(game, "up")
    assert be(game, r.wMoney, 3) == 3500  # 0x000DAC big-endian binary
    assert game.memory[1, r.wMoney : r.wMoney + 3] == [0x00, 0x0D, 0xAC]
    assert event(game, EVENT_ITEM_NEW_BARK)
    assert game.memory[0, BALL_TILE] == FLOOR * 4
    assert game.memory[1, BALL_TILE] == FLOOR  # its palette attribute too
    play(game, ["down", "up", "down", "up"])
    assert be(game, r.wMoney, 3) == 3500
    assert b1(game, r.wXCoord) == 3 and b1(game, r.wYCoord) == 3


# ---------------------------------------------------------------- the first Pokémon
def test_npc_gives_the_first_pokemon_after_text_and_cutscene(game: PyBoy) -> None:
    play(game, TO_NPC)
    assert position(game)[2:] == (4, 2, r.FACING_UP)
    play_step(game, "a")
    assert b1(game, r.wStateFlags) & 0x40 and b1(game, r.wScriptRunning) != 0
    assert game.memory[r.wWindowStackSize] == 0  # plain NPC text is not a menu
    play_step(game, "b")  # B does not close the text box
    assert b1(game, r.wStateFlags) & 0x40
    play_step(game, "a")  # closes it; the cut-scene runs
    assert b1(game, r.wStateFlags) & 0x40 == 0 and b1(game, r.wScriptRunning) != 0
    assert b1(game, r.wPartyCount) == 0
    play_step(game, "down")  # ignored during the cut-scene
    assert position(game)[2:] == (4, 2, r.FACING_UP)
    play_step(game, "b")
    assert b1(game, r.wScriptRunning) == 0
    assert b1(game, r.wPartyCount) == 1
    assert game.memory[1, r.wPartySpecies : r.wPartySpecies + 2] == [STARTER_SPECIES, 0xFF]
    assert b1(game, r.wPartyMon1) == STARTER_SPECIES
    assert b1(game, 0xDCFE) == 5  # level
    assert be(game, 0xDCE7, 3) == 125  # exp
    assert be(game, 0xDD01, 2) == 20 and be(game, 0xDD03, 2) == 20  # HP, max HP
    assert b1(game, r.wPartyMon1Status) == 0
    assert event(game, EVENT_GOT_STARTER)
    assert dex_bit(game, r.wPokedexSeen, STARTER_SPECIES) and dex_bit(game, r.wPokedexCaught, STARTER_SPECIES)
    # talking again opens the text box but gives nothing more
    play(game, ["a", "a", "b", "b", "b"])
    assert b1(game, r.wPartyCount) == 1
    assert game.memory[1, r.wPartySpecies : r.wPartySpecies + 2] == [STARTER_SPECIES, 0xFF]


# ---------------------------------------------------------------- wild battles
WILD_PREFIX = WALKTHROUGH[:29]  # the walkthrough up to the first wild encounter


def test_grass_starts_a_wild_battle_with_crystal_battle_fields(game: PyBoy) -> None:
    play(game, WILD_PREFIX[:-1])
    assert b1(game, r.wBattleMode) == 0
    play_step(game, WILD_PREFIX[-1])
    assert b1(game, r.wBattleMode) == r.BATTLE_WILD
    assert b1(game, r.wBattleType) == 0
    assert b1(game, r.wEnemyMonSpecies) == 16 and b1(game, r.wEnemyMonLevel) == 3
    assert be(game, r.wEnemyMonHP, 2) == enemy_hp(3)
    assert game.memory[r.wBattleMonSpecies] == STARTER_SPECIES
    assert game.memory[r.wBattleMonLevel] == 5
    assert be0(game, r.wBattleMonHP, 2) == 20
    assert dex_bit(game, r.wPokedexSeen, 16) and not dex_bit(game, r.wPokedexCaught, 16)


def test_attacking_wins_and_raises_the_level(game: PyBoy) -> None:
    play(game, WILD_PREFIX)
    play_step(game, "a")
    assert be(game, r.wEnemyMonHP, 2) == enemy_hp(3) - 7  # level 5 + 2
    assert be(game, 0xDD01, 2) == 19 and be0(game, r.wBattleMonHP, 2) == 19  # the enemy hit back
    play(game, ["a", "a"])
    assert b1(game, r.wBattleMode) == 0
    assert be(game, 0xDCE7, 3) == 125 + 3 * 32
    assert b1(game, 0xDCFE) == 6
    assert be(game, 0xDD03, 2) == 23 and be(game, 0xDD01, 2) == 21
    assert game.memory[r.wBattleMonLevel] == 6


def test_b_runs_from_a_wild_battle_without_reward(game: PyBoy) -> None:
    play(game, WILD_PREFIX)
    where = position(game)
    play_step(game, "b")
    assert b1(game, r.wBattleMode) == 0
    assert be(game, 0xDCE7, 3) == 125 and b1(game, 0xDCFE) == 5
    assert position(game) == where
    play_step(game, "left")  # the overworld runs again
    assert b1(game, r.wXCoord) == where[2] - 1


def test_losing_heals_and_returns_home(game: PyBoy) -> None:
    play(game, WILD_PREFIX)
    game.memory[1, 0xDD01] = 0
    game.memory[1, 0xDD02] = 1  # one HP left
    play_step(game, "a")
    assert b1(game, r.wBattleMode) == 0
    assert be(game, 0xDD01, 2) == 20  # healed
    play_step(game, "b")
    assert position(game)[:4] == (24, 4, 6, 6)
    assert b1(game, r.wMapStatus) == r.MAPSTATUS_HANDLE
    play_step(game, "up")
    assert b1(game, r.wYCoord) == 5


# ---------------------------------------------------------------- the gym
def test_the_leader_refuses_a_weak_challenger(game: PyBoy) -> None:
    route = (
        TO_NPC + ["a", "a", "b", "b", "b", "down", "down"] + ["left"] * 4  # starter, to Route 29
        + ["down"] * 3 + ["left"] * 7 + ["up"] * 3 + ["left"]  # only two grass steps: no encounter
        + ["left"] * 4 + ["up"] * 2 + ["up"] * 4  # Violet City, the gym, in front of the leader
    )  # fmt: skip
    play(game, route)
    assert position(game) == (10, 7, 4, 2, r.FACING_UP)
    assert b1(game, 0xDCFE) == 5
    play_step(game, "a")
    assert b1(game, r.wStateFlags) & 0x40
    play_step(game, "a")
    assert b1(game, r.wBattleMode) == 0 and b1(game, r.wJohtoBadges) == 0


def test_gym_battle_gives_the_badge_and_prize(game: PyBoy) -> None:
    play(game, WALKTHROUGH[:-5])
    assert b1(game, r.wBattleMode) == r.BATTLE_TRAINER
    assert b1(game, r.wEnemyMonSpecies) == LEADER_SPECIES and b1(game, r.wEnemyMonLevel) == LEADER_LEVEL
    money = be(game, r.wMoney, 3)
    play_step(game, "b")  # no running from a trainer
    assert b1(game, r.wBattleMode) == r.BATTLE_TRAINER
    play(game, WALKTHROUGH[-5:])
    assert b1(game, r.wBattleMode) == 0
    assert b1(game, r.wJohtoBadges) == 0x01
    assert be(game, r.wMoney, 3) == money + 1800
    assert event(game, EVENT_BEAT_LEADER)


# ---------------------------------------------------------------- menu, select, clocks
def test_start_opens_the_menu_and_start_or_b_closes_it(game: PyBoy) -> None:
    for closer in ("start", "b"):
        play_step(game, "start")
        assert game.memory[r.wWindowStackSize] == 1
        assert b1(game, r.wStateFlags) & 0x40 and b1(game, r.wScriptRunning) != 0
        play_step(game, "left")  # the menu swallows the pad
        assert b1(game, r.wXCoord) == 6
        play_step(game, closer)
        assert game.memory[r.wWindowStackSize] == 0
        assert b1(game, r.wStateFlags) & 0x40 == 0 and b1(game, r.wScriptRunning) == 0


def test_select_is_harmless(game: PyBoy) -> None:
    clock = slice(r.wGameTimeHours - 0xD000, r.wGameTimeFrames - 0xD000 + 1)
    before = game.memory[1, 0xD000:0xDFFF]
    play_step(game, "select")
    after = game.memory[1, 0xD000:0xDFFF]
    del before[clock], after[clock]
    assert before == after


def test_play_time_counts_frames_at_60_per_second(game: PyBoy) -> None:
    def seconds() -> int:
        return (be(game, r.wGameTimeHours, 2) * 3600 + b1(game, r.wGameTimeMinutes) * 60
                + b1(game, r.wGameTimeSeconds)) * 60 + b1(game, r.wGameTimeFrames)  # fmt: skip

    start = seconds()
    game.tick(3700, False)
    assert seconds() - start == 3700
    assert b1(game, r.wGameTimeMinutes) >= 1 and b1(game, r.wGameTimeFrames) < 60


def _rtc_file(hours: int) -> io.BytesIO:
    """A PyBoy RTC file (state format >= 21) whose clock stands at ``hours``:00:00."""
    now = time.time()
    data = struct.pack("d", now) + bytes([0, 0, 0, 0, hours, 0, 0, 0, 0]) + bytes(8) + struct.pack("d", now)
    return io.BytesIO(data)


def test_time_of_day_with_the_clock_pinned_is_night(game: PyBoy) -> None:
    assert b1(game, r.wTimeOfDay) == 2  # the pinned RTC reads 00:00


@pytest.mark.parametrize(("hours", "expected"), [(3, 2), (4, 0), (9, 0), (10, 1), (17, 1), (18, 2), (23, 2)])
def test_time_of_day_follows_the_rtc_hours(cart_rom: object, hours: int, expected: int) -> None:
    pyboy = PyBoy(str(cart_rom), window="null", sound_emulated=False, rtc_file=_rtc_file(hours))
    try:
        boot(pyboy)
        assert b1(pyboy, r.wTimeOfDay) == expected
    finally:
        pyboy.stop(save=False)


# ---------------------------------------------------------------- speed
def test_overworld_is_cheap_to_emulate(game: PyBoy) -> None:
    start = time.perf_counter()
    game.tick(2000, False)
    fps = 2000 / (time.perf_counter() - start)
    assert fps > 2000, f"{fps:.0f} frames/s"
