"""Each reward component on crafted state pairs, and the guards against misreads."""

import logging

import pytest

from services.emulator.rewards import RewardCalculator, RewardWeights, StepFacts
from shared.game.state import BattleState, GameState, PartyMon

BASE = GameState(map_group=24, map_number=4, x=5, y=5, facing="down", money=3000, johto_badges=0, kanto_badges=0)
MON = PartyMon(species=155, level=5, hp=20, max_hp=20, status=0, exp=100)


NOTHING = StepFacts()


def reward(before: GameState, after: GameState, facts: StepFacts = NOTHING) -> dict[str, float]:
    calc = RewardCalculator(RewardWeights())
    calc.start(before)
    return calc(before, after, facts)[1]


def test_standing_still_earns_nothing() -> None:
    assert reward(BASE, BASE) == {}


def test_new_tile_once_then_nothing() -> None:
    calc = RewardCalculator(RewardWeights())
    calc.start(BASE)
    moved = BASE.model_copy(update={"x": 6})
    assert calc(BASE, moved, StepFacts())[1] == {"new_tile": pytest.approx(0.02)}
    assert calc(moved, BASE, StepFacts())[1] == {}
    assert calc(BASE, moved, StepFacts())[1] == {}


def test_new_map() -> None:
    after = BASE.model_copy(update={"map_number": 3})
    assert set(reward(BASE, after)) == {"new_map", "new_tile"}


def test_badge_and_its_misread_guard(caplog: pytest.LogCaptureFixture) -> None:
    assert reward(BASE, BASE.model_copy(update={"johto_badges": 1}))["badge"] == 10.0
    with caplog.at_level(logging.WARNING):
        assert "badge" not in reward(BASE, BASE.model_copy(update={"johto_badges": 0xFF}))
    assert "misread" in caplog.text


def test_money_gain_rewarded_loss_not_and_bcd_sized_jump_refused() -> None:
    assert reward(BASE, BASE.model_copy(update={"money": 3500}))["money"] == pytest.approx(0.5)
    assert "money" not in reward(BASE, BASE.model_copy(update={"money": 100}))
    assert "money" not in reward(BASE, BASE.model_copy(update={"money": 3000 + 0x300000}))


def test_first_pokemon_and_levels() -> None:
    with_mon = BASE.model_copy(update={"party": (MON,)})
    got = reward(BASE, with_mon)
    assert got["first_pokemon"] == 5.0 and "level" not in got
    grown = with_mon.model_copy(update={"party": (MON.model_copy(update={"level": 7}),)})
    assert reward(with_mon, grown)["level"] == 2.0


def test_battle_won_needs_the_enemy_beaten_not_a_run() -> None:
    fighting = BASE.model_copy(update={"party": (MON,), "battle": BattleState(mode=1, enemy_species=16, enemy_hp=3)})
    ran = fighting.model_copy(update={"battle": BattleState()})
    won = ran.model_copy(update={"party": (MON.model_copy(update={"exp": 150}),)})
    assert "battle_won" not in reward(fighting, ran)
    assert reward(fighting, won)["battle_won"] == 2.0


def test_penalties_from_the_rules() -> None:
    got = reward(BASE, BASE, StepFacts(intervention=True, forbidden=True))
    assert got == {"stuck": -0.5, "forbidden": -0.1}


def test_flags_and_pokedex() -> None:
    after = BASE.model_copy(update={"event_flags": 2, "pokedex_seen": 1, "pokedex_caught": 1})
    assert reward(BASE, after) == {"event_flag": 1.0, "pokedex_seen": 0.2, "pokedex_caught": 1.0}


def test_zero_weight_turns_a_component_off() -> None:
    calc = RewardCalculator(RewardWeights(money=0))
    calc.start(BASE)
    total, breakdown = calc(BASE, BASE.model_copy(update={"money": 4000}), StepFacts())
    assert total == 0 and breakdown == {}
