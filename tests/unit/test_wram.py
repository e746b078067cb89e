"""The state read from PyBoy's own WRAM array: the same state as through `pyboy.memory`, or no shortcut at all."""

import logging
import random
from array import array
from pathlib import Path

import pytest

from shared.buttons import Button
from shared.game.machine import Machine
from shared.game.reader import read_state
from shared.game.wram import WramReader
from shared.rom import inspect_rom

NOT_FOUND = (
    "PyBoy no longer keeps WRAM in one 32 KiB array('B') that a write through pyboy.memory reaches: "
    "the state reader's shortcut (shared/game/wram.py) is off. Adapt it to this PyBoy release, or pin "
    "the last release it works with in pyproject.toml, or drop it if `make bench` shows it is worth under 3 %."
)


@pytest.fixture
def machine(demo_rom: Path) -> Machine:
    machine = Machine(inspect_rom(demo_rom))
    machine.boot()
    yield machine
    machine.close()


def test_the_state_read_from_the_array_is_the_state_pyboy_memory_gives(machine: Machine) -> None:
    """Every step of a random walk (into the lab, a battle, the party), and after a save state is loaded back."""
    assert isinstance(machine.wram.memory(), memoryview), NOT_FOUND
    buttons = random.Random(7)
    saved, state_at_save = b"", None
    for step in range(1500):
        machine.step(buttons.choice(list(Button)))
        assert machine.state() == read_state(machine.pyboy.memory), f"step {step}"
        if step == 200:
            saved, state_at_save = machine.save_state(), machine.state()
    assert machine.state() != state_at_save
    machine.load_state(saved)
    assert machine.state() == state_at_save == read_state(machine.pyboy.memory)
    assert isinstance(machine.wram.memory(), memoryview), NOT_FOUND


def test_two_machines_at_the_same_state_each_find_their_own(demo_rom: Path, machine: Machine) -> None:
    """Equal bytes in two arrays: the byte written through each machine's `memory` tells them apart."""
    twin = Machine(inspect_rom(demo_rom))
    try:
        twin.load_state(machine.save_state())
        views = machine.wram.memory(), twin.wram.memory()
        assert all(isinstance(view, memoryview) for view in views), NOT_FOUND
        assert views[0].obj is not views[1].obj
        twin.step(Button.DOWN)
        twin.step(Button.DOWN)
        assert machine.state() == read_state(machine.pyboy.memory)
        assert twin.state() == read_state(twin.pyboy.memory)
    finally:
        twin.close()


def test_an_array_that_stops_matching_is_dropped_with_a_warning(
    machine: Machine, caplog: pytest.LogCaptureFixture
) -> None:
    reader = WramReader(machine.pyboy.memory, check_every=3)
    assert isinstance(reader.memory(), memoryview), NOT_FOUND
    reader.view = memoryview(array("B", bytes(reader.view)))  # type: ignore[arg-type]  # a copy the game no longer writes: what a different PyBoy would give
    machine.step(Button.RIGHT)
    machine.pyboy.tick(60, False)
    caplog.set_level(logging.WARNING, logger="shared.game.wram")
    for _ in range(2):
        assert reader.memory() is reader.view  # not checked yet
    reader.memory()  # the fourth read is the first checked since the find
    assert reader.view is None
    assert reader.memory() is machine.pyboy.memory
    assert "no longer matches" in caplog.text


def test_a_loaded_state_checks_the_array_at_once(machine: Machine, caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(machine.wram.memory(), memoryview), NOT_FOUND
    saved = machine.save_state()
    machine.step(Button.RIGHT)
    machine.pyboy.tick(60, False)
    machine.wram.view = memoryview(array("B", bytes(machine.wram.view)))  # type: ignore[arg-type]  # stale from here
    caplog.set_level(logging.WARNING, logger="shared.game.wram")
    machine.load_state(saved)
    assert machine.wram.memory() is machine.pyboy.memory
    assert "no longer matches" in caplog.text
