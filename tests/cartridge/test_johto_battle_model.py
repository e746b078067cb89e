"""The battle's reference model against figures worked out by hand from the game's formulas."""

from __future__ import annotations

import pytest

from cartridge.johto.battle import model
from cartridge.johto.pokedata import Growth, Type


def test_experience_curves_reach_the_games_level_100_totals() -> None:
    assert model.exp_at_level(Growth.MEDIUM_FAST, 100) == 1_000_000
    assert model.exp_at_level(Growth.MEDIUM_SLOW, 100) == 1_059_860
    assert model.exp_at_level(Growth.FAST, 100) == 800_000
    assert model.exp_at_level(Growth.MEDIUM_SLOW, 5) == 135
    assert model.level_for_exp(Growth.MEDIUM_SLOW, 135) == 5
    assert model.level_for_exp(Growth.MEDIUM_SLOW, 178) == 5
    assert model.level_for_exp(Growth.MEDIUM_SLOW, 179) == 6


def test_stats_from_base_dvs_and_level() -> None:
    # Cyndaquil 39/52/43/65/60/50, all DVs 15 (HP DV 15), level 5: ((b + 15) * 2) * 5 / 100 + 5, HP + 15
    assert model.calc_stats(155, 5, 0xFFFF) == (20, 11, 10, 13, 12, 11)
    assert model.dv_values(0x9888) == (8, 9, 8, 8, 8)
    assert model.stat_exp_term(0) == 0 and model.stat_exp_term(100) == 2 and model.stat_exp_term(65535) == 63


def test_damage_follows_the_games_steps() -> None:
    # level 5, power 35, attack 11 against defense 8: (4 * 35 * 11 / 8) / 50 = 3, + 2 = 5
    assert model.base_damage(5, 35, 11, 8, critical=False) == 5
    assert model.base_damage(5, 35, 11, 8, critical=True) == 8
    assert model.apply_stab_and_types(5, stab=True, codes=()) == 7
    assert model.apply_stab_and_types(7, stab=False, codes=(20,)) == 14
    assert model.apply_stab_and_types(3, stab=False, codes=(5,)) == 1
    assert model.apply_stab_and_types(3, stab=False, codes=(0,)) == 0
    assert model.vary(14, 217) == 11 and model.vary(1, 217) == 1
    assert model.truncate_stats(300, 20) == (75, 5)
    # Ember (fire, 40) from a level 12 Cyndaquil, special attack 25, on a Hoppip (grass/flying), special defense 12
    expected = model.vary(model.apply_stab_and_types(model.base_damage(12, 40, 25, 12, False), True, (20,)), 230)
    assert model.damage(12, 52, 25, 12, (Type.FIRE, Type.FIRE), (Type.GRASS, Type.FLYING), False, 230) == expected


def test_random_factor_rotates_each_draw_until_it_reaches_217() -> None:
    assert model.random_factor([0x10, 0xB3]) == (0xD9, 2)
    with pytest.raises(ValueError, match="217"):
        model.random_factor([0x00])


def test_accuracy_under_stages() -> None:
    assert model.effective_accuracy(242, 7, 7) == 242
    assert model.effective_accuracy(242, 7, 13) == 79  # the target's evasion +6: 33 %
    assert model.effective_accuracy(255, 13, 1) == 255
    assert model.hits(255, 255) and not model.hits(100, 100) and model.hits(100, 99)


def test_experience_catching_and_fleeing() -> None:
    assert model.exp_gain(55, 3, trainer=False) == 23
    assert model.exp_gain(113, 9, trainer=True) == 217
    assert model.exp_gain(55, 3, trainer=False, participants=2) == 11
    assert model.catch_threshold(255, 15, 15, 0) == 85
    assert model.catch_threshold(255, 1, 15, 0) == 243
    assert model.catch_threshold(45, 15, 15, 1) == 25
    assert model.caught(85, 85) and not model.caught(85, 86)
    assert model.flee_succeeds(12, 11, 1, 255)
    assert not model.flee_succeeds(10, 100, 1, 200)  # 10 * 32 / 25 = 12
    assert model.flee_succeeds(10, 100, 1, 12)
    assert not model.flee_succeeds(10, 100, 9, 255)  # 12 + 8 * 30 = 252
    assert model.flee_succeeds(10, 100, 10, 255)  # 12 + 9 * 30 > 255


def test_multi_hit_counts() -> None:
    assert model.multi_hit_count(0) == 2 and model.multi_hit_count(1) == 3
    assert model.multi_hit_count(2, 2) == 4 and model.multi_hit_count(3, 3) == 5
    with pytest.raises(ValueError):
        model.multi_hit_count(2)


def test_initial_moves_push_out_the_oldest() -> None:
    assert model.initial_moves(187, 20) == (77, 78, 79, 73)  # Hoppip: the last four of eight
    assert model.initial_moves(17, 9) == (33, 28, 16)  # Pidgeotto: a move learned again is not a new one
