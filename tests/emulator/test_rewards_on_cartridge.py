"""Every reward component that the game can trigger, checked on the real cartridge in the real PyBoy.

The scripted walkthrough plays the demo from power-on to the badge through the game core,
the way the emulator service plays it, and each component must fire at the step where the
game says it should (a new map when the map changes, the badge when
the gym is won, money when an item is picked up, ...).
"""

from pathlib import Path

import pytest

from cartridge.walkthrough import MILESTONES, WALKTHROUGH
from shared.buttons import Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine


@pytest.fixture(scope="module")
def fired(demo_rom: Path) -> dict[str, list[int]]:
    """Component name → the walkthrough steps (0-based, as in MILESTONES) at which it paid."""
    core = GameCore(*start_machine(resolve_rom(demo_rom)))
    out: dict[str, list[int]] = {}
    for index, button in enumerate(WALKTHROUGH):
        step = core.step(Button(button))
        assert step.button == button and not step.by_rules, index
        for name in step.breakdown:
            out.setdefault(name, []).append(index)
    core.close()
    return out


@pytest.mark.timeout(60)
def test_exploration_pays_for_tiles_and_maps(fired: dict[str, list[int]]) -> None:
    assert len(fired["new_tile"]) > 20
    assert MILESTONES["entered_route_29"] in fired["new_map"]
    assert MILESTONES["entered_violet_city"] in fired["new_map"]
    assert len(fired["new_map"]) == 3  # Route 29, Violet City, Violet Gym: the start map is not new


def test_items_pay_their_money_once(fired: dict[str, list[int]]) -> None:
    assert fired["money"][:2] == [MILESTONES["item_new_bark"], MILESTONES["item_route_29"]]
    assert MILESTONES["item_new_bark"] in fired["event_flag"]


def test_first_pokemon_and_pokedex(fired: dict[str, list[int]]) -> None:
    assert fired["first_pokemon"] == [MILESTONES["first_pokemon"]]
    assert MILESTONES["first_pokemon"] in fired["pokedex_caught"]
    assert fired["pokedex_seen"][0] == MILESTONES["first_pokemon"]
    assert len(fired["pokedex_seen"]) >= 2  # the wild Pokémon is seen too


def test_battles_levels_and_the_badge(fired: dict[str, list[int]]) -> None:
    assert MILESTONES["wild_battle_won"] in fired["battle_won"]
    assert fired["level"] and min(fired["level"]) == MILESTONES["wild_battle_won"]
    assert fired["badge"] == [MILESTONES["badge"]]
    assert MILESTONES["badge"] in fired["money"]  # the leader's prize
    assert "stuck" not in fired and "forbidden" not in fired
