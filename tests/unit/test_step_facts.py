"""The facts of a step on crafted state pairs, the guards against misreads, and the reward weighed from them."""

import json
import logging

import pytest

from shared.buttons import Button
from shared.game.progress import Progress, StepFacts
from shared.game.rewards import COMPONENTS, RewardWeights, Scorer
from shared.game.state import BattleState, GameState, PartyMon

BASE = GameState(map_group=24, map_number=4, x=5, y=5, facing="down", money=3000, johto_badges=0, kanto_badges=0)
MON = PartyMon(species=155, level=5, hp=20, max_hp=20, status=0, exp=100)
ZERO = RewardWeights(**dict.fromkeys(RewardWeights.model_fields, 0.0))


def facts(before: GameState, after: GameState, **rules: bool) -> StepFacts:
    progress = Progress()
    progress.start(before)
    return progress.step(before, after, **rules)


def reward(before: GameState, after: GameState, **rules: bool) -> dict[str, float]:
    return Scorer(RewardWeights())(facts(before, after, **rules))[1]


def test_standing_still_earns_nothing_and_is_no_progress() -> None:
    assert reward(BASE, BASE) == {}
    assert facts(BASE, BASE) == StepFacts() and not facts(BASE, BASE).progressed


def test_new_tile_once_then_nothing() -> None:
    progress = Progress()
    progress.start(BASE)
    moved = BASE.model_copy(update={"x": 6})
    assert progress.step(BASE, moved).new_tile
    assert not progress.step(moved, BASE).new_tile
    assert not progress.step(BASE, moved).new_tile
    assert Scorer(RewardWeights())(StepFacts(new_tile=True)) == (pytest.approx(0.02), {"new_tile": pytest.approx(0.02)})


def test_a_new_episode_forgets_what_was_explored() -> None:
    progress = Progress()
    progress.start(BASE)
    moved = BASE.model_copy(update={"x": 6, "map_number": 3})
    assert progress.step(BASE, moved).new_map
    progress.start(BASE)
    again = progress.step(BASE, moved)
    assert again.new_tile and again.new_map


def test_new_map() -> None:
    after = BASE.model_copy(update={"map_number": 3})
    assert set(reward(BASE, after)) == {"new_map", "new_tile"}
    assert facts(BASE, after).milestone == "new_map"


def test_badge_and_its_misread_guard(caplog: pytest.LogCaptureFixture) -> None:
    assert reward(BASE, BASE.model_copy(update={"johto_badges": 1}))["badge"] == 10.0
    assert facts(BASE, BASE.model_copy(update={"johto_badges": 1})).milestone == "badge"
    with caplog.at_level(logging.WARNING):
        assert facts(BASE, BASE.model_copy(update={"johto_badges": 0xFF})).badges == 0
    assert "misread" in caplog.text


def test_story_flags_and_pokedex_jumps_of_a_crashed_game_are_refused(caplog: pytest.LogCaptureFixture) -> None:
    """A crashed game's RAM set 381 story flags in one step; a chapter's script sets a few."""
    assert facts(BASE, BASE.model_copy(update={"event_flags": 3, "pokedex_seen": 1, "pokedex_caught": 1})) == (
        StepFacts(event_flags=3, pokedex_seen=1, pokedex_caught=1)
    )
    with caplog.at_level(logging.WARNING):
        crashed = facts(BASE, BASE.model_copy(update={"event_flags": 381, "pokedex_seen": 200, "pokedex_caught": 90}))
    assert crashed == StepFacts() and not crashed.progressed
    assert caplog.text.count("a misread, not counted") == 3


def test_money_gain_counted_loss_not_and_bcd_sized_jump_refused() -> None:
    assert reward(BASE, BASE.model_copy(update={"money": 3500}))["money"] == pytest.approx(0.5)
    assert facts(BASE, BASE.model_copy(update={"money": 100})).money == 0
    assert facts(BASE, BASE.model_copy(update={"money": 3000 + 0x300000})).money == 0


def test_first_pokemon_and_levels() -> None:
    with_mon = BASE.model_copy(update={"party": (MON,)})
    got = facts(BASE, with_mon)
    assert got.first_pokemon and got.levels == 0 and got.milestone == "first_pokemon"
    assert reward(BASE, with_mon)["first_pokemon"] == 5.0
    grown = with_mon.model_copy(update={"party": (MON.model_copy(update={"level": 7}),)})
    assert facts(with_mon, grown).levels == 2 and reward(with_mon, grown)["level"] == 2.0


def test_battle_start_and_won_needs_the_enemy_beaten_not_a_run() -> None:
    fighting = BASE.model_copy(update={"party": (MON,), "battle": BattleState(mode=1, enemy_species=16, enemy_hp=3)})
    ran = fighting.model_copy(update={"battle": BattleState()})
    won = ran.model_copy(update={"party": (MON.model_copy(update={"exp": 150}),)})
    assert facts(ran, fighting).battle_started
    assert not facts(fighting, ran).battle_won
    assert facts(fighting, won).battle_won and reward(fighting, won)["battle_won"] == 2.0


def test_a_battle_won_pays_once_a_map_an_episode_and_is_a_fact_every_time() -> None:
    """Grinding on one patch of grass is not progress: the second win there is a fact (triggers, anti-stuck)
    without a reward; a win on another map, or in the next episode, pays again."""
    fighting = BASE.model_copy(update={"party": (MON,), "battle": BattleState(mode=1, enemy_species=16, enemy_hp=0)})
    won = fighting.model_copy(update={"battle": BattleState()})
    scorer = Scorer(RewardWeights())
    progress = Progress()
    progress.start(BASE)
    first, again = progress.step(fighting, won), progress.step(fighting, won)
    assert first.battle_won and first.new_battle_won and scorer(first)[1]["battle_won"] == 2.0
    assert again.battle_won and not again.new_battle_won and "battle_won" not in scorer(again)[1]
    assert again.progressed
    elsewhere = fighting.model_copy(update={"map_number": fighting.map_number + 1})
    assert progress.step(elsewhere, elsewhere.model_copy(update={"battle": BattleState()})).new_battle_won
    progress.start(BASE)
    assert progress.step(fighting, won).new_battle_won


def test_penalties_from_the_rules_are_facts_too() -> None:
    got = facts(BASE, BASE, intervention=True, forbidden=True)
    assert got.intervention and got.forbidden and not got.progressed
    assert reward(BASE, BASE, intervention=True, forbidden=True) == {"stuck": -0.5, "forbidden": -0.1}


def test_flags_and_pokedex() -> None:
    after = BASE.model_copy(update={"event_flags": 2, "pokedex_seen": 1, "pokedex_caught": 1})
    assert reward(BASE, after) == {"event_flag": 1.0, "pokedex_seen": 0.2, "pokedex_caught": 1.0}


def test_zero_weights_turn_the_reward_off_not_the_facts() -> None:
    after = BASE.model_copy(update={"money": 4000, "johto_badges": 1, "map_number": 3})
    got = facts(BASE, after)
    assert Scorer(ZERO)(got) == (0, {})
    assert got.money == 1000 and got.badges == 1 and got.new_map and got.progressed and got.milestone == "badge"


def test_every_component_weighs_a_fact() -> None:
    assert set(COMPONENTS) == set(RewardWeights.model_fields)
    assert set(COMPONENTS.values()) <= set(StepFacts.__dataclass_fields__)


def test_what_was_explored_survives_a_save_states_stats_so_a_restart_pays_for_none_of_it_again() -> None:
    fighting = BASE.model_copy(update={"party": (MON,), "battle": BattleState(mode=1, enemy_species=16, enemy_hp=0)})
    won = fighting.model_copy(update={"battle": BattleState()})
    moved = won.model_copy(update={"x": 6})
    progress = Progress()
    progress.start(BASE)
    assert progress.step(fighting, won).new_battle_won and progress.step(won, moved).new_tile
    stats = json.loads(json.dumps(progress.explored.to_stats()))  # as a save state's meta file holds them

    restarted = Progress()
    restarted.start(BASE)
    restarted.explored.restore(stats)
    assert restarted.explored == progress.explored
    again = restarted.step(fighting, won)
    assert again.battle_won and not again.new_battle_won
    assert not restarted.step(won, moved).new_tile
    # a save of older code has no battles won: the restore keeps what it has
    older = Progress()
    older.explored.restore({"tiles": stats["tiles"], "maps": stats["maps"]})
    assert older.explored.tiles == progress.explored.tiles and not older.explored.battles_won


def screens(still: bool) -> tuple[bytes, bytes]:
    """A screen before a press and after it: the same, or one pixel changed."""
    return bytes(4), (bytes(4) if still else b"\x00\x00\x00\x01")


def test_an_idle_press_is_one_that_changes_nothing_the_state_shows() -> None:
    def idle(before: GameState, after: GameState, button: Button | None, still_screen: bool = False) -> bool:
        progress = Progress()
        progress.start(before)
        return progress.step(before, after, button=button, screens=screens(still_screen)).idle_press

    assert idle(BASE, BASE, Button.DOWN)  # the way faced: a wall, a person
    assert idle(BASE, BASE, Button.A) and idle(BASE, BASE, Button.B) and idle(BASE, BASE, Button.SELECT)
    assert not idle(BASE, BASE, None)  # what was pressed is not known
    assert not idle(BASE, BASE, Button.UP)  # facing down, UP ignored: the game did not read it, no wall was met
    assert not idle(BASE, BASE.model_copy(update={"facing": "left"}), Button.LEFT)  # a turn
    assert not idle(BASE, BASE.model_copy(update={"y": 6}), Button.DOWN)  # a step
    assert not idle(BASE, BASE.model_copy(update={"map_number": 3}), Button.DOWN)  # a warp on the same cell
    assert not idle(BASE, BASE.model_copy(update={"text_open": True}), Button.A)  # someone spoke
    talking = BASE.model_copy(update={"text_open": True})
    assert not idle(talking, talking, Button.A)  # in a text box: the text's own pace, not a wasted press
    fighting = BASE.model_copy(update={"battle": BattleState(mode=1, enemy_species=16, enemy_hp=3)})
    assert not idle(fighting, fighting, Button.B)
    assert not idle(fighting, fighting, Button.A, still_screen=True)  # before the game read it: its own pace


def test_a_press_in_a_menu_is_idle_when_the_screen_and_the_boxes_stay_as_they_were() -> None:
    def idle(before: GameState, after: GameState, still_screen: bool) -> bool:
        progress = Progress()
        progress.start(before)
        return progress.step(before, after, button=Button.RIGHT, screens=screens(still_screen)).idle_press

    asking = BASE.model_copy(update={"text_open": True, "menu_open": True})
    assert idle(asking, asking, still_screen=True)  # RIGHT in a one-column menu
    assert not idle(asking, asking, still_screen=False)  # the cursor moved: the screen says so, the state cannot
    assert not idle(asking, BASE, still_screen=True)  # the menu closed
    assert not idle(asking, asking.model_copy(update={"facing": "left"}), still_screen=True)
    talking = BASE.model_copy(update={"text_open": True})
    assert not idle(talking, talking, still_screen=True)  # a text box without a menu keeps its own pace


def progress_of(state: GameState) -> StepFacts:
    """DOWN pressed facing down, nothing changed."""
    progress = Progress()
    progress.start(state)
    return progress.step(state, state, button=Button.DOWN)


def test_an_idle_press_costs_only_with_its_weight() -> None:
    assert "idle_press" not in Scorer(RewardWeights())(progress_of(BASE))[1]  # off by default
    got = Scorer(RewardWeights(idle_press=-0.02))(progress_of(BASE))
    assert got == (pytest.approx(-0.02), {"idle_press": pytest.approx(-0.02)})
