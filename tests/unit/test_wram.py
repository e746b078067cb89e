"""The state read from PyBoy's own WRAM array: the same state as through `pyboy.memory`, or no shortcut at all."""

import logging
import random
from array import array
from pathlib import Path

import pytest

from services.emulator.game import Game
from services.emulator.wram import WramReader
from shared.buttons import Button
from shared.game.reader import read_state
from shared.rom import inspect_rom


@pytest.fixture
def game(demo_rom: Path) -> Game:
    game = Game(inspect_rom(demo_rom))
    game.boot(3000)
    return game


def test_the_state_read_from_the_array_is_the_state_pyboy_memory_gives(game: Game) -> None:
    """Every step of a random walk (into the lab, a battle, the party), and after a save state is loaded back."""
    assert isinstance(game.wram.memory(), memoryview), "the array was not found"
    buttons = random.Random(7)
    saved, state_at_save = b"", None
    for step in range(1500):
        game.step(buttons.choice(list(Button)))
        assert game.state() == read_state(game.pyboy.memory), f"step {step}"
        if step == 200:
            saved, state_at_save = game.save_state(), game.state()
    assert game.state() != state_at_save
    game.load_state(saved)
    assert game.state() == state_at_save == read_state(game.pyboy.memory)
    assert isinstance(game.wram.memory(), memoryview)


def test_an_array_that_stops_matching_is_dropped_with_a_warning(game: Game, caplog: pytest.LogCaptureFixture) -> None:
    reader = WramReader(game.pyboy.memory, check_every=3)
    assert isinstance(reader.memory(), memoryview)
    reader.view = memoryview(array("B", bytes(reader.view)))  # type: ignore[arg-type]  # a copy that the game no longer writes: what a different PyBoy would give
    game.step(Button.RIGHT)
    game.pyboy.tick(60, False)
    caplog.set_level(logging.WARNING, logger="services.emulator.wram")
    for _ in range(2):
        assert reader.memory() is reader.view  # not checked yet
    reader.memory()  # the fourth read is the first checked since the find
    assert reader.view is None
    assert reader.memory() is game.pyboy.memory
    assert "no longer matches" in caplog.text


def test_two_matching_arrays_mean_no_shortcut(game: Game, caplog: pytest.LogCaptureFixture) -> None:
    """Which one PyBoy writes cannot be told, so neither is trusted."""
    found = WramReader(game.pyboy.memory)
    assert isinstance(found.memory(), memoryview)
    twin = array("B", bytes(found.view))  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="services.emulator.wram")
    reader = WramReader(game.pyboy.memory)
    assert reader.memory() is game.pyboy.memory
    assert "2 arrays match" in caplog.text
    assert twin
