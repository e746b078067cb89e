"""The walkthrough policy plays the Johto chapter to the ZEPHYRBADGE from seeded starts; chance differs by seed.

A seeded start is N idle frames after boot (N from the seed), as the game core's reset does it.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.build import ensure_built
from cartridge.johto import ram as r
from cartridge.johto.walkthrough import Walkthrough
from shared.game.reader import read_state
from tests.cartridge.johto_helpers import boot, start, step

MAX_PRESSES = 3000


@pytest.fixture(scope="module")
def johto_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_built(tmp_path_factory.mktemp("johto-walk"), world="johto")


def _seeded(rom: Path, seed: int) -> PyBoy:
    pyboy = start(rom)
    boot(pyboy)
    pyboy.tick(random.Random(seed).randrange(256), False)
    return pyboy


def _play(pyboy: PyBoy, limit: int = MAX_PRESSES) -> tuple[int, list[tuple[int, int, int]]]:
    """Presses to the badge, and the wild battles met: (press, species, level)."""
    policy = Walkthrough()
    wild = []
    in_battle = False
    for press in range(limit):
        if read_state(pyboy.memory).johto_badges & 1:
            return press, wild
        mode = pyboy.memory[1, r.addr("wBattleMode")]
        if mode == r.BATTLE_WILD and not in_battle:
            wild.append(
                (press, pyboy.memory[1, r.addr("wTempWildMonSpecies")], pyboy.memory[1, r.addr("wCurPartyLevel")])
            )
        in_battle = mode != 0
        step(pyboy, policy.next_button(pyboy.memory))
    raise AssertionError(f"no badge in {limit} presses; at {read_state(pyboy.memory).map_name}")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_walkthrough_earns_the_badge(johto_rom: Path, seed: int) -> None:
    pyboy = _seeded(johto_rom, seed)
    try:
        presses, _ = _play(pyboy)
        state = read_state(pyboy.memory)
        assert state.map_name == "Violet Gym" and state.johto_badges == 1
        assert presses <= MAX_PRESSES
    finally:
        pyboy.stop(save=False)


def test_two_seeds_meet_different_encounters_and_one_seed_replays_frame_for_frame(johto_rom: Path) -> None:
    runs = []
    for seed in (1, 2, 1):
        pyboy = _seeded(johto_rom, seed)
        try:
            presses, wild = _play(pyboy)
            pyboy.tick(1, True)
            screen = hashlib.sha256(pyboy.screen.ndarray.tobytes()).hexdigest()
            ram = bytes(pyboy.memory[1, 0xD000:0xDFFF])
            runs.append((presses, wild, screen, ram))
        finally:
            pyboy.stop(save=False)
    assert runs[0][1] != runs[1][1]
    assert runs[0] == runs[2]
