"""`evaluate()`: greedy episodes of a real checkpoint on the real demo cartridge, summed into eval Episodes."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.dqn_learner.evaluate import EvalReport, default_checkpoint_dir, evaluate, load_policy
from services.dqn_learner.observation import N_ACTIONS, SCREEN_SHAPE
from shared.buttons import BUTTONS, Button
from shared.errors import CheckpointError, ConfigError
from shared.game.config import Goal
from shared.game.episode import MILESTONES
from shared.game.features import N_FEATURES
from shared.messages import Episode
from shared.settings import GameSettings
from shared.video import FRAME_MS
from tests.dqn_learner.checkpoint_help import write_checkpoint

pytestmark = pytest.mark.timeout(180)


def game(tmp_path: Path, **changes: object) -> GameSettings:
    """The tiny world's game (any game will do here), with `changes`."""
    return GameSettings(data_dir=tmp_path / "data", **{"world": "tiny", **changes})


def test_a_fresh_checkpoint_plays_n_greedy_episodes_summed_consistently(tmp_path: Path) -> None:
    settings = game(tmp_path, goal=Goal.NEW_MAP, episode_steps=6)
    write_checkpoint(default_checkpoint_dir(settings.data_dir))
    seen: list[Episode] = []
    report = evaluate(settings, 3, progress=seen.append)

    assert report.updates == 56 and report.env_steps == 1234
    assert Path(report.checkpoint).name == "checkpoint-0000000056.pt"
    assert seen == report.episodes and [e.episode for e in report.episodes] == [0, 1, 2]
    assert [e.seed for e in report.episodes] == [0, 1, 2]  # N episodes, N seeded starts
    for episode in report.episodes:
        assert episode.eval and episode.env == "eval"
        assert (episode.updates, episode.env_steps) == (56, 1234)
        assert episode.steps == 6 and episode.truncated and not episode.terminated  # no new map in 6 steps
        assert episode.total_reward == pytest.approx(sum(episode.components.values()))
        assert sum(episode.sources.values()) == pytest.approx(1.0)
        assert set(episode.sources) <= {"dqn", "rules"}
        assert episode.furthest_map == "New Bark Town"
    summary = report.summary
    returns = [e.total_reward for e in report.episodes]
    assert summary.episodes == 3 and summary.steps_mean == 6 and summary.terminated == 0
    assert summary.return_mean == pytest.approx(sum(returns) / 3)
    assert list(summary.milestones)[: len(MILESTONES)] == list(MILESTONES)
    assert all(rate.reached == 0 and rate.median_step is None for rate in summary.milestones.values())

    again = EvalReport.model_validate_json(report.model_dump_json())
    assert again.episodes == report.episodes and again.summary == summary
    assert json.loads(report.model_dump_json())["summary"]["return_mean"] == pytest.approx(summary.return_mean)


def test_greedy_plays_the_best_legal_button_the_network_names(tmp_path: Path) -> None:
    """START is the network's favourite but forbidden before the first Pokémon: LEFT, its second, is played."""
    settings = game(tmp_path, episode_steps=3)
    favourite = write_checkpoint(tmp_path / "a", prefer=(Button.START, Button.LEFT))
    idle = write_checkpoint(tmp_path / "b", prefer=(Button.B,))
    walked = evaluate(settings, 1, favourite).episodes[0]
    pressed_b = evaluate(settings, 1, idle).episodes[0]

    assert walked.sources == {"dqn": 1.0}  # never replaced by the rules: START was not chosen
    # three steps left from the start are three new tiles; B moves nowhere
    assert walked.components["new_tile"] == pytest.approx(3 * settings.rewards.new_tile)
    assert pressed_b.components.get("new_tile", 0.0) == 0.0


def test_greedy_plays_only_the_buttons_the_checkpoint_was_trained_with(tmp_path: Path) -> None:
    """SELECT is the network's favourite and every button legal: a checkpoint of a learner with the default
    `no_select` plays B, its second; one of a learner that plays every button presses SELECT."""
    rng = np.random.default_rng(0)
    screens = np.zeros((1, 4, *SCREEN_SHAPE), dtype=np.uint8)
    features = np.zeros((1, N_FEATURES), dtype=np.float32)
    legal = np.ones((1, N_ACTIONS), dtype=bool)
    played = {}
    for buttons in ("no_select", "all"):
        policy = load_policy(write_checkpoint(tmp_path / buttons, prefer=(Button.SELECT, Button.B), buttons=buttons))
        played[buttons] = BUTTONS[int(policy.agent.act(screens, features, legal, 0.0, rng)[0][0])]
    assert played == {"no_select": Button.B, "all": Button.SELECT}


def test_milestone_rates_are_shares_and_median_steps(tmp_path: Path) -> None:
    def episode(i: int, milestones: dict[str, int]) -> Episode:
        return Episode(env="eval", episode=i, eval=True, steps=50, total_reward=float(i), milestones=milestones)

    report = EvalReport(
        checkpoint="c",
        updates=1,
        env_steps=2,
        episodes=[
            episode(0, {"first_pokemon": 10, "new_map": 20, "map:Route 29": 20}),
            episode(1, {"first_pokemon": 14}),
            episode(2, {"first_pokemon": 30}),
            episode(3, {}),
        ],
    )
    rates = report.milestones()
    assert list(rates) == [*MILESTONES, "map:Route 29"]
    assert (rates["first_pokemon"].reached, rates["first_pokemon"].median_step) == (0.75, 14)
    assert (rates["new_map"].reached, rates["new_map"].median_step) == (0.25, 20)
    assert (rates["badge"].reached, rates["badge"].median_step) == (0.0, None)
    assert report.summary.return_median == 1.5


def test_video_is_one_readable_gif_per_episode_one_picture_per_step(tmp_path: Path) -> None:
    settings = game(tmp_path, episode_steps=5)
    checkpoint = write_checkpoint(tmp_path / "c", prefer=(Button.A,))  # the screen barely changes: A at nothing
    report = evaluate(settings, 2, checkpoint, video_dir=tmp_path / "video")

    gifs = sorted((tmp_path / "video").glob("*.gif"))
    assert [g.name for g in gifs] == ["eval-0000000056-episode-000.gif", "eval-0000000056-episode-001.gif"]
    for gif, episode in zip(gifs, report.episodes, strict=True):
        with Image.open(gif) as image:
            assert image.n_frames == episode.steps + 1  # the start screen, then one per step
            durations = []
            for index in range(image.n_frames):
                image.seek(index)
                durations.append(image.info["duration"])
            assert durations == [FRAME_MS] * image.n_frames
            assert image.size == (160, 144 + 12)


def test_newest_usable_checkpoint_is_chosen_and_nothing_is_moved(tmp_path: Path) -> None:
    directory = tmp_path / "checkpoints"
    write_checkpoint(directory, updates=10)
    (directory / "checkpoint-0000000020.pt").write_bytes(b"half a file")
    policy = load_policy(checkpoint_dir=directory)
    assert policy.updates == 10
    assert (directory / "checkpoint-0000000020.pt").exists()  # a running learner's file is left alone

    with pytest.raises(CheckpointError, match="unusable"):
        load_policy(directory / "checkpoint-0000000020.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_policy(directory / "checkpoint-0000000099.pt")
    with pytest.raises(CheckpointError, match="no checkpoint in"):
        load_policy(checkpoint_dir=tmp_path / "empty")


def test_an_evaluation_without_a_time_limit_is_refused(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "c")
    with pytest.raises(ConfigError, match="--episode-steps"):
        evaluate(game(tmp_path, episode_steps=0), 1, checkpoint)


def test_the_anti_stuck_rule_plays_only_when_asked_and_every_press_is_counted(tmp_path: Path) -> None:
    """A network that presses B forever never moves: alone it stays put; with the rule, the rule walks it away after
    `stuck_patience` steps, and the episode says how often (its presses are the `anti_stuck` source)."""
    settings = game(tmp_path, episode_steps=40, stuck_patience=10)
    idle = write_checkpoint(tmp_path / "idle", prefer=(Button.B,))
    alone = evaluate(settings, 2, idle)
    helped = evaluate(settings, 2, idle, anti_stuck=True)

    assert not alone.anti_stuck and helped.anti_stuck
    assert all(e.anti_stuck == 0 and e.sources == {"dqn": 1.0} for e in alone.episodes)
    assert alone.summary.anti_stuck_presses == 0
    for episode in helped.episodes:
        assert episode.anti_stuck >= 3  # 40 steps, at most 10 without progress before each press
        assert episode.sources["anti_stuck"] == pytest.approx(episode.anti_stuck / 40)
    assert helped.summary.anti_stuck_presses == sum(e.anti_stuck for e in helped.episodes)


def test_episodes_of_one_deterministic_policy_are_one_trajectory(tmp_path: Path) -> None:
    """The demo has no chance: five greedy episodes from one start are one game, and the summary says so."""
    settings = game(tmp_path, episode_steps=8)
    walker = write_checkpoint(tmp_path / "walker", prefer=(Button.LEFT,))
    idle = write_checkpoint(tmp_path / "idle", prefer=(Button.B,))
    five = evaluate(settings, 5, walker)
    assert five.summary.trajectories == 1 and len({e.fingerprint for e in five.episodes}) == 1
    assert len(five.episodes[0].fingerprint) == 16
    assert evaluate(settings, 1, idle).episodes[0].fingerprint != five.episodes[0].fingerprint
