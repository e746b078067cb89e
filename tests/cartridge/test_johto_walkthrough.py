"""The walkthrough policy plays the Johto chapter to the ZEPHYRBADGE from seeded starts; chance differs by seed.

A seeded start is N idle frames after boot (N from the seed), as the game core's reset does it. The
battles are the real battle engine's (moves, types, chance), so a seed's presses vary with its luck: the
chapter must take 800 to 3,000 presses from every seed, and a failure prints the presses to each milestone.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.johto import ram as r
from cartridge.johto.walkthrough import MILESTONES, Walkthrough
from shared.game.reader import read_state
from tests.cartridge.johto_helpers import boot, start, step

MIN_PRESSES, MAX_PRESSES = 800, 3000
SEEDS = range(1, 11)
REPLAY_PRESSES = 1000
"""Enough for the rival's battle and a dozen wild ones: where two seeds differ and one seed must not."""


def _seeded(rom: Path, seed: int) -> PyBoy:
    pyboy = start(rom)
    boot(pyboy)
    pyboy.tick(random.Random(seed).randrange(256), False)
    return pyboy


def _play(
    pyboy: PyBoy, limit: int = MAX_PRESSES, badge: bool = True
) -> tuple[int, list[tuple[int, int, int]], dict[str, int]]:
    """Presses to the badge, the wild battles met (press, species, level), and the press of each milestone;
    ``badge`` False: play ``limit`` presses, wherever they lead."""
    policy = Walkthrough()
    wild = []
    reached: dict[str, int] = {}
    in_battle = False
    for press in range(limit + 1):
        for milestone in MILESTONES:
            if milestone.name not in reached and milestone.reached(pyboy.memory):
                reached[milestone.name] = press
        if "badge" in reached:
            return press, wild, reached
        mode = pyboy.memory[1, r.addr("wBattleMode")]
        if mode == r.BATTLE_WILD and not in_battle:
            wild.append(
                (press, pyboy.memory[1, r.addr("wTempWildMonSpecies")], pyboy.memory[1, r.addr("wCurPartyLevel")])
            )
        in_battle = mode != 0
        if press < limit:
            step(pyboy, policy.next_button(pyboy.memory))
    if not badge:
        return limit, wild, reached
    state = read_state(pyboy.memory)
    raise AssertionError(
        f"no badge in {limit} presses; at {state.map_name}, levels {[m.level for m in state.party]}; "
        f"milestones at presses {reached}"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_walkthrough_earns_the_badge(johto_rom: Path, seed: int) -> None:
    pyboy = _seeded(johto_rom, seed)
    try:
        presses, _, reached = _play(pyboy)
        state = read_state(pyboy.memory)
        assert state.map_name == "Violet Gym" and state.johto_badges == 1
        assert MIN_PRESSES <= presses <= MAX_PRESSES, f"seed {seed}: the badge at press {presses}; milestones {reached}"
        assert set(reached) == {m.name for m in MILESTONES}  # the whole story: the rival, FALKNER, ...
    finally:
        pyboy.stop(save=False)


def test_two_seeds_meet_different_encounters_and_one_seed_replays_frame_for_frame(johto_rom: Path) -> None:
    runs = []
    for seed in (1, 2, 1):
        pyboy = _seeded(johto_rom, seed)
        try:
            presses, wild, _ = _play(pyboy, REPLAY_PRESSES, badge=False)
            pyboy.tick(1, True)
            screen = hashlib.sha256(pyboy.screen.ndarray.tobytes()).hexdigest()
            ram = bytes(pyboy.memory[1, 0xD000:0xDFFF])
            runs.append((presses, wild, screen, ram))
        finally:
            pyboy.stop(save=False)
    assert len(runs[0][1]) >= 3 and runs[0][1] != runs[1][1]
    assert runs[0] == runs[2]
