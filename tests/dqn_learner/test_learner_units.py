"""Pure units of the learner: schedule, masking, Double-DQN target, target update, stacking, checkpoints.

The replay buffer has its own file (`test_replay.py`).
"""

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from services.dqn_learner.agent import (
    DQNAgent,
    double_dqn_targets,
    linear_schedule,
    masked_argmax,
    random_legal_actions,
)
from services.dqn_learner.checkpoints import list_checkpoints, load_latest, save_checkpoint
from services.dqn_learner.learner import Learner
from services.dqn_learner.network import QNetwork
from services.dqn_learner.observation import N_ACTIONS, SCREEN_SHAPE, FrameStacker
from services.dqn_learner.replay import Batch, NStep, ReplayBuffer
from services.dqn_learner.settings import LearnerSettings
from services.dqn_learner.stats import learner_counters
from services.dqn_learner.trainer import TrainingThread
from shared.buttons import BUTTON_INDEX, Button
from shared.errors import MessageError
from shared.game.features import FEATURE_NAMES, N_FEATURES, state_features
from tests.dqn_learner.helpers import make_frame, make_state

H, W = SCREEN_SHAPE


def make_agent(frame_stack: int = 2, seed: int = 0) -> DQNAgent:
    torch.manual_seed(seed)
    return DQNAgent(QNetwork(frame_stack), torch.device("cpu"), learning_rate=1e-3, gamma=0.9, max_grad_norm=10.0)


# --- schedule and masking ---------------------------------------------------------------


def test_linear_schedule_falls_then_stays_flat() -> None:
    assert linear_schedule(1.0, 0.1, 100, 0) == pytest.approx(1.0)
    assert linear_schedule(1.0, 0.1, 100, 50) == pytest.approx(0.55)
    assert linear_schedule(1.0, 0.1, 100, 100) == pytest.approx(0.1)
    assert linear_schedule(1.0, 0.1, 100, 10_000) == pytest.approx(0.1)


def test_masked_argmax_never_picks_an_illegal_action() -> None:
    q = torch.tensor([[9.0, 1.0, 2.0], [-5.0, -1.0, 7.0]])
    legal = torch.tensor([[False, True, True], [True, True, False]])
    assert masked_argmax(q, legal).tolist() == [2, 1]


def test_random_legal_actions_cover_only_legal_buttons() -> None:
    rng = np.random.default_rng(0)
    legal = np.zeros((2000, N_ACTIONS), dtype=bool)
    legal[:, [1, 4, 6]] = True
    actions = random_legal_actions(legal, rng)
    assert set(actions.tolist()) == {1, 4, 6}


@pytest.mark.parametrize("epsilon", [0.0, 0.5, 1.0])
def test_agent_act_respects_the_mask_greedy_and_exploring(epsilon: float) -> None:
    agent = make_agent()
    rng = np.random.default_rng(1)
    b = 64
    screens = rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8)
    features = rng.random((b, N_FEATURES), dtype=np.float32)
    legal = rng.random((b, N_ACTIONS)) < 0.4
    legal[np.arange(b), rng.integers(0, N_ACTIONS, size=b)] = True
    actions, greedy_q = agent.act(screens, features, legal, epsilon, rng)
    assert actions.shape == (b,)
    assert legal[np.arange(b), actions].all()
    assert np.isfinite(greedy_q).all()


def test_agent_act_greedy_is_argmax_of_legal_q() -> None:
    agent = make_agent()
    rng = np.random.default_rng(2)
    screens = rng.integers(0, 256, size=(3, 2, H, W), dtype=np.uint8)
    features = rng.random((3, N_FEATURES), dtype=np.float32)
    legal = np.ones((3, N_ACTIONS), dtype=bool)
    q = agent.q_values(screens, features)
    legal[np.arange(3), q.argmax(axis=1)] = False  # forbid the unmasked winner
    actions, _ = agent.act(screens, features, legal, 0.0, rng)
    expected = np.where(legal, q, -np.inf).argmax(axis=1)
    assert actions.tolist() == expected.tolist()


@pytest.mark.parametrize("epsilon", [0.0, 1.0])
def test_an_agent_never_plays_a_button_outside_its_own(epsilon: float) -> None:
    """SELECT left out (the default): never chosen, greedy or exploring, even where its Q is the highest;
    a row whose only legal button is one the agent does not play still gets an answer."""
    torch.manual_seed(0)
    agent = DQNAgent(
        QNetwork(2), torch.device("cpu"), learning_rate=1e-3, gamma=0.9, max_grad_norm=10.0,
        playable=LearnerSettings().playable,
    )  # fmt: skip
    rng = np.random.default_rng(3)
    b = 400
    screens = rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8)
    features = rng.random((b, N_FEATURES), dtype=np.float32)
    legal = np.ones((b, N_ACTIONS), dtype=bool)
    legal[0] = False
    legal[0, BUTTON_INDEX[Button.SELECT]] = True
    with torch.no_grad():
        agent.actor.head[-1].bias[BUTTON_INDEX[Button.SELECT]] += 1e6  # SELECT would win every greedy choice
    actions, _ = agent.act(screens, features, legal, epsilon, rng)
    assert actions[0] == BUTTON_INDEX[Button.SELECT]
    assert BUTTON_INDEX[Button.SELECT] not in actions[1:].tolist()
    if epsilon:
        assert len(set(actions[1:].tolist())) == 7, "exploring draws from every button the agent plays"


# --- Double DQN -------------------------------------------------------------------------


def test_double_dqn_target_uses_online_argmax_and_target_value() -> None:
    next_q_online = torch.tensor([[1.0, 5.0, 3.0], [2.0, 0.0, 9.0], [0.0, 0.0, 1.0]])
    next_q_target = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [7.0, 8.0, 9.0]])
    rewards = torch.tensor([1.0, -1.0, 0.5])
    discounts = torch.tensor([0.5, 0.5, 0.0])  # gamma 0.5; row 2 terminal
    # Row 1: action 2 is the online best but illegal, so action 0 (online 2.0) is taken.
    next_legal = torch.tensor([[True, True, True], [True, True, False], [True, True, True]])
    targets = double_dqn_targets(next_q_online, next_q_target, rewards, discounts, next_legal)
    # Row 0: online picks 1 -> target 20 (not the target's own max 30): 1 + 0.5 * 20.
    # Row 1: online picks 0 -> target 40: -1 + 0.5 * 40.  Row 2: terminal, reward only.
    assert targets.tolist() == pytest.approx([11.0, 19.0, 0.5])


def test_plain_dqn_target_takes_the_target_networks_own_legal_max() -> None:
    next_q_target = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    next_legal = torch.tensor([[True, True, True], [True, True, False]])
    targets = double_dqn_targets(None, next_q_target, torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]), next_legal)
    assert targets.tolist() == pytest.approx([16.0, 25.0])  # 1 + 0.5 * 30; 0.5 * 50 (60 is illegal)


@pytest.mark.parametrize("double", [True, False])
def test_the_update_uses_the_target_its_setting_names(double: bool) -> None:
    """The same batch and networks: the update's TD loss is Huber(Q, r + gamma * Q_target(s', a*)) with a* the
    online network's pick (Double DQN) or the target network's own (plain DQN, the ablation)."""
    agent = make_agent()
    agent.double = double
    with torch.no_grad():
        for p in agent.target_network.parameters():  # a target network that disagrees with the online one
            p.mul_(-1.5)
    rng = np.random.default_rng(7)
    b = 16
    screens = rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8)
    next_screens = rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8)
    features = rng.random((b, N_FEATURES), dtype=np.float32)
    legal = np.ones((b, N_ACTIONS), dtype=bool)
    actions = rng.integers(0, N_ACTIONS, size=b)
    rewards = rng.random(b).astype(np.float32)
    batch = Batch(screens, features, actions, rewards, next_screens, features, np.zeros(b, np.float32), legal, legal,
                  np.zeros(b, dtype=bool))  # fmt: skip
    with torch.no_grad():
        s, f, ns = torch.from_numpy(screens), torch.from_numpy(features), torch.from_numpy(next_screens)
        q = agent.q_network(s, f).gather(1, torch.from_numpy(actions).unsqueeze(1)).squeeze(1)
        playable = torch.from_numpy(agent.playing(legal))
        picker = agent.q_network(ns, f) if double else agent.target_network(ns, f)
        best = picker.masked_fill(~playable, float("-inf")).argmax(1)
        target = torch.from_numpy(rewards) + 0.9 * agent.target_network(ns, f).gather(1, best.unsqueeze(1)).squeeze(1)
        expected = torch.nn.functional.smooth_l1_loss(q, target).item()
    assert agent.update(batch).loss == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("epsilon", [0.0, 1.0])
def test_an_agent_without_the_mask_plays_forbidden_buttons_as_a_maskless_learner_does(epsilon: float) -> None:
    agent = make_agent()
    agent.legal_mask = False
    rng = np.random.default_rng(2)
    screens = np.zeros((200, 2, H, W), dtype=np.uint8)
    features = np.zeros((200, N_FEATURES), dtype=np.float32)
    legal = np.ones((200, N_ACTIONS), dtype=bool)
    legal[:, BUTTON_INDEX[Button.START]] = False  # the rules forbid START (before the first Pokémon)
    with torch.no_grad():
        agent.actor.head[-1].bias[BUTTON_INDEX[Button.START]] += 1e6
    actions, _ = agent.act(screens, features, legal, epsilon, rng)
    assert BUTTON_INDEX[Button.START] in actions.tolist()
    assert agent.state_dict()["legal_mask"] is False


def test_hard_target_update_copies_and_soft_update_blends() -> None:
    agent = make_agent()
    with torch.no_grad():
        for p in agent.q_network.parameters():
            p.add_(1.0)
    online = [p.detach().clone() for p in agent.q_network.parameters()]
    before = [p.detach().clone() for p in agent.target_network.parameters()]
    assert not torch.equal(online[0], before[0])

    agent.update_target(tau=0.25)
    for t, o, b in zip(agent.target_network.parameters(), online, before, strict=True):
        torch.testing.assert_close(t, 0.25 * o + 0.75 * b)

    agent.update_target(tau=1.0)
    for t, o in zip(agent.target_network.parameters(), online, strict=True):
        assert torch.equal(t, o)


def test_update_leaves_target_alone_and_fits_a_fixed_batch() -> None:
    agent = make_agent()
    buffer = ReplayBuffer(64, 2, N_FEATURES, N_ACTIONS, SCREEN_SHAPE, seed=0)
    rng = np.random.default_rng(3)
    for _ in range(64):
        buffer.add(
            "0",
            rng.integers(0, 256, size=(H, W), dtype=np.uint8),
            rng.random(N_FEATURES, dtype=np.float32),
            np.ones(N_ACTIONS, dtype=bool),
            continues=True,
            action=int(rng.integers(0, N_ACTIONS)),
            reward=float(rng.choice([0.0, 1.0])),
            done=True,  # terminal: the target is the reward alone, so the loss can reach zero
        )
    target_before = [p.detach().clone() for p in agent.target_network.parameters()]
    batch = buffer.sample(32)
    first = agent.update(batch).loss
    for _ in range(60):
        last = agent.update(batch).loss
    assert agent.updates == 61
    assert last < first / 4
    for t, b in zip(agent.target_network.parameters(), target_before, strict=True):
        assert torch.equal(t, b)


@pytest.mark.parametrize(("n_step_weight", "expected_q"), [(0.0, 0.0), (1.0, 0.5)])
def test_the_n_step_loss_pulls_q_toward_its_return_by_its_weight(n_step_weight: float, expected_q: float) -> None:
    """1-step target 0 (terminal, reward 0), n-step target 1 (reward 1, terminal within n): with equal weights
    the Huber losses' sum is least halfway, with the n-step weight 0 the n-step return is ignored."""
    agent = make_agent()
    agent.n_step_weight = n_step_weight
    rng = np.random.default_rng(5)
    b = 8
    screens = rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8)
    features = rng.random((b, N_FEATURES), dtype=np.float32)
    legal = np.ones((b, N_ACTIONS), dtype=bool)
    actions = np.zeros(b, dtype=np.int64)
    batch = Batch(
        screens=screens,
        features=features,
        actions=actions,
        rewards=np.zeros(b, np.float32),
        next_screens=screens,
        next_features=features,
        dones=np.ones(b, np.float32),
        next_legal=legal,
        legal=legal,
        demo=np.zeros(b, dtype=bool),
        nstep=NStep(
            rewards=np.ones(b, np.float32),
            discounts=np.zeros(b, np.float32),
            next_screens=screens,
            next_features=features,
            next_legal=legal,
        ),
    )
    for _ in range(300):
        agent.update(batch)
    agent.sync_actor()
    q = agent.q_values(screens, features)[:, 0]
    assert q == pytest.approx(np.full(b, expected_q), abs=0.05)


def test_actor_only_changes_on_sync() -> None:
    agent = make_agent()
    rng = np.random.default_rng(4)
    screens = rng.integers(0, 256, size=(1, 2, H, W), dtype=np.uint8)
    features = rng.random((1, N_FEATURES), dtype=np.float32)
    before = agent.q_values(screens, features)
    with torch.no_grad():
        for p in agent.q_network.parameters():
            p.add_(0.1)
    np.testing.assert_array_equal(agent.q_values(screens, features), before)
    agent.sync_actor()
    assert not np.array_equal(agent.q_values(screens, features), before)


@pytest.mark.parametrize("batch", [1, 3])
def test_traced_answers_equal_the_eager_network_for_any_batch(batch: int) -> None:
    agent = make_agent()
    rng = np.random.default_rng(batch)
    screens = rng.integers(0, 256, size=(batch, 2, H, W), dtype=np.uint8)
    features = rng.random((batch, N_FEATURES), dtype=np.float32)
    with torch.no_grad():
        eager = agent.actor(torch.from_numpy(screens), torch.from_numpy(features)).numpy()
    np.testing.assert_allclose(agent.q_values(screens, features), eager, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("priority", ["idle", "low"])
def test_training_thread_runs_at_the_lower_priority(tmp_path: Path, priority: str) -> None:
    settings = LearnerSettings(train_priority=priority, tensorboard=False, buffer_capacity=10)  # type: ignore[arg-type]
    learner = Learner(settings, torch.device("cpu"))
    trainer = TrainingThread(learner, tmp_path, learner_counters())
    me = threading.get_native_id()
    policy, nice = os.sched_getscheduler(me), os.getpriority(os.PRIO_PROCESS, me)
    trainer.start()
    try:
        tid = trainer._thread.native_id
        assert tid is not None

        def lowered() -> bool:
            if priority == "idle":
                return os.sched_getscheduler(tid) == os.SCHED_IDLE
            return os.getpriority(os.PRIO_PROCESS, tid) == min(nice + 10, 19)

        deadline = time.monotonic() + 5
        while not lowered():
            assert time.monotonic() < deadline, f"the training thread never went to priority {priority}"
            time.sleep(0.01)
        # the rest of the process keeps its own
        assert (os.sched_getscheduler(me), os.getpriority(os.PRIO_PROCESS, me)) == (policy, nice)
    finally:
        trainer.stop()


# --- observations -----------------------------------------------------------------------


def test_features_are_normalized_and_named() -> None:
    f = state_features(make_state(x=32, y=64, facing="left", johto_badges=0b11))
    assert f.shape == (len(FEATURE_NAMES),) and f.dtype == np.float32
    named = dict(zip(FEATURE_NAMES, f.tolist(), strict=True))
    assert named["x"] == 0.5 and named["y"] == 1.0
    assert named["facing_left"] == 1.0 and named["facing_down"] == 0.0
    assert named["badges"] == pytest.approx(2 / 16)
    assert named["party_hp_fraction"] == 1.0 and named["battle_overworld"] == 1.0
    assert (f >= 0).all() and (f <= 4).all()


def test_the_story_is_a_feature_that_tells_the_same_tile_before_and_after_a_story_event() -> None:
    """The chapter walks Route 30 both ways on the same tiles: only the story flags tell the walks apart."""
    before, after, done = (state_features(make_state(x=9, y=9, event_flags=n)) for n in (1, 2, 2048))
    story = FEATURE_NAMES.index("event_flags")
    second = FEATURE_NAMES.index("story_2")
    assert not np.array_equal(before, after)
    assert np.array_equal(np.delete(before, [story, second]), np.delete(after, [story, second]))  # nothing else differs
    assert (before[second], after[second]) == (0.0, 1.0)  # the step's own input
    assert 0.05 < after[story] - before[story] < 0.1  # one story event is a clear step early in the game
    assert done[story] == 1.0  # every flag of the game: the top of the feature's range


def test_stacker_slides_on_consecutive_steps_and_resets_on_gaps_and_episodes() -> None:
    stacker = FrameStacker(3)
    first = stacker.push(make_frame(10))
    assert not first.continues and first.screens[:, 0, 0].tolist() == [10, 10, 10]
    second = stacker.push(make_frame(11))
    assert second.continues and second.screens[:, 0, 0].tolist() == [10, 10, 11]
    gap = stacker.push(make_frame(13))
    assert not gap.continues and gap.screens[:, 0, 0].tolist() == [13, 13, 13]
    new_episode = stacker.push(make_frame(14, episode=1))
    assert not new_episode.continues
    duplicate = stacker.push(make_frame(14, episode=1))
    assert not duplicate.continues


@pytest.mark.parametrize("end", ["terminated", "truncated"])
def test_stacker_marks_an_episodes_last_frame_final_and_never_continues_past_it(end: str) -> None:
    stacker = FrameStacker(2)
    assert not stacker.push(make_frame(1)).final
    last = stacker.push(make_frame(2, **{end: True}))
    assert last.continues and last.final
    # even a next frame that keeps the episode number and the step sequence starts afresh
    after = stacker.push(make_frame(3))
    assert not after.continues and not after.final and after.screens[:, 0, 0].tolist() == [3, 3]


def test_bad_screen_and_bad_mask_are_message_errors() -> None:
    stacker = FrameStacker(2)
    frame = make_frame(1)
    with pytest.raises(MessageError, match="screen has 3 bytes"):
        stacker.push(frame.model_copy(update={"screen": b"abc"}))
    with pytest.raises(MessageError, match="legal mask has 2 entries"):
        stacker.push(frame.model_copy(update={"legal": (True, False)}))
    with pytest.raises(MessageError, match="forbids every button"):
        stacker.push(frame.model_copy(update={"legal": (False,) * 8}))
    assert stacker.push(frame.model_copy(update={"legal": ()})).legal.all()


# --- checkpoints ------------------------------------------------------------------------


def test_checkpoint_roundtrip_keeps_the_newest_and_restores_the_agent(tmp_path: Path) -> None:
    agent = make_agent(seed=5)
    for updates in (100, 200, 300, 400):
        agent.updates = updates
        save_checkpoint(tmp_path, updates, {"agent": agent.state_dict(), "counters": {"frames": updates}}, 2)
    assert [p.name for p in list_checkpoints(tmp_path)] == [
        "checkpoint-0000000400.pt",
        "checkpoint-0000000300.pt",
    ]
    assert not list(tmp_path.glob(".checkpoint-*"))  # no temp file left behind

    loaded = load_latest(tmp_path)
    assert loaded is not None and loaded.state["counters"] == {"frames": 400}
    other = make_agent(seed=6)
    other.load_state_dict(loaded.state["agent"])
    assert other.updates == 400
    for a, b in zip(agent.q_network.parameters(), other.q_network.parameters(), strict=True):
        assert torch.equal(a, b)
    for a, b in zip(agent.actor.parameters(), other.actor.parameters(), strict=True):
        assert torch.equal(a, b)


def test_corrupt_checkpoint_is_moved_aside_and_the_previous_loaded(tmp_path: Path) -> None:
    agent = make_agent()
    save_checkpoint(tmp_path, 1, {"agent": agent.state_dict()}, 5)
    newest = save_checkpoint(tmp_path, 2, {"agent": agent.state_dict()}, 5)
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated, as a crash of a non-atomic writer would leave
    loaded = load_latest(tmp_path)
    assert loaded is not None
    assert loaded.path.name == "checkpoint-0000000001.pt"
    assert [p.name for p in loaded.corrupt] == ["checkpoint-0000000002.pt.corrupt"]
    assert (tmp_path / "checkpoint-0000000002.pt.corrupt").exists()
    assert load_latest(tmp_path / "missing") is None


def test_checkpoint_for_another_shape_is_refused() -> None:
    state = make_agent(frame_stack=2).state_dict()
    with pytest.raises(ValueError, match="frame_stack"):
        make_agent(frame_stack=3).load_state_dict(state)


# --- settings and device ----------------------------------------------------------------


def test_settings_refuse_a_rising_epsilon_and_cuda_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from services.dqn_learner.agent import choose_device
    from services.dqn_learner.settings import LearnerSettings
    from shared.errors import ConfigError

    with pytest.raises(ValidationError, match="epsilon_end"):
        LearnerSettings(epsilon_start=0.1, epsilon_end=0.5)
    monkeypatch.setenv("CRL_BATCH_SIZE", "7")
    assert LearnerSettings().batch_size == 7  # every field reads CRL_*
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device("auto") == torch.device("cpu")
    with pytest.raises(ConfigError, match="--device cpu"):
        choose_device("cuda")
