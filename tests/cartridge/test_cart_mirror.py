"""The reader's words on screen and text map, on the demo, against what the cartridge itself draws and knows.

The cartridge keeps Crystal's structures beside its own game (`cartridge/mirror.py`); the reader
(`shared/game/screen_text.py`, `shared/game/textmap.py`) was written for Crystal. Each check
compares the reader's output with the cartridge's own world model (`cartridge/world.py`: its
cells, exits, items) or the box it drew, at known steps of the walkthrough.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge import graphics as gfx
from cartridge import mirror as m
from cartridge import ram as r
from cartridge import world as w
from cartridge.walkthrough import MILESTONES, WALKTHROUGH, play_step
from shared.game.reader import read_state
from shared.game.screen_text import read_screen_text
from shared.game.textmap import VIEW_DOWN, VIEW_LEFT, VIEW_RIGHT, VIEW_UP, read_area_map

EXPECTED_CHAR = {
    gfx.FLOOR: ".",
    gfx.GYM: ".",
    gfx.WALL: "#",
    gfx.GRASS: ",",
    gfx.EXIT: "E",
    gfx.ITEM: "*",
    gfx.NPC: "P",
    gfx.LEADER: "P",
}


def _map_index(pyboy: PyBoy) -> int:
    group, number = pyboy.memory[1, r.wMapGroup], pyboy.memory[1, r.wMapNumber]
    return next(i for i, gm in enumerate(w.MAPS) if (gm.group, gm.number) == (group, number))


def _flag(pyboy: PyBoy, flag: int) -> bool:
    return bool(pyboy.memory[1, r.wEventFlags + (flag >> 3)] >> (flag & 7) & 1)


def _expected_window(pyboy: PyBoy) -> list[str]:
    """The window as the cartridge's world model says: its cells, items not yet picked, the player."""
    index = _map_index(pyboy)
    px, py = pyboy.memory[1, r.wXCoord], pyboy.memory[1, r.wYCoord]
    picked = {(i.x, i.y) for i in w.ITEMS if i.map == index and _flag(pyboy, i.flag)}
    rows = []
    for y in range(py - VIEW_UP, py + VIEW_DOWN + 1):
        row = ""
        for x in range(px - VIEW_LEFT, px + VIEW_RIGHT + 1):
            if (x, y) == (px, py):
                row += "@"
            elif not (0 <= x < w.MAP_WIDTH and 0 <= y < w.MAP_HEIGHT):
                row += "#"
            elif (x, y) in picked:
                row += "."
            else:
                row += EXPECTED_CHAR[w.MAPS[index].cell(x, y)]
        rows.append(row)
    return rows


@pytest.mark.timeout(120)
def test_text_map_matches_the_cartridges_world_at_every_walkthrough_step(game: PyBoy, cart_rom: Path) -> None:
    rom = cart_rom.read_bytes()
    seen_maps = set()
    for index, button in enumerate(WALKTHROUGH):
        play_step(game, button)
        state = read_state(game.memory)
        if state.battle.active or state.script_running:
            continue
        area = read_area_map(game.memory, rom, state)
        text_map = area.text_map()
        assert list(text_map.rows) == _expected_window(game), f"after step {index} ({button}) on {state.map_name}"
        map_index = _map_index(game)
        expected_exits = {(e.x, e.y, w.MAPS[e.dest].name) for e in w.EXITS if e.source == map_index}
        assert {(e.x, e.y, e.to) for e in text_map.exits} == expected_exits
        seen_maps.add(state.map_name)
    assert seen_maps == {gm.name for gm in w.MAPS}


@pytest.mark.timeout(60)
def test_people_and_items_come_from_the_map_objects_and_a_picked_item_is_gone(game: PyBoy, cart_rom: Path) -> None:
    rom = cart_rom.read_bytes()
    area = read_area_map(game.memory, rom, read_state(game.memory))
    assert area.text_map().people == ((4, 1),) and area.text_map().items == ((3, 3),)
    assert not area.standable(4, 1) and not area.standable(3, 3)  # people and balls are in the way
    for button in WALKTHROUGH[: MILESTONES["item_new_bark"] + 1]:
        play_step(game, button)
    area = read_area_map(game.memory, rom, read_state(game.memory))
    assert area.text_map().items == ()
    assert game.memory[1, r.wObjectMasks + 2] == 0xFF  # masked, as Crystal masks a picked ball


def _play_to(pyboy: PyBoy, step: int, start: int = 0) -> None:
    for button in WALKTHROUGH[start : step + 1]:
        play_step(pyboy, button)


@pytest.mark.timeout(60)
def test_the_words_of_each_box_are_read_from_the_tile_map(game: PyBoy) -> None:
    assert read_screen_text(game.memory) == ()
    _play_to(game, MILESTONES["text_box_open"])
    assert read_screen_text(game.memory) == m.box_lines(m.text_box(m.TEXT_STARTER))
    _play_to(game, MILESTONES["text_box_open"] + 1, MILESTONES["text_box_open"] + 1)
    assert read_screen_text(game.memory) == ()  # closed: the box is gone from the tile map too
    _play_to(game, MILESTONES["wild_battle_started"], MILESTONES["text_box_open"] + 2)
    assert read_screen_text(game.memory) == m.box_lines(m.battle_menu()) == ("▶FIGHT", "PACK RUN")
    _play_to(game, MILESTONES["wild_battle_won"], MILESTONES["wild_battle_started"] + 1)
    assert read_screen_text(game.memory) == ()
    play_step(game, "start")
    assert read_screen_text(game.memory) == m.box_lines(m.start_menu())
    assert read_screen_text(game.memory)[0] == "▶POKéMON"
    play_step(game, "b")
    assert read_screen_text(game.memory) == ()
    _play_to(game, MILESTONES["gym_battle_started"] - 1, MILESTONES["wild_battle_won"] + 1)
    assert read_screen_text(game.memory) == m.box_lines(m.text_box(m.TEXT_CHALLENGE))
    assert read_screen_text(game.memory) == ("I am FALKNER.", "Let us battle!")


@pytest.mark.timeout(60)
def test_the_leader_turns_a_weak_challenger_away_in_words(game: PyBoy) -> None:
    """The cartridge picks the leader's words from the party and the badge: a talk without a strong enough
    Pokémon shows the refusal, which the reader reads as drawn."""
    assert m.box_lines(m.text_box(m.TEXT_TOO_WEAK)) == ("Come back with a", "stronger POKéMON.")
    _play_to(game, MILESTONES["badge"])
    for button in ("b", "a"):  # the badge is won; talk to the leader again
        play_step(game, button)
    assert read_screen_text(game.memory) == m.box_lines(m.text_box(m.TEXT_HAVE_BADGE))
