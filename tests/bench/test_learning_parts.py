"""The learning benchmark's parts that a long run would get wrong silently: which checkpoint stands for which
point of the budget, SB3's network being the learner's network, and the demonstrator finding the badge."""

import json
import random
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from rich.console import Console
from stable_baselines3 import DQN
from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack

from bench import harness, learning
from bench.learning_sb3 import dqn_arguments, make_env
from bench.learning_system import _Keeper
from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.network import QNetwork
from services.dqn_learner.settings import LearnerSettings
from services.llm_planner.plan import AnswerLimits, plan_schema
from services.llm_planner.prompt import describe_state
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.settings import GameSettings
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
    env = VecFrameStack(DummyVecEnv([lambda: make_env(game, tmp_path / "boot", hyper.playable)]), hyper.frame_stack)
    try:
        model = DQN("MultiInputPolicy", env, device="cpu", seed=0, **dqn_arguments(hyper, 1000))
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
    screens = torch.as_tensor(obs["screen"]).permute(0, 3, 1, 2)  # VecFrameStack stacks last, newest last
    features = torch.as_tensor(obs["features"])[:, -learners.n_features :]
    with torch.no_grad():
        expected = learners(screens, features)
        got = model.q_net(observation)
    assert isinstance(env.observation_space, gym.spaces.Dict)
    assert got.shape == (1, 7)
    torch.testing.assert_close(got, expected)


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
    seed 2 (the cheap agents, on the real game core; the tiny world, as `make bench ARGS="--world tiny"` picks it)."""
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results")
    monkeypatch.setenv("CRL_WORLD", "tiny")
    results = learning.run(
        budget=1000, seeds=1, episodes=1, console=Console(quiet=True), agents=("untrained", "random"), first_seed=2
    )
    (written,) = (tmp_path / "results").glob("learning-*.json")
    assert json.loads(written.read_text()) == results
    assert results["settings"]["first_seed"] == 2 and results["seeds_done"] == 1
    assert {(point["agent"], point["seed"]) for point in results["points"]} == {("untrained", 2), ("random", 2)}
    assert set(results["timings_s"]["untrained"]) == {"2"} and set(results["timings_s"]["random"]) == {"2"}
    assert written.with_suffix(".png").stat().st_size > 0
