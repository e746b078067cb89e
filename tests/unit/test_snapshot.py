"""Save states made by a forked copy of the emulator: the state as of the fork, errors said, children reaped."""

import os
from pathlib import Path

import pytest

from services.emulator.snapshot import FORKS, snapshot
from shared.buttons import Button
from shared.errors import SaveStateError
from shared.game.machine import Machine
from shared.rom import inspect_rom

pytestmark = pytest.mark.skipif(not FORKS, reason="save states are made in-process where fork() is not used")


@pytest.fixture
def game(demo_rom: Path) -> Machine:
    game = Machine(inspect_rom(demo_rom))
    game.boot()
    return game


def _children() -> list[str]:
    """This process's children, zombies included (a child never waited for stays one)."""
    return [pid for pid in os.listdir("/proc") if pid.isdigit() and _parent_of(pid) == os.getpid()]


def _parent_of(pid: str) -> int:
    try:
        return int((Path("/proc") / pid / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _wram(game: Machine) -> list[int]:
    return [game.pyboy.memory[bank, 0xD000:0xDFFF] for bank in range(8)] + [game.pyboy.memory[0xC000:0xD000]]


def test_the_state_is_the_one_at_the_fork_even_while_the_game_goes_on(game: Machine) -> None:
    for _ in range(20):
        game.step(Button.RIGHT)
    at_fork, wram_at_fork = game.state(), _wram(game)
    pending = snapshot(game.save_state)
    for _ in range(30):  # the parent plays on before it reads the child's bytes
        game.step(Button.DOWN)
    assert _wram(game) != wram_at_fork
    game.load_state(pending())
    assert game.state() == at_fork
    assert _wram(game) == wram_at_fork


def test_a_failing_child_is_reported_and_reaped() -> None:
    def broken() -> bytes:
        raise RuntimeError("disk on fire")

    before = _children()  # (a test session has children of its own: redis-server)
    pending = snapshot(broken)
    assert len(_children()) == len(before) + 1
    with pytest.raises(SaveStateError, match=r"process writing the save state failed \(exit status 1, 0 bytes"):
        pending()
    assert _children() == before
