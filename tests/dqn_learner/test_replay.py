"""The replay buffer: each screen stored once, and every sampled stack exactly the screens the learner observed.

The property test plays random interleavings of several envs (uneven rates, episodes ended
by termination or truncation, lost frames, redeliveries, frames without an action) into a
ring small enough to wrap many times, through `Learner.observe` as the service does. Each
screen names its frame, so a sampled stack can be read back and compared with the
observation `FrameStacker` built when the frame arrived.
"""

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pytest
import torch

from services.dqn_learner.learner import Learner
from services.dqn_learner.observation import N_ACTIONS, SCREEN_SHAPE
from services.dqn_learner.replay import ReplayBuffer
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX, BUTTONS
from shared.game.features import N_FEATURES
from shared.messages import Frame
from tests.dqn_learner.helpers import make_frame

H, W = SCREEN_SHAPE


def named_screen(frame_id: int) -> bytes:
    """A screen that names its frame: the id in its first four bytes."""
    screen = np.full(H * W, frame_id % 251, dtype=np.uint8)
    screen[:4] = np.frombuffer(np.uint32(frame_id).tobytes(), dtype=np.uint8)
    return screen.tobytes()


def frame_ids(screens: np.ndarray) -> list[int]:
    """The frame ids of a (k, H, W) stack, oldest first."""
    head = np.ascontiguousarray(screens.reshape(len(screens), H * W)[:, :4])
    return head.view("<u4")[:, 0].tolist()


@dataclass
class EnvPlay:
    step: int
    episode: int = 0
    ended: bool = False
    last: Frame | None = None


def random_frames(rng: np.random.Generator, n: int, envs: list[str]) -> list[Frame]:
    """`n` frames of `envs` interleaved at uneven rates, frame i showing the screen named i."""
    plays = {env: EnvPlay(step=int(rng.integers(1, 1_000))) for env in envs}
    rates = rng.dirichlet(np.ones(len(envs)))
    frames = []
    for frame_id in range(n):
        env = envs[int(rng.choice(len(envs), p=rates))]
        play = plays[env]
        event = rng.random()
        if play.last is not None and not play.ended and event < 0.03:
            # redelivered (with a screen of its own, so every stored entry is told apart)
            frames.append(play.last.model_copy(update={"screen": named_screen(frame_id)}))
            continue
        if play.ended:
            play.episode, play.ended = play.episode + 1, False
        play.step += 2 if event < 0.06 else 1  # now and then a frame is lost
        end = rng.random()
        legal = rng.random(N_ACTIONS) < 0.6
        legal[rng.integers(N_ACTIONS)] = True
        frame = make_frame(
            play.step,
            env=env,
            action=None if rng.random() < 0.03 else BUTTONS[int(rng.integers(N_ACTIONS))],
            reward=float(frame_id),
            episode=play.episode,
            legal=tuple(bool(b) for b in legal),
            terminated=end < 0.04,
            truncated=0.04 <= end < 0.08,
            screen=named_screen(frame_id),
            x=frame_id % 64,
            y=frame_id % 37,
        )
        play.ended = frame.terminated or frame.truncated
        play.last = frame
        frames.append(frame)
    return frames


@dataclass(frozen=True)
class Expected:
    """A transition as the learner saw it: its two observations' stacks (frame ids) and the rest."""

    obs_ids: list[int]
    next_ids: list[int]
    action: int
    done: bool
    features: np.ndarray
    next_features: np.ndarray
    next_legal: np.ndarray
    chain: list[int]
    """Frame ids of the transitions of its chain from itself on, as they arrived (filled in as they do)."""


def nstep_of(want: Expected, expected: dict[int, Expected], n: int, gamma: float) -> tuple[float, int, float]:
    """The reference n-step return of a transition: (discounted reward sum, bootstrap frame id, discount)."""
    total, discount = 0.0, 1.0
    for i, key in enumerate(want.chain[:n]):
        total += discount * float(key)  # the test's rewards are the frame ids
        discount *= gamma
        if expected[key].done:
            return total, key, 0.0
        if i == n - 1 or key == want.chain[-1]:
            return total, key, discount
    raise AssertionError("a chain always holds its own transition")


@pytest.mark.parametrize("n_step", [1, 3])
@pytest.mark.parametrize("frame_stack", [1, 2, 4])
@pytest.mark.parametrize("seed", range(4))
def test_sampled_stacks_equal_the_observed_frames_across_wraparound_episodes_and_envs(
    seed: int, frame_stack: int, n_step: int
) -> None:
    rng = np.random.default_rng(seed)
    capacity = 60
    settings = LearnerSettings(
        seed=seed,
        frame_stack=frame_stack,
        buffer_capacity=capacity,
        learning_starts=10**6,
        tensorboard=False,
        n_step=n_step,
    )
    learner = Learner(settings, torch.device("cpu"))
    frames = random_frames(rng, 600, ["a", "b", "c"])
    origin: dict[int, Frame] = {}
    expected: dict[int, Expected] = {}
    order: list[int] = []
    """Frame id of every stored entry, in the order stored."""
    previous = {}
    chains: dict[str, list[Expected]] = {}
    """Per env, the transitions of its open chain (a frame that completes none ends it)."""
    for frame in frames:
        obs = learner.observe(frame)
        frame_id = frame_ids(obs.screens)[-1]
        origin[frame_id] = frame
        order.append(frame_id)
        if not (obs.continues and frame.action is not None):
            chains[frame.env] = []
        else:
            before = previous[frame.env]
            expected[frame_id] = Expected(
                frame_ids(before.screens),
                frame_ids(obs.screens),
                BUTTON_INDEX[frame.action],
                frame.terminated,
                before.features,
                obs.features,
                obs.legal,
                chain=[],
            )
            chains[frame.env].append(expected[frame_id])
            for open_one in chains[frame.env]:
                open_one.chain.append(frame_id)
            if frame.terminated:
                chains[frame.env] = []
        previous[frame.env] = obs
    assert len(order) > 8 * capacity  # the ring wrapped many times

    position = {frame_id: i for i, frame_id in enumerate(order)}
    oldest_held = len(order) - capacity
    held = {i for i, e in expected.items() if position[i] >= oldest_held}
    gamma = settings.gamma
    returns = {i: nstep_of(expected[i], expected, n_step, gamma) for i in held}
    sampleable = {
        i
        for i in held
        if min(position[j] for j in expected[i].obs_ids) >= oldest_held
        and min(position[j] for j in expected[returns[i][1]].obs_ids) >= oldest_held
    }
    assert len(learner.buffer) == len(held)
    assert len(sampleable) > capacity // 2

    batch = learner.buffer.sample(20 * capacity)
    seen = set()
    for row in range(len(batch.actions)):
        obs_ids, next_ids = frame_ids(batch.screens[row]), frame_ids(batch.next_screens[row])
        key = next_ids[-1]
        seen.add(key)
        want = expected[key]
        assert (obs_ids, next_ids) == (want.obs_ids, want.next_ids)
        # no stack mixes envs or episodes, and within one the steps run on (the oldest screen may repeat)
        stacked = [origin[i] for i in dict.fromkeys(obs_ids + next_ids)]
        assert len({(f.env, f.episode) for f in stacked}) == 1, stacked
        assert all(b.step == a.step + 1 for a, b in pairwise(stacked))
        assert not any(f.terminated or f.truncated for f in stacked[:-1])  # nothing follows an episode's last
        assert batch.actions[row] == want.action
        assert batch.rewards[row] == float(key)
        assert batch.dones[row] == float(want.done)
        np.testing.assert_array_equal(batch.features[row], want.features)
        np.testing.assert_array_equal(batch.next_features[row], want.next_features)
        np.testing.assert_array_equal(batch.next_legal[row], want.next_legal)
        if n_step == 1:
            assert batch.nstep is None
            continue
        total, last, discount = returns[key]
        boot = expected[last]
        assert batch.nstep.rewards[row] == pytest.approx(total, rel=1e-5)
        assert batch.nstep.discounts[row] == pytest.approx(discount, rel=1e-5)
        assert frame_ids(batch.nstep.next_screens[row]) == boot.next_ids
        np.testing.assert_array_equal(batch.nstep.next_features[row], boot.next_features)
        np.testing.assert_array_equal(batch.nstep.next_legal[row], boot.next_legal)
    assert seen == sampleable  # every transition whose screens are all still held, and no other


def test_a_transition_costs_one_screen_so_a_million_fit_in_8_gb() -> None:
    buffer = ReplayBuffer(1_000, 4, N_FEATURES, N_ACTIONS, SCREEN_SHAPE)
    assert H * W <= buffer.bytes_per_transition <= 7 * 1024
    assert 1_000_000 * buffer.bytes_per_transition < 8e9
    assert buffer.nbytes == 1_000 * buffer.bytes_per_transition
    assert buffer.used_bytes == 0
    screen, features, legal = np.zeros((H, W), np.uint8), np.zeros(N_FEATURES, np.float32), np.ones(N_ACTIONS, bool)
    for _ in range(250):
        buffer.add("0", screen, features, legal, continues=True, action=0)
    assert buffer.used_bytes == buffer.nbytes // 4
    assert len(buffer) == 249  # the first frame only starts the chain


def test_sampling_an_empty_or_too_small_ring_says_what_is_wrong() -> None:
    buffer = ReplayBuffer(3, 4, N_FEATURES, N_ACTIONS, SCREEN_SHAPE)
    with pytest.raises(ValueError, match="holds no transition"):
        buffer.sample(1)
    screen, features, legal = np.zeros((H, W), np.uint8), np.zeros(N_FEATURES, np.float32), np.ones(N_ACTIONS, bool)
    for _ in range(10):
        buffer.add("0", screen, features, legal, continues=True, action=0)
    assert len(buffer) == 3  # stored, but every stack reaches back past the ring's 3 screens
    with pytest.raises(ValueError, match="too small for stacks of 4"):
        buffer.sample(1)
