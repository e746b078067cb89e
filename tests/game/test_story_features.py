"""The story steps' features: an input of its own for each of the story's first steps, given by default and taken
away only when asked (the learner's `story_features`, the Gymnasium env's, an ablation), and remembered by a checkpoint
for its evaluations."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from cartridge.johto.walkthrough import Walkthrough
from crystal_rl.env import CrystalEnv
from services.dqn_learner.evaluate import load_policy
from services.dqn_learner.observation import FrameStacker
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.game.episode import EpisodeRecord
from shared.game.features import FEATURE_NAMES, STORY_STEPS, state_features
from shared.game.state import GameState
from shared.messages import Frame
from shared.settings import GameSettings
from tests.dqn_learner.checkpoint_help import features_shown, write_checkpoint

pytestmark = pytest.mark.timeout(120)

BASE = GameState(map_group=24, map_number=4, x=5, y=5, facing="down", money=3000, johto_badges=0, kanto_badges=0)
STORY = [FEATURE_NAMES.index(f"story_{k}") for k in range(1, STORY_STEPS + 1)]
FLAGS = FEATURE_NAMES.index("event_flags")


def story(flags: int, given: bool = True) -> list[float]:
    return state_features(BASE.model_copy(update={"event_flags": flags}), story=given)[STORY].tolist()


@pytest.fixture
def core() -> Iterator[GameCore]:
    """The johto world, whose start has a story flag set already (the tiny world's has none)."""
    game = GameCore.start(GameConfig(world="johto", episode_steps=6), boot_cache=GameSettings().boot_cache,
                          anti_stuck=False)  # fmt: skip
    yield game
    game.close()


def test_each_story_step_flips_an_input_of_its_own() -> None:
    assert story(0) == [0.0] * STORY_STEPS
    assert story(8) == [1.0] * 8 + [0.0] * 8 and story(9) == [1.0] * 9 + [0.0] * 7
    assert sum(a != b for a, b in zip(story(8), story(9), strict=True)) == 1, "one flag more: one input"
    assert story(300) == [1.0] * STORY_STEPS, "past the first steps, the log-scaled count goes on alone"
    assert story(9, given=False) == [0.0] * STORY_STEPS, "taken away: zeros"
    eight, nine = (state_features(BASE.model_copy(update={"event_flags": n}))[FLAGS] for n in (8, 9))
    assert 0 < nine - eight < 0.02, "what the count alone says of the same step"


def test_the_learners_stack_gives_them_unless_taken_away(core: GameCore) -> None:
    frame = Frame.after(core, core.step(Button.LEFT), env="0", step=1)
    flags = frame.state.event_flags
    assert flags > 0
    given = FrameStacker(1).push(frame).features[STORY]
    assert given.tolist() == [float(flags >= k) for k in range(1, STORY_STEPS + 1)], "on by default"
    assert not FrameStacker(1, story=False).push(frame).features[STORY].any(), "the ablation sees none"


@pytest.mark.parametrize("given", [True, False])
def test_an_evaluation_shows_the_network_what_it_was_trained_on(core: GameCore, tmp_path: Path, given: bool) -> None:
    policy = load_policy(write_checkpoint(tmp_path, prefer=(Button.LEFT, Button.RIGHT), story_features=given))
    assert policy.story_features is given
    seen = features_shown(policy, core)
    assert len(seen) == 6 and all(bool(features[STORY].any()) is given for features in seen)


def test_the_gymnasium_env_gives_them_as_the_learner_does() -> None:
    plain, told = CrystalEnv(world="johto", story_features=False), CrystalEnv(world="johto")
    try:
        (plain_obs, _), (told_obs, _) = plain.reset(seed=0), told.reset(seed=0)
        assert not plain_obs["features"][STORY].any() and told_obs["features"][STORY].any()
        assert told.observation_space.contains(told_obs)
    finally:
        plain.close()
        told.close()


def test_an_episode_records_when_each_story_count_was_first_reached() -> None:
    """The walkthrough to the starter sets story flags in ELM's lab; the record names the step of each new count."""
    core = GameCore.start(GameConfig(world="johto"), boot_cache=GameSettings().boot_cache, anti_stuck=False)
    record = EpisodeRecord(seed=core.seed)
    record.begin(core.state)
    policy, first = Walkthrough(), core.state.event_flags
    try:
        while "first_pokemon" not in record.milestones and record.steps < 300:
            record.add(core.step(Button(policy.next_button(core.machine.pyboy.memory))), "rules")
        last = core.state.event_flags
    finally:
        core.close()
    assert last > first and "first_pokemon" in record.milestones
    story = {int(key.removeprefix("story:")): step for key, step in record.milestones.items() if "story:" in key}
    assert max(story) == last and min(story) > first
    assert list(story.values()) == sorted(story.values()), "a higher count, a later step"
