"""The state features say which tiles next to the player the episode walked: crafted walks, the real cartridge's
frames, the learner's ablation that turns them off, and a checkpoint that remembers which its network saw."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from services.dqn_learner.evaluate import load_policy
from services.dqn_learner.observation import FrameStacker
from shared.buttons import Button
from shared.game.core import GameCore
from shared.game.features import FEATURE_NAMES, N_FEATURES, state_features
from shared.game.machine import resolve_rom, start_machine
from shared.game.progress import Progress
from shared.game.state import GameState
from shared.messages import Frame, MessageError
from tests.dqn_learner.checkpoint_help import features_shown, write_checkpoint
from tests.entries import as_entry

pytestmark = pytest.mark.timeout(120)

BASE = GameState(map_group=24, map_number=4, x=5, y=5, facing="down", money=3000, johto_badges=0, kanto_badges=0)
EXPLORED = [FEATURE_NAMES.index(f"explored_{way}") for way in ("up", "down", "left", "right")]


def at(x: int, y: int, **other: object) -> GameState:
    return BASE.model_copy(update={"x": x, "y": y, **other})


@pytest.fixture
def core(demo_rom: Path) -> Iterator[GameCore]:
    game = GameCore(*start_machine(resolve_rom(demo_rom)), anti_stuck=False, episode_steps=6)
    yield game
    game.close()


def test_a_walk_marks_the_tiles_behind_and_none_ahead() -> None:
    progress = Progress()
    progress.start(at(5, 5))
    assert progress.explored.around(at(5, 5)) == (False, False, False, False)
    progress.step(at(5, 5), at(6, 5))
    assert progress.explored.around(at(6, 5)) == (False, False, True, False), "came from the left"
    progress.step(at(6, 5), at(6, 6))
    assert progress.explored.around(at(6, 6)) == (True, False, False, False), "came from above"
    assert progress.explored.around(at(5, 6)) == (True, False, False, True), "above and right were walked"
    assert progress.explored.around(at(6, 6, map_number=5)) == (False,) * 4, "another map's tiles are its own"
    progress.start(at(6, 6))
    assert progress.explored.around(at(6, 6)) == (False,) * 4, "a new episode has walked nothing"


def test_the_features_end_with_the_four_ways_and_are_zero_when_unknown() -> None:
    assert list(range(N_FEATURES - 4, N_FEATURES)) == EXPLORED
    walked = state_features(BASE, (True, False, False, True))
    assert walked[EXPLORED].tolist() == [1.0, 0.0, 0.0, 1.0]
    unknown = state_features(BASE)
    assert not unknown[EXPLORED].any() and np.array_equal(unknown[: N_FEATURES - 4], walked[: N_FEATURES - 4])


def test_the_cartridges_frames_say_where_the_player_came_from(core: GameCore) -> None:
    """From (6,6) a step left: the frame after it has the right-hand tile walked, and the learner sees so."""
    assert Frame.after(core, None, env="0", step=0).explored == (False,) * 4
    step = core.step(Button.LEFT)
    frame = Frame.after(core, step, env="0", step=1)
    assert (step.view.state.x, frame.explored) == (5, (False, False, False, True))
    assert Frame.from_fields(as_entry(frame)).explored == frame.explored, "the bits survive the stream"
    bad = as_entry(frame)
    bad[b"json"] = bad[b"json"].replace(b'"explored":[false,false,false,true]', b'"explored":[true,true]')
    with pytest.raises(MessageError, match="explored"):
        Frame.from_fields(bad)
    assert FrameStacker(1).push(frame).features[EXPLORED].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert not FrameStacker(1, explored=False).push(frame).features[EXPLORED].any(), "the ablation sees none"


@pytest.mark.parametrize("explored", [True, False])
def test_an_evaluation_shows_the_network_what_it_was_trained_on(core: GameCore, tmp_path: Path, explored: bool) -> None:
    """The checkpoint of a learner with the features off makes a policy that sees them off: zeros where it walked."""
    policy = load_policy(write_checkpoint(tmp_path, prefer=(Button.LEFT, Button.RIGHT), explored_features=explored))
    assert policy.explored_features is explored
    seen = features_shown(policy, core)
    walked = [bool(features[EXPLORED].any()) for features in seen]
    assert len(walked) == 6 and any(walked) is explored, walked
