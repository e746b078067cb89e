"""The scripted walkthrough finishes the game from power-on, deterministically; random play does not."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from pyboy import PyBoy

from cartridge import ram as r
from cartridge.boot import boot
from cartridge.walkthrough import BUTTONS, HOLD_FRAMES, MILESTONES, STEP_FRAMES, WALKTHROUGH, play_step


def _be(pyboy: PyBoy, address: int, size: int) -> int:
    return int.from_bytes(bytes(pyboy.memory[1, address : address + size]), "big")


CHECKS: dict[str, Callable[[PyBoy], bool]] = {
    "item_new_bark": lambda p: _be(p, r.wMoney, 3) == 3500,
    "text_box_open": lambda p: bool(p.memory[1, r.wStateFlags] & 0x40),
    "first_pokemon": lambda p: p.memory[1, r.wPartyCount] == 1,
    "entered_route_29": lambda p: (p.memory[1, r.wMapGroup], p.memory[1, r.wMapNumber]) == (24, 3),
    "item_route_29": lambda p: _be(p, r.wMoney, 3) == 3500 + 1234,
    "wild_battle_started": lambda p: p.memory[1, r.wBattleMode] == r.BATTLE_WILD,
    "wild_battle_won": lambda p: p.memory[1, r.wPartyMon1Level] == 6 and p.memory[1, r.wBattleMode] == 0,
    "entered_violet_city": lambda p: (p.memory[1, r.wMapGroup], p.memory[1, r.wMapNumber]) == (10, 5),
    "entered_violet_gym": lambda p: (p.memory[1, r.wMapGroup], p.memory[1, r.wMapNumber]) == (10, 7),
    "gym_battle_started": lambda p: p.memory[1, r.wBattleMode] == r.BATTLE_TRAINER,
    "badge": lambda p: p.memory[1, r.wJohtoBadges] & 1 == 1,
}


def _snapshot(pyboy: PyBoy) -> list[list[int]]:
    banks = [pyboy.memory[0, 0xC000:0xCFFF]]
    banks += [pyboy.memory[bank, 0xD000:0xDFFF] for bank in range(1, 8)]
    banks.append(pyboy.memory[0xFF80:0xFFFF])
    return banks


def test_step_constants_match_the_emulator_service() -> None:
    assert (HOLD_FRAMES, STEP_FRAMES) == (8, 24)
    assert set(WALKTHROUGH) <= set(BUTTONS)
    assert set(MILESTONES) == set(CHECKS)
    assert len(WALKTHROUGH) <= 220
    assert list(MILESTONES.values()) == sorted(MILESTONES.values())


@pytest.mark.timeout(60)
def test_walkthrough_reaches_every_milestone_at_its_step(game: PyBoy) -> None:
    reached: dict[str, int] = {}
    for index, button in enumerate(WALKTHROUGH):
        play_step(game, button)
        for name, check in CHECKS.items():
            if name not in reached and check(game):
                reached[name] = index
    assert reached == MILESTONES
    assert _be(game, r.wMoney, 3) == 3000 + 500 + 1234 + 1800
    assert game.memory[1, r.wPartyMon1Level] >= 7


@pytest.mark.timeout(90)
def test_same_inputs_from_power_on_give_the_same_ram_every_step(new_pyboy: Callable[[], PyBoy]) -> None:
    first, second = new_pyboy(), new_pyboy()
    assert boot(first) == boot(second)
    assert _snapshot(first) == _snapshot(second)
    for index, button in enumerate(WALKTHROUGH):
        play_step(first, button)
        play_step(second, button)
        a, b = _snapshot(first), _snapshot(second)
        assert a == b, f"RAM differs after step {index} ({button})"
    assert first.memory[1, r.wJohtoBadges] & 1
    play_step(first, "left")  # the comparison is sensitive: different inputs, different RAM
    play_step(second, "right")
    assert _snapshot(first) != _snapshot(second)


@pytest.mark.timeout(60)
def test_random_play_rarely_finishes(game: PyBoy, booted_state: bytes) -> None:
    badges = 0
    for seed in range(6):
        game.load_state(io.BytesIO(booted_state))
        rng = random.Random(seed)
        for _ in range(220):
            play_step(game, rng.choice(BUTTONS))
        badges += game.memory[1, r.wJohtoBadges] & 1
    assert badges == 0
