"""The learning benchmark's parts that a long run would get wrong silently: which checkpoint stands for which
point of the budget, SB3's network being the learner's network, and the demonstrator finding the badge."""

import json
import random
import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from rich.console import Console
from stable_baselines3.common.vec_env import DummyVecEnv

from bench import harness, learning, learning_system, report
from bench.learning_episodes import Point, source_shares
from bench.learning_sb3 import PlayedDQN, ScreenStack, SeededResets, dqn_arguments, make_env, make_training_env
from bench.learning_system import _Keeper, emulator_flags, learner_flags
from cartridge.johto.walkthrough import Walkthrough
from cartridge.walkthrough import WALKTHROUGH
from cartridge.worlds import get_world
from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.network import QNetwork
from services.dqn_learner.settings import LearnerSettings
from services.emulator.settings import EmulatorSettings
from services.llm_planner.plan import AnswerLimits, plan_schema
from services.llm_planner.prompt import describe_state
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.messages import Episode
from shared.settings import GameSettings, settings_from_cli
from tests.standins.demonstrator import Demonstrator


def _checkpoint(directory: Path, updates: int, frames_seen: int) -> None:
    state = {"agent": {}, "counters": {"frames_seen": frames_seen, "transitions": frames_seen, "updates": updates}}
    save_checkpoint(directory, updates, state, keep=10)


def test_each_point_keeps_the_first_checkpoint_that_reaches_it_and_the_last_takes_the_rest(tmp_path: Path) -> None:
    directory = tmp_path / "checkpoints"
    keeper = _Keeper(directory, tmp_path / "kept", budget=1000, started=0.0)
    _checkpoint(directory, 10, 240)
    keeper.poll()
    assert keeper.kept == []
    _checkpoint(directory, 20, 260)
    _checkpoint(directory, 30, 530)
    keeper.poll()
    assert [(k.fraction, k.env_steps, k.updates) for k in keeper.kept] == [(0.25, 260, 20), (0.5, 530, 30)]
    _checkpoint(directory, 40, 900)  # the learner's last, written when it stopped short of the budget
    keeper.poll(final=True)
    assert [(k.fraction, k.env_steps) for k in keeper.kept[2:]] == [(0.75, 900), (1.0, 900)]
    assert all(k.path.is_file() for k in keeper.kept)


def test_sb3s_q_network_is_the_learners(tmp_path: Path) -> None:
    hyper = LearnerSettings(buffer_capacity=100)
    game = GameSettings(data_dir=tmp_path, world="tiny")
    env = make_training_env(game, tmp_path / "boot", hyper)
    try:
        model = PlayedDQN("MultiInputPolicy", env, device="cpu", seed=0, **dqn_arguments(hyper, 1000))
        obs = env.reset()
        for _ in range(3):
            obs, *_ = env.step(np.array([4]))
    finally:
        env.close()
    learners = QNetwork(hyper.frame_stack, n_actions=env.action_space.n)
    extractor = model.q_net.features_extractor.network
    learners.load_state_dict(
        {**extractor.state_dict(), **{f"head.{k}": v for k, v in model.q_net.q_net.state_dict().items()}}
    )
    observation, _ = model.policy.obs_to_tensor(obs)
    screens = torch.as_tensor(obs["screen"]).permute(0, 3, 1, 2)  # stacked last, newest last
    features = torch.as_tensor(obs["features"])
    with torch.no_grad():
        expected = learners(screens, features)
        got = model.q_net(observation)
    assert isinstance(env.observation_space, gym.spaces.Dict)
    assert got.shape == (1, 7) and features.shape == (1, learners.n_features)
    torch.testing.assert_close(got, expected)


def test_sb3s_stack_begins_with_the_first_screen_repeated_as_the_learners(tmp_path: Path) -> None:
    """Not VecFrameStack's zeros: the learner's `FrameStacker` fills a new episode's stack with its first screen."""
    hyper = LearnerSettings()
    game = GameSettings(data_dir=tmp_path, world="tiny")
    env = ScreenStack(make_env(game, tmp_path / "boot", hyper.playable, story_features=hyper.story_features), 4)
    try:
        obs, _ = env.reset(seed=0)
        first = obs["screen"][..., 0]
        assert first.any() and all(np.array_equal(obs["screen"][..., i], first) for i in range(4))
        screens = [first]
        for button in ("left", "left", "up"):
            step, *_ = env.step(hyper.playable.index(Button(button)))
            screens.append(step["screen"][..., -1])
        assert np.array_equal(step["screen"], np.stack(screens, axis=-1))
        again, _ = env.reset(seed=0)
        assert np.array_equal(again["screen"], obs["screen"])
    finally:
        env.close()


def test_sb3s_replay_holds_the_button_the_rules_played(tmp_path: Path) -> None:
    """Random actions before the first Pokémon press START, which the rules replace: the buffer keeps theirs."""
    hyper = LearnerSettings(buffer_capacity=200, learning_starts=1000)
    game = GameSettings(data_dir=tmp_path, world="tiny")
    played: list[str] = []

    class Played(gym.Wrapper):
        def step(self, action: object) -> tuple:
            out = self.env.step(action)
            played.append(out[-1]["button"])
            return out

    gym_env = make_env(game, tmp_path / "boot", hyper.playable, story_features=hyper.story_features)
    env = DummyVecEnv([lambda: Played(ScreenStack(gym_env, 4))])
    try:
        model = PlayedDQN("MultiInputPolicy", env, device="cpu", seed=1, **dqn_arguments(hyper, 1000))
        model.learn(total_timesteps=120)
    finally:
        env.close()
    stored = [hyper.playable[int(i)].value for i in model.replay_buffer.actions[:120, 0, 0]]
    assert model.replaced > 0, "random play should have pressed START before the first Pokémon"
    assert [s for s, p in zip(stored, played, strict=True) if p != "select"] == [p for p in played if p != "select"]
    assert model.unplayable == played.count("select")


def test_the_demonstrator_leads_to_the_badge_from_wherever_the_player_stands() -> None:
    """Its buttons, read from the prompt's own lines, earn the badge even with every fourth step a random
    button (the DQN exploring between plans): from off the walkthrough's path it finds the way back."""
    demonstrator = Demonstrator.on_demo_cartridge()
    core = GameCore.start(GameConfig(world="tiny"), boot_cache=GameSettings().boot_cache)
    rng = random.Random(0)
    try:
        for index in range(400):
            if index % 4 == 3:
                button = Button(rng.choice(["up", "down", "left", "right", "a", "b"]))
            else:
                button = Button(demonstrator.buttons(describe_state(core.state), 8)[0])
            if core.step(button).terminated:
                break
        assert core.state.badge_count == 1, f"no badge after {index + 1} steps"
    finally:
        core.close()
    plan = json.loads(demonstrator.plan(plan_schema(list(Button), AnswerLimits(8, 16)), {"messages": []}))
    assert plan["buttons"] == ["a"] and plan["ttl"] == 2  # no situation in the prompt: A, as through text


def test_a_run_from_a_first_seed_plays_and_records_only_its_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--seeds 1 --first-seed 2` adds seed 2 to an earlier run: its points, its timings and its settings say
    seed 2 (the cheap agents, on the real game core; the tiny world, as `make bench ARGS="--world tiny"` picks it).
    `--eval-episode-steps` cuts the judged episodes at its own limit, not the world's 1,000 steps."""
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results")
    monkeypatch.setenv("CRL_WORLD", "tiny")
    results = learning.run(
        budget=1000, seeds=1, episodes=1, console=Console(quiet=True), agents=("untrained", "random"), first_seed=2,
        eval_episode_steps=150,
    )  # fmt: skip
    (written,) = (tmp_path / "results").glob("learning-*.json")
    assert json.loads(written.read_text()) == results
    assert results["settings"]["first_seed"] == 2 and results["seeds_done"] == 1
    assert results["settings"]["eval_episode_steps"] == 150
    untrained = next(point for point in results["points"] if point["agent"] == "untrained")
    assert [(episode["steps"], episode["truncated"]) for episode in untrained["episodes"]] == [(150, True)]
    assert {(point["agent"], point["seed"]) for point in results["points"]} == {("untrained", 2), ("random", 2)}
    assert set(results["timings_s"]["untrained"]) == {"2"} and set(results["timings_s"]["random"]) == {"2"}
    assert written.with_suffix(".png").stat().st_size > 0
    tables = report.render(written)
    assert results["machine"]["commit"] in tables and "seeds 2–2" in tables and "episodes of 150 steps" in tables
    lines = tables.splitlines()
    if any(line.startswith("Story flags set") for line in lines):  # random presses may set one on the tiny world
        start = next(i for i, line in enumerate(lines) if line.startswith("Story flags set"))
        lines = lines[:start] + lines[lines.index("", start + 2) :]
    rows = [line.split(" | ")[:2] for line in lines if line.startswith(("| random", "| untrained"))]
    # how far along the chapter each got in seed 2 (a map's name), with no SB3 in the run to judge against
    assert "| arm | seed 2 | further than sb3_dqn | at Violet City |" in tables
    chapter = [cells for cells in rows if cells[1] not in ("0%", "2")]
    assert sorted(cells[0] for cells in chapter) == ["| random", "| untrained"]
    judged = [line for line in lines if line.split(" | ")[:2] in chapter]
    assert all(line.endswith("| — | 0 of 1 |") for line in judged), judged
    # a point each, and where its episode stalled; neither trains: no row per seed for the badge
    rows = [cells for cells in rows if cells not in chapter]
    assert sorted(rows) == [["| random", "0%"], ["| random", "2"], ["| untrained", "0%"], ["| untrained", "2"]]
    stalled = next(line for line in tables.splitlines() if line.startswith("| untrained | 2 |"))
    stall = r"\| [\d,]+ \((overworld|text|menu|battle|script), .+ \d+,\d+, last press [a-z]+\) \|$"
    assert re.search(stall, stalled), stalled


def test_a_run_stopped_after_a_seed_keeps_that_seeds_json_and_curves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An hours-long run that fails (or is stopped) in its second seed keeps the first seed's results and its PNG."""
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results")
    monkeypatch.setenv("CRL_WORLD", "tiny")
    played = learning._seed

    def second_fails(*args: object, **kwargs: object) -> None:
        if args[4] == 1:  # the seed
            raise RuntimeError("the machine went away")
        played(*args, **kwargs)

    monkeypatch.setattr(learning, "_seed", second_fails)
    with pytest.raises(RuntimeError, match="went away"):
        learning.run(budget=1000, seeds=2, episodes=1, console=Console(quiet=True), agents=("untrained",),
                     eval_episode_steps=50)  # fmt: skip
    (written,) = (tmp_path / "results").glob("learning-*.json")
    kept = json.loads(written.read_text())
    assert kept["seeds_done"] == 1 and {point["seed"] for point in kept["points"]} == {0}
    assert written.with_suffix(".png").stat().st_size > 0


def test_the_report_gives_the_training_ratio_and_refuses_what_is_not_a_result(tmp_path: Path) -> None:
    bench = tmp_path / "bench-1.json"
    training = {"sb3": {"steps_per_s": 80.0}, "system": {"1": {"steps_per_s": 120.0, "samples_per_step": 8.0}},
                "system_same_targets": {"steps_per_s": 130.0}, "ratio": 1.5, "ratio_same_targets": 1.625}  # fmt: skip
    bench.write_text(json.dumps({"machine": {"commit": "abc1234"}, "figures": {"training": training, "x": {"y": 1}}}))
    tables = report.render(bench)
    assert "| the system, 1 env(s) | 120.0 | 8.0 | None |" in tables and "**1.5**" in tables and "| x.y | 1 |" in tables
    assert "CPU ms per env step" not in tables, "no profile, no CPU table"
    # with py-spy's samples: 4,500 steps measured; SB3 18 s of CPU (4 ms a step), the system 27 + 9 s (8 ms)
    profiled = {**training, "steps": 6000, "learning_starts": 1000, "margin": 500}
    profiled["sb3"] = {"steps_per_s": 200.0, "profile": {"sb3": {"seconds": 18.0}}}
    threads = {"thread (7): dqn-train": 2 / 3, "thread (6): MainThread": 1 / 3}
    profiled["system"] = {"1": {"steps_per_s": 150.0, "samples_per_step": 8.0, "profile": {
        "learner": {"seconds": 27.0, "threads": threads}, "emulator": {"seconds": 9.0, "threads": {}}}}}  # fmt: skip
    bench.write_text(json.dumps({"machine": {"commit": "abc1234"}, "figures": {"training": profiled}}))
    tables = report.render(bench)
    assert "| SB3 DQN, its one process | 4.0 | 0.8 |" in tables
    assert "| the system's learner: its training thread | 4.0 | 0.6 |" in tables
    assert "| the system, learner and emulator | 8.0 | 1.2 |" in tables
    assert "two cores allow at most 250 env steps/s: **1.25** of SB3's rate" in tables
    other = tmp_path / "other.json"
    other.write_text("{}")
    with pytest.raises(SystemExit, match="neither a learning run"):
        report.render(other)
    other.write_text("not json")
    with pytest.raises(SystemExit, match="not a readable JSON result"):
        report.render(other)


def test_sb3s_greedy_episodes_start_from_the_seeds_the_systems_do(tmp_path: Path) -> None:
    """Episode i from seed i, as `evaluate` plays the system's: SB3's vector env resets unseeded after the first."""
    hyper = LearnerSettings()
    game = GameSettings(data_dir=tmp_path, world="tiny")
    env = SeededResets(make_env(game, tmp_path / "boot", hyper.playable, story_features=hyper.story_features))
    try:
        assert [env.reset()[1]["seed"] for _ in range(3)] == [0, 1, 2]
    finally:
        env.close()


def test_each_demonstrator_arm_gives_the_learner_its_filter_and_names_its_demonstrator() -> None:
    hyper = LearnerSettings()
    for arm, given in learning.ARMS.items():
        flags = learner_flags(hyper.model_copy(update=given.learner), checkpoint_every=10)
        unfiltered = arm.endswith("_unfiltered") or arm == "demo_mixed"
        assert ("--no-demo-filter" in flags) == unfiltered, arm
        assert ("--demo-filter" in flags) == (not unfiltered), arm
        assert (given.demonstrator is not None) == arm.startswith(("demo_", "smollm2_")), arm
        assert ("--no-story-features" in flags) == (arm in ("no_story", "demo_no_story")), arm
    arms = ["smollm2_unfiltered", "demo_dqfd", "demo_mixed", "demo_no_story", "system", "sb3_dqn"]
    fairness = learning.fairness(hyper, None, arms)
    assert [fairness[arm]["demonstrator"] for arm in fairness] == [
        "smollm2", "walkthrough", "walkthrough, 1 press, every 4 steps, for 100% of the budget", "walkthrough", None,
        None,
    ]  # fmt: skip
    assert [fairness[arm]["story_features"] for arm in arms] == [True, True, True, False, True, True]


def test_the_mixed_arm_interleaves_the_walkthrough_with_the_dqn_through_the_whole_budget(tmp_path: Path) -> None:
    """Asked for a press every 4 steps and never stopped, the walkthrough plays a share of the steps and the DQN the
    rest, in every part of the run (the real learner, emulator, planner and stand-in host on the tiny world)."""
    given = learning.ARMS["demo_mixed"]
    game = GameSettings(data_dir=tmp_path / "game", world="tiny", episode_steps=100)
    hyper = LearnerSettings(learning_starts=100, epsilon_decay_frames=400).model_copy(update=given.learner)
    trained = learning_system.train(game, hyper, 800, 0, tmp_path / "arm", lambda _: None, 0.0, given.demo_fraction,
                                    "demo_mixed", given.demonstrator, given.demo_interval,
                                    given.demo_plan_steps)  # fmt: skip
    shares = source_shares(trained.episodes)
    assert 0.2 < shares.get("llm", 0.0) < 0.3 and shares.get("dqn", 0.0) > 0.6, shares
    late = [episode for episode in trained.episodes if episode.env_steps > 600]
    assert late and source_shares(late).get("llm", 0.0) > 0.2, "the walkthrough still plays in the run's last quarter"
    assert trained.demonstrations["buffer_demos_reserved"] > 100, "each of its presses is a demonstration"


def test_the_walkthroughs_steps_reach_the_learner_as_demonstrations_through_the_filter(tmp_path: Path) -> None:
    """The walkthrough answers a press or a few at a time: judged as runs of plans, its steps up to each milestone
    are kept (the real learner, emulator, planner and stand-in host on the tiny world), and the report says so."""
    game = GameSettings(data_dir=tmp_path / "game", world="tiny")
    hyper = LearnerSettings(learning_starts=100, epsilon_decay_frames=400)
    trained = learning_system.train(game, hyper, 600, 0, tmp_path / "arm", lambda _: None, 0.0, 1.0, "demo_dqfd",
                                    "walkthrough")  # fmt: skip
    kept = trained.demonstrations
    assert set(kept) == set(learning_system.DEMO_COUNTERS)
    assert kept["demos_runs_progress"] >= 1 and kept["buffer_demos_reserved"] > 0
    assert source_shares(trained.episodes).get("llm", 0.0) > 0.5  # the walkthrough played its budget
    results = {"settings": {"budget": 600, "seeds": 1, "first_seed": 0, "eval_episodes": 1}, "points": [],
               "demonstrations": {"demo_dqfd": {"0": kept}}}  # fmt: skip
    written = tmp_path / "learning-1.json"
    written.write_text(json.dumps(results))
    row = next(line for line in report.render(written).splitlines() if line.startswith("| demo_dqfd | 0 |"))
    assert f"| {int(kept['demos_runs_progress']):,} |" in row


def test_the_idle_arms_train_with_the_idle_cost_and_say_so(tmp_path: Path) -> None:
    """The emulator an idle arm trains with is told the cost (and parses it); the others are told 0; the fairness
    settings name it."""
    game = GameSettings(data_dir=tmp_path, world="tiny")
    for arm in ("idle_cost", "demo_idle", "system", "demo_dqfd"):
        flags = emulator_flags(learning.ARMS[arm].played(game, training=True), 100, 0)
        cost = learning.IDLE_COST["idle_press"] if arm.endswith("idle") or arm == "idle_cost" else 0.0
        assert f"--rewards.idle-press={cost}" in flags, arm
        parsed = settings_from_cli(EmulatorSettings, [f for f in flags if f.startswith("--rewards.")])
        assert parsed.rewards.idle_press == cost, arm
    fairness = learning.fairness(LearnerSettings(), None, ["demo_idle", "demo_dqfd"])
    assert fairness["demo_idle"]["rewards"] == learning.IDLE_COST and fairness["demo_dqfd"]["rewards"] == {}


def test_the_fairness_table_has_a_column_for_what_any_arm_was_given() -> None:
    """An older run's SB3 arm recorded no `rewards`: its cell says so instead of the report failing on it."""
    settings = {
        "budget": 10,
        "first_seed": 0,
        "seeds": 1,
        "eval_episodes": 1,
        "fairness": {"demo_idle": {"n_step": 10, "rewards": learning.IDLE_COST}, "sb3_dqn": {"n_step": 1}},
    }
    lines = report.learning_tables({"settings": settings, "points": []}, "run.json")  # fmt: skip
    assert "| arm | n_step | rewards |" in lines
    assert "| demo_idle | 10 | {'idle_press': -0.02} |" in lines and "| sb3_dqn | 1 | — |" in lines


def test_the_mask_arms_train_and_are_evaluated_with_the_idle_mask(tmp_path: Path) -> None:
    game = GameSettings(data_dir=tmp_path, world="tiny")
    for arm in ("idle_mask", "demo_mask", "system"):
        played = learning.ARMS[arm].played(game)
        on = arm.endswith("_mask")
        assert played.game.idle_mask is on, arm  # what evaluate_kept builds the core from
        flags = emulator_flags(played, 100, 0)
        assert ("--idle-mask" if on else "--no-idle-mask") in flags, arm
        assert settings_from_cli(EmulatorSettings, [f for f in flags if "idle-mask" in f]).idle_mask is on, arm
    fairness = learning.fairness(LearnerSettings(), None, ["demo_mask", "sb3_dqn"])
    assert fairness["demo_mask"]["game"] == learning.IDLE_MASK and fairness["sb3_dqn"]["game"] == {}


def _episode(*maps: str, start: str = "Players House 1F") -> Episode:
    """A greedy episode that began in `start` and then entered `maps` in order."""
    return Episode(env="eval", episode=0, eval=True, steps=len(maps), total_reward=0.0,
                   furthest_map=maps[-1] if maps else start,
                   milestones={f"map:{name}": step for step, name in enumerate(maps, start=1)})  # fmt: skip


def test_how_far_along_the_chapter_is_the_latest_story_map_most_episodes_entered() -> None:
    chapter = get_world("johto").chapter
    assert report.stage(_episode(), chapter) == 0, "the house it begins in"
    walked = _episode("New Bark Town", "Elms Lab", "New Bark Town", "Route 29", "Cherrygrove Pokecenter 1F")
    assert chapter[report.stage(walked, chapter)] == "Route 29", "a side room and a way back count for nothing"
    assert report.most_reached([5, 2, 0]) == 2 and report.most_reached([4, 4, 1, 0, 9]) == 4
    assert report.most_reached([3]) == 3


def test_the_report_judges_the_chapter_targets_per_seed_from_the_episodes() -> None:
    """Further than SB3 is per seed, by what most of the last point's episodes reached; an earlier point that got
    further counts for nothing."""
    to_violet = _episode("New Bark Town", "Route 29", "Cherrygrove City", "Route 30", "Route 31", "Violet City")
    episodes = {
        ("system", 0, 1.0): [_episode("New Bark Town", "Elms Lab")] * 2 + [_episode()],
        ("system", 1, 0.5): [_episode("New Bark Town", "Elms Lab", "Route 29")] * 3,
        ("system", 1, 1.0): [_episode("New Bark Town")] * 3,
        ("demo_dqfd", 0, 1.0): [to_violet] * 2 + [_episode("New Bark Town")],
        ("demo_dqfd", 1, 1.0): [_episode("New Bark Town", "Route 29", "Cherrygrove City")] * 3,
        ("sb3_dqn", 0, 1.0): [_episode()] * 3,
        ("sb3_dqn", 1, 1.0): [_episode("New Bark Town")] * 3,
    }
    points = [Point(agent=agent, seed=seed, fraction=fraction, env_steps=1, wall_s=1.0, episodes=played).model_dump()
              for (agent, seed, fraction), played in episodes.items()]  # fmt: skip
    settings = {"budget": 10, "first_seed": 0, "seeds": 2, "eval_episodes": 3, "game": {"world": "johto"}}
    lines = report.learning_tables({"settings": settings, "points": points}, "run.json")
    assert "| arm | seed 0 | seed 1 | further than sb3_dqn | at Violet City |" in lines
    assert "| system | Elms Lab | New Bark Town | 1 of 2 | 0 of 2 |" in lines
    assert "| demo_dqfd | Violet City | Cherrygrove City | 2 of 2 | 1 of 2 |" in lines
    assert "| sb3_dqn | Players House 1F | New Bark Town | — | 0 of 2 |" in lines


def test_the_report_judges_further_than_sb3_at_every_point_not_only_the_last() -> None:
    """A lead at 50 % lost by 100 % shows as 1 of 2 points; points are matched by their share of the budget, and an
    arm with no point SB3 has (random, at 0 %) is left out."""
    episodes = {
        ("system", 0, 0.5): [_episode("New Bark Town", "Route 29")] * 3,
        ("system", 0, 1.0): [_episode("New Bark Town")] * 3,
        ("system", 1, 0.5): [_episode()] * 3,
        ("system", 1, 1.0): [_episode("New Bark Town", "Route 29", "Cherrygrove City")] * 2 + [_episode()],
        ("sb3_dqn", 0, 0.5): [_episode("New Bark Town")] * 3,
        ("sb3_dqn", 0, 1.0): [_episode("New Bark Town")] * 3,
        ("sb3_dqn", 1, 0.5): [_episode()] * 3,
        ("sb3_dqn", 1, 1.0): [_episode("New Bark Town")] * 3,
        ("random", 0, 0.0): [_episode("New Bark Town", "Route 29")] * 3,
    }
    points = [Point(agent=agent, seed=seed, fraction=fraction, env_steps=1, wall_s=1.0, episodes=played).model_dump()
              for (agent, seed, fraction), played in episodes.items()]  # fmt: skip
    settings = {"budget": 10, "first_seed": 0, "seeds": 2, "eval_episodes": 3, "game": {"world": "johto"}}
    lines = report.learning_tables({"settings": settings, "points": points}, "run.json")
    assert "| arm | 50% | 100% | all points |" in lines
    assert "| system | 1 of 2 | 1 of 2 | 2 of 4 |" in lines, "seed 0 ahead at 50 %, seed 1 at 100 %; ties count not"
    assert not any(line.startswith("| random | ") and "of 4" in line for line in lines)


@pytest.mark.parametrize("world", ["tiny", "johto"])
def test_a_worlds_chapter_is_the_order_its_walkthrough_first_enters_those_maps(world: str) -> None:
    """The report's measure of progress must follow the story: the walkthrough to the badge enters every map of the
    chapter, first in the chapter's order."""
    chapter = get_world(world).chapter
    core = GameCore(*start_machine(resolve_rom(None, world=world)), anti_stuck=False)
    script = iter(WALKTHROUGH)
    policy = Walkthrough()
    entered = [core.state.map_name]
    try:
        for _ in range(4_000):
            if world == "tiny":
                button = next(script, None)
                if button is None:
                    break
            else:
                button = policy.next_button(core.machine.pyboy.memory)
            step = core.step(Button(button))
            if step.facts.new_map:
                entered.append(step.view.state.map_name)
            if step.facts.badges:
                break
    finally:
        core.close()
    assert [name for name in dict.fromkeys(entered) if name in chapter] == list(chapter), entered


def test_the_report_gives_the_story_flags_most_episodes_set() -> None:
    """The EGG taken back to ELM enters no new map: the story flags show it. A run recorded before them has no such
    table."""
    back = _episode("Route 30", "Mr Pokemons House")
    back.milestones.update({"story:8": 1, "story:9": 2, "story:10": 3})
    out = _episode("Route 30", "Mr Pokemons House")
    out.milestones.update({"story:8": 1, "story:9": 2})
    settings = {"budget": 10, "first_seed": 0, "seeds": 1, "eval_episodes": 3, "game": {"world": "johto"}}

    def tables(*played: Episode) -> list[str]:
        point = Point(agent="demo_dqfd", seed=0, fraction=1.0, env_steps=1, wall_s=1.0, episodes=list(played))
        return report.learning_tables({"settings": settings, "points": [point.model_dump()]}, "run.json")

    assert report.story_flags(back) == 10 and report.story_flags(_episode()) == 0
    assert "| demo_dqfd | 10 |" in tables(back, back, out)
    assert "| demo_dqfd | 9 |" in tables(back, out, out), "the most that 2 of 3 set"
    assert not any(line.startswith("Story flags") for line in tables(_episode(), _episode(), _episode()))
