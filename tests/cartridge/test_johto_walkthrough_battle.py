"""The walkthrough policy in a real battle of the Johto world: the move the matchup favours, RUN from what it cannot
hurt, a Potion when a trainer's battle goes badly; and the screen reader on the move list it chooses from.

Each test plays the walkthrough to a battle, then sets the matchup in the battle's RAM (moves, PP, types, HP:
the variables the policy reads) and lets the policy press on the real battle screens.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyboy import PyBoy

from cartridge.johto.battle import ram as br
from cartridge.johto.battle_choice import best_move
from cartridge.johto.pokedata import MOVES, POTION, TYPE_NAMES, Type
from cartridge.johto.walkthrough import Walkthrough
from shared.game.reader import read_state
from shared.game.screen_text import read_screen_text
from tests.cartridge.johto_helpers import step

TACKLE, LEER, EMBER = 33, 43, 52


@pytest.fixture
def game(johto_game: PyBoy) -> PyBoy:
    return johto_game


def _play_until(pyboy: PyBoy, policy: Walkthrough, done: Callable[[PyBoy], bool], limit: int = 3000) -> None:
    for _ in range(limit):
        if done(pyboy):
            return
        step(pyboy, policy.next_button(pyboy.memory))
    raise AssertionError(f"not reached in {limit} presses; at {read_state(pyboy.memory).map_name}")


def _battle_menu(pyboy: PyBoy) -> bool:
    return "FIGHT PKMN" in " ".join(read_screen_text(pyboy.memory))


def _put(pyboy: PyBoy, name: str, *values: int) -> None:
    var = br.CRYSTAL[name]
    for i, value in enumerate(values):
        if var.bank:
            pyboy.memory[var.bank, var.addr + i] = value
        else:
            pyboy.memory[var.addr + i] = value


def _get(pyboy: PyBoy, name: str, offset: int = 0) -> int:
    var = br.CRYSTAL[name]
    return pyboy.memory[var.bank, var.addr + offset] if var.bank else pyboy.memory[var.addr + offset]


def _u16(pyboy: PyBoy, name: str) -> int:
    return _get(pyboy, name) << 8 | _get(pyboy, name, 1)


def _first_wild_menu(pyboy: PyBoy) -> Walkthrough:
    policy = Walkthrough()
    _play_until(pyboy, policy, lambda p: read_state(p.memory).battle.mode == br.BATTLE_WILD and _battle_menu(p))
    return policy


def _chosen_move(pyboy: PyBoy, policy: Walkthrough, limit: int = 8) -> tuple[int, list[str]]:
    """Let the policy press until the battle has the player's move; the move and the presses."""
    presses = []
    for _ in range(limit):
        if _get(pyboy, "wCurPlayerMove"):
            return _get(pyboy, "wCurPlayerMove"), presses
        presses.append(policy.next_button(pyboy.memory))
        step(pyboy, presses[-1])
    raise AssertionError(f"no move chosen after {presses}")


@pytest.mark.parametrize(
    ("ember_pp", "enemy_types", "expected", "presses"),
    [
        (10, (Type.GRASS, Type.GRASS), EMBER, ["a", "down", "down", "a"]),  # super effective, and the user's type
        (0, (Type.GRASS, Type.GRASS), TACKLE, ["a", "a"]),  # EMBER has no PP left
        (10, (Type.WATER, Type.WATER), TACKLE, ["a", "a"]),  # EMBER not very effective
    ],
)
def test_the_policy_fights_with_the_move_the_matchup_favours(
    game: PyBoy, ember_pp: int, enemy_types: tuple[Type, Type], expected: int, presses: list[str]
) -> None:
    policy = _first_wild_menu(game)
    _put(game, "wBattleMonMoves", TACKLE, LEER, EMBER, 0)
    _put(game, "wBattleMonPP", 10, 10, ember_pp, 0)
    _put(game, "wBattleMonType", Type.FIRE, Type.FIRE)
    _put(game, "wEnemyMonType", *enemy_types)
    _put(game, "wMenuCursorY", 1)
    _put(game, "wEnemyMonHP", 0, 200)  # no move ends it: the damage decides, not the enemy's HP
    _put(game, "wEnemyMonMaxHP", 0, 200)
    assert best_move(game.memory) == [TACKLE, LEER, EMBER].index(expected)
    move, pressed = _chosen_move(game, policy)
    assert (move, pressed) == (expected, presses)


def test_the_policy_runs_from_a_wild_creature_it_cannot_hurt(game: PyBoy) -> None:
    policy = _first_wild_menu(game)
    _put(game, "wBattleMonMoves", TACKLE, LEER, 0, 0)
    _put(game, "wEnemyMonType", Type.GHOST, Type.POISON)  # a GASTLY's types: TACKLE does nothing
    speed = br.addr("wEnemyMon") + br.BS_ATK + 4
    game.memory[1, speed], game.memory[1, speed + 1] = 0, 1  # slower than anything: the flight always works
    assert best_move(game.memory) is not None
    pressed = []
    while read_state(game.memory).battle.mode and len(pressed) < 12:
        pressed.append(policy.next_button(game.memory))
        step(game, pressed[-1])
    assert pressed[:3] == ["down", "right", "a"]  # FIGHT -> RUN: a row down, a column right
    assert _get(game, "wBattleResult") == br.RESULT_DRAW
    assert not _get(game, "wCurPlayerMove")


def test_the_policy_uses_a_potion_when_a_trainers_battle_goes_badly(game: PyBoy) -> None:
    policy = Walkthrough()
    _play_until(game, policy, lambda p: read_state(p.memory).battle.mode == br.BATTLE_TRAINER and _battle_menu(p))
    _put(game, "wNumItems", 1)
    _put(game, "wItems", POTION, 1, 0xFF)
    most = _u16(game, "wBattleMonMaxHP")
    low = max(1, most // 5)
    _put(game, "wBattleMonHP", low >> 8, low & 0xFF)
    _put(game, "wEnemyMonHP", *_u16(game, "wEnemyMonMaxHP").to_bytes(2, "big"))  # not one hit from fainting
    seen = []
    while _get(game, "wNumItems") and len(seen) < 12:
        step(game, policy.next_button(game.memory))
        seen.append(" ".join(read_screen_text(game.memory)))
    assert _get(game, "wNumItems") == 0 and _get(game, "wItems") == 0xFF  # the Potion is gone from the bag
    for _ in range(6):
        if "HP rose by" in " ".join(seen):
            break
        step(game, "a")
        seen.append(" ".join(read_screen_text(game.memory)))
    assert any("HP rose by" in text for text in seen), "|".join(seen)


def test_the_screen_text_reads_the_move_list_under_the_type_box(game: PyBoy) -> None:
    """The move list's top-left corner is covered by the box of the type and PP of the move under the cursor, as
    in Crystal: the project's screen reader reads both boxes."""
    _first_wild_menu(game)
    step(game, "a")  # FIGHT
    moves = [MOVES[_get(game, "wBattleMonMoves", i)] for i in range(4) if _get(game, "wBattleMonMoves", i)]
    first = moves[0]
    pp = _get(game, "wBattleMonPP") & 0x3F
    names = ["▶" + moves[0].name, *(move.name for move in moves[1:])] + ["-"] * (4 - len(moves))
    assert read_screen_text(game.memory) == ("TYPE/", TYPE_NAMES[first.type], f"{pp}/{first.pp}", *names)
