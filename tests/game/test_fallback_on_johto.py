"""The rule-based fallback keeps a real game moving: YES in a yes/no box, B only out of the START menu, no going
back through a door just come through; on the Johto world it takes the starter it is offered."""

from pathlib import Path

from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.game.fallback import WAY_BACK_STEPS, FallbackPolicy, menu_button
from shared.game.state import GameState


def test_yes_in_a_yes_no_box_b_out_of_the_start_menu_a_in_any_other() -> None:
    assert menu_button(("▶YES", "NO", "Will you take it?")) is Button.A
    assert menu_button(("YES", "▶NO", "Shall we heal your", "POKéMON?")) is Button.UP  # the cursor to YES first
    assert menu_button(("▶POKéMON", "PACK", "EXIT")) is Button.B
    assert menu_button(("POTION", "▶POKé BALL", "CANCEL")) is Button.A
    assert menu_button(()) is Button.B  # a menu whose words cannot be read: out of it, as before


def _at(map_number: int, x: int, y: int, facing: str) -> GameState:
    return GameState(map_group=24, map_number=map_number, x=x, y=y, facing=facing, money=0, johto_badges=0,
                     kanto_badges=0)  # fmt: skip


def _arrived_inside(seed: int) -> tuple[FallbackPolicy, GameState]:
    """A policy that walked the street below the lab's door and went in: on the mat, facing in, the tiles around it
    seen but the one below (outside the room: the way back out)."""
    policy = FallbackPolicy(seed)
    for x in range(3, 7):
        policy.choose(_at(4, x, 8, "right"))
    policy.visited |= {(24, 5, 4, 10), (24, 5, 3, 11), (24, 5, 5, 11)}
    return policy, _at(5, 4, 11, "up")


def test_a_door_just_come_through_is_not_taken_back_for_a_while() -> None:
    for seed in range(20):
        policy, inside = _arrived_inside(seed)
        assert policy.choose(inside) is not Button.DOWN, seed  # down, off the mat, is the way back out
        assert policy.way_back is not None and policy.way_back[:2] == ((24, 5, 4, 11), Button.DOWN)
    policy, inside = _arrived_inside(0)
    policy.choose(inside)
    policy._steps += WAY_BACK_STEPS  # a while later the door is a door again: the one tile not seen is out there
    assert Button.DOWN in {policy.choose(inside) for _ in range(5)}


def test_on_johto_the_fallback_alone_takes_the_starter_and_leaves_new_bark_town(
    johto_rom: Path, tmp_path: Path
) -> None:
    core = GameCore.start(GameConfig(rom=johto_rom, episode_steps=0), boot_cache=tmp_path)
    try:
        core.reset(seed=2)
        maps, doors = set(), 0
        for _ in range(2_500):
            before = core.state.map_id
            state = core.step(None).view.state
            maps.add(state.map_name)
            doors += state.map_id != before
            if state.party_count and "Route 29" in maps:
                break
        assert state.party_count == 1, f"no starter; maps {maps}"  # YES to ELM's ball
        assert "Route 29" in maps and doors < 30  # out of town, not in and out of doors
    finally:
        core.close()
