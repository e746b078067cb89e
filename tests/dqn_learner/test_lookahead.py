"""The update's parts made ahead: TD targets from a lagged copy of the online network, batches on a thread of their
own, and the network's pixel scale folded into its first convolution."""

import threading

import numpy as np
import pytest
import torch

from services.dqn_learner.agent import DQNAgent
from services.dqn_learner.lookahead import LookAhead
from services.dqn_learner.network import QNetwork
from services.dqn_learner.observation import N_ACTIONS, SCREEN_SHAPE
from services.dqn_learner.replay import Batch
from shared.game.features import N_FEATURES

H, W = SCREEN_SHAPE


def _agent() -> DQNAgent:
    torch.manual_seed(0)
    return DQNAgent(QNetwork(2), torch.device("cpu"), learning_rate=1e-3, gamma=0.9, max_grad_norm=10.0)


def _batch(seed: int, b: int = 8) -> Batch:
    rng = np.random.default_rng(seed)
    legal = np.ones((b, N_ACTIONS), dtype=bool)
    features = rng.random((b, N_FEATURES), dtype=np.float32)
    return Batch(
        rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8), features, rng.integers(0, N_ACTIONS, size=b),
        rng.random(b).astype(np.float32), rng.integers(0, 256, size=(b, 2, H, W), dtype=np.uint8), features,
        np.zeros(b, np.float32), legal, legal, np.zeros(b, dtype=bool),
    )  # fmt: skip


def test_the_scale_in_the_first_convolution_is_the_same_function() -> None:
    torch.manual_seed(1)
    network = QNetwork(4)
    rng = np.random.default_rng(1)
    screens = torch.from_numpy(rng.integers(0, 256, size=(3, 4, H, W), dtype=np.uint8))
    features = torch.from_numpy(rng.random((3, N_FEATURES), dtype=np.float32))
    with torch.no_grad():
        scaled = network.screen_fc(network.conv(screens.float() / 255.0))
        expected = network.head(torch.cat((scaled, network.feature_fc(features)), dim=1))
        torch.testing.assert_close(network(screens, features), expected, rtol=1e-5, atol=1e-5)


def test_targets_ahead_pick_with_the_network_the_update_began_from() -> None:
    """While the optimizer writes the online network, targets made ahead read the lagged copy: the same targets
    as the online network's before the write, and again the online network's once the update is done."""
    agent = _agent()
    batch = _batch(2)
    torch.testing.assert_close(agent.targets(batch, ahead=True), agent.targets(batch))
    before = agent.targets(batch)
    with torch.no_grad():  # the optimizer mid-step, as the look-ahead thread may see it
        for p in agent.q_network.parameters():
            p.mul_(-1.0)
    torch.testing.assert_close(agent.targets(batch, ahead=True), before)
    assert not torch.allclose(agent.targets(batch)[0], before[0])
    agent.update(batch)
    for lagged, online in zip(agent.lagged.parameters(), agent.q_network.parameters(), strict=True):  # type: ignore[union-attr]
        assert torch.equal(lagged, online)


def test_an_update_with_targets_made_ahead_equals_one_that_makes_its_own() -> None:
    first, second = _agent(), _agent()
    for seed in range(3):
        batch = _batch(seed)
        assert first.update(batch, first.targets(batch, ahead=True)).loss == pytest.approx(second.update(batch).loss)
    for a, b in zip(first.q_network.parameters(), second.q_network.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_the_look_ahead_prepares_one_batch_ahead_and_raises_its_failures_where_it_is_taken() -> None:
    agent = _agent()
    sampled: list[int] = []
    started = threading.Event()

    def sample() -> Batch:
        sampled.append(len(sampled))
        if len(sampled) == 3:
            raise RuntimeError("the buffer broke")
        return _batch(len(sampled))

    ahead = LookAhead(sample, agent, started.set)
    try:
        batch, targets = ahead.take()
        assert started.is_set() and len(targets) == 1 and np.array_equal(batch.screens, _batch(1).screens)
        batch, _ = ahead.take()  # prepared while the first was in use
        assert np.array_equal(batch.screens, _batch(2).screens)
        with pytest.raises(RuntimeError, match="the buffer broke"):
            ahead.take()
        assert len(sampled) <= 4, "never more than one batch ahead"
    finally:
        ahead.stop()
    assert ahead._thread is None


def test_a_learner_with_the_look_ahead_trains_on_its_batches_and_stops_it() -> None:
    from services.dqn_learner.learner import Learner
    from services.dqn_learner.settings import LearnerSettings
    from shared.buttons import Button
    from tests.dqn_learner.helpers import make_frame

    settings = LearnerSettings(lookahead=True, learning_starts=40, batch_size=8, buffer_capacity=200,
                               tensorboard=False, frame_stack=2, n_step=3)  # fmt: skip
    learner = Learner(settings, torch.device("cpu"))
    assert learner.lookahead is not None
    for step in range(80):
        learner.observe(make_frame(step, action=Button.LEFT, reward=float(step % 3 == 0)))
    losses = [learner.train_step().loss for _ in range(5)]
    assert learner.agent.updates == 5 and all(np.isfinite(losses))
    assert learner.lookahead._thread is not None and learner.agent.lagged is not None
    learner.lookahead.stop()
    assert learner.lookahead._thread is None
