"""The archive keeps no state of a map the game does not have: a crashed game's RAM reads as a new map with badges,
and would rank above every true state."""

from pathlib import Path

import pytest

from cartridge import ram as r
from shared.archive import entry_for
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.game.progress import StepFacts


def test_a_milestone_on_an_unknown_map_is_not_archived(demo_rom: Path, caplog: pytest.LogCaptureFixture) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)))
    try:
        known = entry_for(core, StepFacts(new_map=True), "0")
        assert known is not None and known.cell.startswith("new_map:24.4:")  # New Bark Town, the start
        core.machine.pyboy.memory[1, r.wMapGroup] = 139  # what the crash left: no such group
        core.machine.pyboy.memory[1, r.wMapNumber] = 152
        core.view = core.machine.view()
        assert core.state.map_name is None
        assert entry_for(core, StepFacts(new_map=True), "0") is None
    finally:
        core.close()
    assert "milestone new_map on unknown map 139.152: not archived" in caplog.text
