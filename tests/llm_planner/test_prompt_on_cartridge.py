"""The prompt from the demo cartridge's own RAM: the party's species and moves by name once the starter is given."""

from pathlib import Path

from cartridge.walkthrough import MILESTONES, WALKTHROUGH
from services.llm_planner.prompt import describe_state
from shared.buttons import Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine


def test_the_starter_is_described_with_its_moves_by_name(demo_rom: Path) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)))
    try:
        assert "Party: none yet" in describe_state(core.state)
        for button in WALKTHROUGH[: MILESTONES["first_pokemon"] + 1]:
            core.step(Button(button))
        state = core.state
    finally:
        core.close()
    (mon,) = state.party
    assert mon.moves == (33, 43)  # what the cartridge writes into wPartyMon1Moves
    assert "- Party (1): Cyndaquil Lv5 HP " in describe_state(state)
    assert describe_state(state).split("- Party (1): ")[1].split("\n")[0].endswith("(moves: Tackle, Leer)")
