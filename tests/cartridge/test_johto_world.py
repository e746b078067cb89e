"""The Johto world on the real PyBoy: walking, scrolling, doors, exits the story keeps shut, connections, people,
the START menu, the CENTER, a loss, and the project's own readers on all of it.

Positions are reached by the world's walkthrough policy (cartridge/johto/walkthrough.py) or by the
project's step; what the readers say (`read_state`, `read_area_map`, `read_screen_text`) is compared
with the world's own data (cartridge/johto/world.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.johto import ram as r
from cartridge.johto import world as w
from cartridge.johto.battle import ram as br
from cartridge.johto.data import constants as c
from cartridge.johto.gfx import tileset as ts
from cartridge.johto.walkthrough import Walkthrough
from shared.game.reader import read_state
from shared.game.screen_text import read_screen_text
from shared.game.textmap import VIEW_DOWN, VIEW_LEFT, VIEW_RIGHT, VIEW_UP, read_area_map
from tests.cartridge.johto_helpers import step

CHAR = {ts.COLL_FLOOR: ".", ts.COLL_TALL_GRASS: ",", ts.COLL_WATER: "~", ts.COLL_HOP_DOWN: "v"}


@pytest.fixture
def game(johto_game: PyBoy) -> PyBoy:
    return johto_game


def _play_until(pyboy: PyBoy, done: Callable[[PyBoy], bool], limit: int = 3000) -> int:
    policy = Walkthrough()
    for press in range(limit):
        if done(pyboy):
            return press
        step(pyboy, policy.next_button(pyboy.memory))
    raise AssertionError(f"not reached in {limit} presses; at {read_state(pyboy.memory).map_name}")


def _flag(pyboy: PyBoy, flag: int) -> bool:
    return bool(pyboy.memory[1, r.addr("wEventFlags") + (flag >> 3)] >> (flag & 7) & 1)


def _expected_window(pyboy: PyBoy, rom: bytes) -> list[str]:
    """The window as the world's data says: steps, doors and mats as exits, shown people, the player."""
    state = read_state(pyboy.memory)
    game_map = next(m for m in w.maps() if (m.group, m.number) == (state.map_group, state.map_number))
    people = {(t.x, t.y) for t in read_area_map(pyboy.memory, rom, state).things}
    warps = {(wp.x, wp.y) for wp in game_map.warps}
    rows = []
    for y in range(state.y - VIEW_UP, state.y + VIEW_DOWN + 1):
        row = ""
        for x in range(state.x - VIEW_LEFT, state.x + VIEW_RIGHT + 1):
            if (x, y) == (state.x, state.y):
                row += "@"
            elif (x, y) in people:
                row += "P*"[_is_ball(game_map, x, y)]
            elif (x, y) in warps:
                row += "E"
            elif 0 <= x < game_map.width and 0 <= y < game_map.height:
                row += CHAR.get(ts.KINDS[w.kind_at(game_map, x, y)].collision, "#")
            else:
                row += _border_char(game_map, x, y)
        rows.append(row)
    return rows


def _is_ball(game_map: object, x: int, y: int) -> int:
    return int(any(p.x == x and p.y == y and p.item is not None for p in game_map.people))  # type: ignore[attr-defined]


def _border_char(game_map: object, x: int, y: int) -> str:
    """Off the map: the connected map's step, or the border's."""
    for conn in game_map.connections:  # type: ignore[attr-defined]
        other = w.maps()[w.index_of(conn.to)]
        ox, oy = x, y
        if conn.side == "west" and x < 0:
            ox, oy = other.width + x, y + conn.offset
        elif conn.side == "east" and x >= game_map.width:  # type: ignore[attr-defined]
            ox, oy = x - game_map.width, y + conn.offset  # type: ignore[attr-defined]
        elif conn.side == "north" and y < 0:
            ox, oy = x + conn.offset, other.height + y
        elif conn.side == "south" and y >= game_map.height:  # type: ignore[attr-defined]
            ox, oy = x + conn.offset, y - game_map.height  # type: ignore[attr-defined]
        else:
            continue
        if 0 <= ox < other.width and 0 <= oy < other.height:
            return CHAR.get(ts.KINDS[w.kind_at(other, ox, oy)].collision, "#")
    return CHAR.get(ts.KINDS[ts.BY_CHAR[game_map.border]].collision, "#")  # type: ignore[attr-defined]


def test_a_new_game_starts_at_home_with_crystals_variables(game: PyBoy) -> None:
    state = read_state(game.memory)
    assert (state.map_name, state.x, state.y, state.facing) == ("Players House 1F", 8, 4, "down")
    assert (state.money, state.player_name, state.party, state.map_status) == (3000, "CHRIS", (), 2)
    assert not state.script_running and not state.text_open and not state.menu_open


def test_a_step_scrolls_the_screen_and_ends_at_rest(game: PyBoy) -> None:
    step(game, "left")
    state = read_state(game.memory)
    assert (state.x, state.y, state.facing) == (7, 4, "left")
    assert game.memory[r.addr("hSCX")] == game.memory[r.addr("hSCY")] == 16
    assert game.memory[1, r.addr("wStepCount")] == 1
    step(game, "up")  # Mom stands at (7, 3): only the facing changes
    state = read_state(game.memory)
    assert (state.x, state.y, state.facing) == (7, 4, "up")


def test_text_map_matches_the_worlds_data_along_the_walkthrough(game: PyBoy, johto_rom: Path) -> None:
    rom = johto_rom.read_bytes()
    policy = Walkthrough()
    compared = maps = 0
    seen = set()
    for press in range(3000):  # the walkthrough's bound on the chapter
        state = read_state(game.memory)
        if state.johto_badges & 1:
            break
        if press % 7 == 0 and not (state.battle.active or state.script_running or state.text_open):
            assert list(read_area_map(game.memory, rom, state).text_map().rows) == _expected_window(game, rom), (
                f"press {press} on {state.map_name} at ({state.x},{state.y})"
            )
            compared += 1
            if state.map_name not in seen:
                seen.add(state.map_name)
                maps += 1
        step(game, policy.next_button(game.memory))
    assert read_state(game.memory).johto_badges & 1
    assert compared > 60 and maps >= 10


def test_the_house_door_leads_out_and_the_towns_exit_waits_for_a_pokemon(game: PyBoy) -> None:
    for button in ("left", "down", "down", "down", "left", "down"):
        step(game, button)
    state = read_state(game.memory)
    assert (state.map_name, state.x, state.y) == ("New Bark Town", 13, 8)  # out of the door, one step down
    for _ in range(12):
        step(game, "left")
    assert read_screen_text(game.memory)[:2] == ("ELM: Wait,", "CHRIS! Take a ▼")
    assert read_state(game.memory).script_running
    step(game, "a")
    step(game, "a")
    state = read_state(game.memory)
    assert (state.map_name, state.x, state.y, state.facing) == ("New Bark Town", 2, 8, "right")  # walked back


def test_the_starter_comes_from_a_ball_after_yes(game: PyBoy) -> None:
    _play_until(game, lambda p: "▶YES" in read_screen_text(p.memory))
    assert read_state(game.memory).menu_open  # the yes/no box is a window
    step(game, "a")
    state = read_state(game.memory)
    assert [m.species for m in state.party] == [c.CYNDAQUIL]
    assert state.party[0].level == c.STARTER_LEVEL
    assert _flag(game, c.EVENT_GOT_A_POKEMON_FROM_ELM) and _flag(game, c.EVENT_CYNDAQUIL_POKEBALL_IN_ELMS_LAB)
    assert game.memory[1, r.addr("wObjectMasks") + 2] == 0xFF  # the ball is gone from the table


def test_a_connection_crossed_loads_the_next_map_with_its_neighbours_edge(game: PyBoy, johto_rom: Path) -> None:
    _play_until(game, lambda p: read_state(p.memory).map_name == "Route 29")
    state = read_state(game.memory)
    assert (state.x, state.y) == (59, 8)
    area = read_area_map(game.memory, johto_rom.read_bytes(), state)
    assert area.connections == {"east": "New Bark Town", "west": "Cherrygrove City"}
    assert (area.width, area.height) == (60, 18)
    assert area.terrain_at(60, 8) == "."  # New Bark's path, in the border


def test_start_menu_and_pack_are_windows_with_their_words(game: PyBoy) -> None:
    _play_until(
        game, lambda p: _flag(p, c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON) and not read_state(p.memory).text_open
    )
    step(game, "start")
    state = read_state(game.memory)
    assert state.menu_open and state.text_open and state.script_running
    assert read_screen_text(game.memory) == ("▶POKéMON", "PACK", "EXIT")
    step(game, "down")
    step(game, "a")
    assert "MYSTERY EGG" in read_screen_text(game.memory)
    assert game.memory[r.addr("wWindowStackSize")] == 2
    step(game, "b")
    step(game, None)
    state = read_state(game.memory)
    assert not state.menu_open and not state.text_open and not state.script_running


def test_the_rival_waits_in_cherrygrove_on_the_way_back(game: PyBoy) -> None:
    _play_until(
        game,
        lambda p: _flag(p, c.EVENT_GOT_MYSTERY_EGG_FROM_MR_POKEMON) and read_state(p.memory).battle.mode == 2,
    )
    assert read_state(game.memory).map_name == "Cherrygrove City"
    assert game.memory[1, r.addr("wOtherTrainerClass")] == c.RIVAL1
    assert game.memory[1, r.addr("wOtherTrainerID")] == c.RIVAL_AGAINST[c.CYNDAQUIL]


def test_a_loss_sends_the_player_to_the_last_center_with_half_the_money(game: PyBoy) -> None:
    _play_until(game, lambda p: read_state(p.memory).map_name == "Cherrygrove City")
    game.memory[1, r.addr("wPartyMon1") + 0x23] = 1  # 0x22-0x23: HP, so the policy heals and the CENTER is the spawn
    _play_until(game, lambda p: read_state(p.memory).map_name == "Cherrygrove Pokecenter 1F")
    _play_until(game, lambda p: read_state(p.memory).battle.mode == r.BATTLE_WILD)
    money = read_state(game.memory).money
    assert money > 0
    # a battle it cannot win: its creature at 1 HP against an enemy of 500, FIGHT and its first move every turn
    hp = br.addr("wBattleMonHP")
    for _ in range(300):
        if read_state(game.memory).battle.mode == 0:
            break
        game.memory[hp], game.memory[hp + 1] = 0, min(1, game.memory[hp + 1])
        for name in ("wEnemyMonHP", "wEnemyMonMaxHP"):
            game.memory[1, br.addr(name)], game.memory[1, br.addr(name) + 1] = 500 >> 8, 500 & 0xFF
        game.memory[1, br.addr("wBattleMenuCursorPosition")] = 1
        step(game, "a")
    assert game.memory[1, br.addr("wBattleResult")] == br.RESULT_LOSE
    for _ in range(10):  # the overworld's words ("... whited out"), then the warp
        state = read_state(game.memory)
        if state.map_name != "Route 30" and not (state.text_open or state.script_running):
            break
        step(game, "a")
    assert (state.map_name, state.money) == ("Cherrygrove Pokecenter 1F", money // 2)
    assert state.party[0].hp == state.party[0].max_hp


def test_the_nurse_heals_after_yes_and_the_center_becomes_the_spawn_point(game: PyBoy) -> None:
    _play_until(game, lambda p: read_state(p.memory).map_name == "Cherrygrove City")
    hp = r.addr("wPartyMon1") + 0x22
    game.memory[1, hp + 1] = 1
    policy = Walkthrough()
    for _ in range(200):  # the policy goes to heal now
        if read_state(game.memory).party[0].hp == read_state(game.memory).party[0].max_hp:
            break
        step(game, policy.next_button(game.memory))
    state = read_state(game.memory)
    assert state.map_name == "Cherrygrove Pokecenter 1F"
    assert state.party[0].hp == state.party[0].max_hp
    assert (game.memory[1, r.addr("wLastSpawnMapGroup")], game.memory[1, r.addr("wLastSpawnMapNumber")]) == (26, 5)


def test_a_trainer_sees_the_player_and_walks_up(game: PyBoy) -> None:
    _play_until(game, lambda p: read_state(p.memory).map_name == "Violet Gym")
    _play_until(game, lambda p: read_state(p.memory).battle.mode == r.BATTLE_TRAINER)
    assert game.memory[1, r.addr("wOtherTrainerClass")] == c.BIRD_KEEPER
    rod = r.addr("wObjectStructs") + 2 * 0x28  # ROD is object 2; he stood at (7, 10) facing left
    assert game.memory[1, rod + 0x10] - 4 == read_state(game.memory).x + 1
