"""Fixtures for the cartridge tests: one ROM build and one booted save state per session (the Johto world's ROM,
`johto_rom`, is the root conftest's)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.boot import boot
from cartridge.build import ensure_built
from tests.cartridge import johto_helpers


@pytest.fixture(scope="session")
def cart_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ROM's tiny world, built into a private directory so tests never touch the repo's build/."""
    return ensure_built(tmp_path_factory.mktemp("cart-build"), world="tiny")


def _start(rom: Path) -> PyBoy:
    pyboy = PyBoy(str(rom), window="null", sound_emulated=False)
    pyboy.rtc_lock_experimental(True)
    return pyboy


@pytest.fixture(scope="session")
def booted_state(cart_rom: Path) -> bytes:
    """A save state taken right after boot, the way the emulator service takes it."""
    return johto_helpers.booted_state(cart_rom, boot)


@pytest.fixture
def new_pyboy(cart_rom: Path) -> Iterator[Callable[[], PyBoy]]:
    """Factory for powered-on emulators (RTC pinned), all stopped after the test."""
    started: list[PyBoy] = []

    def factory() -> PyBoy:
        pyboy = _start(cart_rom)
        started.append(pyboy)
        return pyboy

    yield factory
    for pyboy in started:
        pyboy.stop(save=False)


@pytest.fixture
def game(new_pyboy: Callable[[], PyBoy], booted_state: bytes) -> PyBoy:
    """An emulator restored to the booted save state: New Bark Town, (6,6), facing down."""
    pyboy = new_pyboy()
    pyboy.load_state(io.BytesIO(booted_state))
    return pyboy


@pytest.fixture(scope="session")
def johto_booted(johto_rom: Path) -> bytes:
    """A save state of the Johto world just ready (the player at home)."""
    return johto_helpers.booted_state(johto_rom)


@pytest.fixture
def johto_game(johto_rom: Path, johto_booted: bytes) -> Iterator[PyBoy]:
    """The Johto world restored to its booted state, stopped after the test."""
    pyboy = johto_helpers.start(johto_rom)
    pyboy.load_state(io.BytesIO(johto_booted))
    yield pyboy
    pyboy.stop(save=False)
