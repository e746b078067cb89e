"""Seeded starts, through the game core on the Johto world (where chance matters): one seed is one game frame for
frame, two seeds meet different wild encounters, and a seeded start is the start state plus its idle frames."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from cartridge.johto import ram as r
from cartridge.johto.walkthrough import Walkthrough
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import SEED_FRAMES, GameCore, episode_seed, idle_frames

PRESSES = 500
"""Past the starter and into Route 29's grass: a few wild battles whichever the seed."""


@pytest.fixture(scope="module")
def johto(johto_rom: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GameCore]:
    core = GameCore.start(GameConfig(rom=johto_rom), boot_cache=tmp_path_factory.mktemp("boot"))
    yield core
    core.close()


def _play(core: GameCore, seed: int) -> tuple[list[str], list[tuple[int, int, int]]]:
    """The walkthrough policy from a start seeded with `seed`: a digest of every step's screen and state, and the
    wild battles met (press, species, level)."""
    core.reset(seed=seed)
    policy = Walkthrough()
    memory = core.machine.pyboy.memory
    digests, wild, in_battle = [], [], False
    for press in range(PRESSES):
        view = core.step(Button(policy.next_button(memory))).view
        digests.append(hashlib.sha1(view.screen + view.state.model_dump_json().encode()).hexdigest())
        mode = memory[1, r.addr("wBattleMode")]
        if mode == r.BATTLE_WILD and not in_battle:
            wild.append((press, memory[1, r.addr("wTempWildMonSpecies")], memory[1, r.addr("wCurPartyLevel")]))
        in_battle = mode != 0
    return digests, wild


def test_one_seed_replays_frame_for_frame_and_two_seeds_meet_different_encounters(johto: GameCore) -> None:
    first, again, other = (_play(johto, seed) for seed in (1, 1, 2))
    assert first == again  # every step's screen and state, and the encounters
    assert len(first[1]) >= 2 and len(other[1]) >= 2
    assert first[1] != other[1]
    assert first[0] != other[0]


def test_a_seeded_start_is_the_start_state_plus_its_idle_frames(johto: GameCore) -> None:
    johto.reset()
    start = johto.machine.frames
    assert johto.seed is None
    johto.reset(seed=SEED_FRAMES + 300)
    assert johto.machine.frames - start == 1 + 300 and idle_frames(SEED_FRAMES + 300) == 300  # the load's frame
    assert (johto.seed, johto.episode_step) == (SEED_FRAMES + 300, 0)
    johto.reset(seed=0)
    zero = johto.machine.small_screen()
    johto.reset()
    assert johto.machine.small_screen() == zero  # seed 0: the start state itself


def test_an_emulators_episode_seeds_are_reproducible_and_distinct() -> None:
    seeds = {(env, episode): episode_seed(7, env, episode) for env in ("0", "1") for episode in range(50)}
    assert len(set(seeds.values())) == len(seeds)
    assert seeds[("1", 3)] == episode_seed(7, "1", 3) != episode_seed(8, "1", 3)
    assert all(0 <= seed < 2**31 for seed in seeds.values())
