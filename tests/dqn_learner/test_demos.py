"""Learning from demonstrations (DQfD): the margin loss, n-step returns at an episode's end, the reserved
ring that ordinary frames cannot push demonstrations out of, and the demonstrations file."""

from pathlib import Path

import numpy as np
import pytest
import torch

from services.dqn_learner.agent import margin_losses
from services.dqn_learner.demos import DemoStore
from services.dqn_learner.learner import Learner
from services.dqn_learner.observation import N_ACTIONS, SCREEN_SHAPE
from services.dqn_learner.replay import ReplayBuffer
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX, BUTTONS
from shared.errors import DemoFileError
from shared.game.features import N_FEATURES
from shared.messages import ActionSource, Frame
from tests.dqn_learner.helpers import make_frame
from tests.dqn_learner.test_replay import frame_ids, named_screen

H, W = SCREEN_SHAPE
ALL = torch.ones((1, 4), dtype=torch.bool)


# --- the margin loss ------------------------------------------------------------------------


def test_margin_loss_is_zero_when_the_demonstrated_action_leads_by_the_margin() -> None:
    q = torch.tensor([[2.0, 1.0, 1.2, 0.0]])
    assert margin_losses(q, torch.tensor([0]), ALL, margin=0.8).item() == pytest.approx(0.0)


def test_margin_loss_is_positive_when_another_action_is_within_the_margin_or_ahead() -> None:
    q = torch.tensor([[2.0, 1.0, 1.5, 0.0]])
    # action 2 comes within 0.5 of the demonstrated 0: 1.5 + 0.8 - 2.0
    assert margin_losses(q, torch.tensor([0]), ALL, margin=0.8).item() == pytest.approx(0.3)
    # the demonstrated action 1 is behind: max(2.0 + 0.8) - 1.0
    assert margin_losses(q, torch.tensor([1]), ALL, margin=0.8).item() == pytest.approx(1.8)


def test_margin_loss_ignores_buttons_that_are_not_legal() -> None:
    q = torch.tensor([[2.0, 1.0, 9.0, 0.0]])
    legal = torch.tensor([[True, True, False, True]])
    assert margin_losses(q, torch.tensor([0]), legal, margin=0.8).item() == pytest.approx(0.0)


def test_margin_loss_gradient_pushes_the_demonstrated_action_up_and_the_rival_down() -> None:
    q = torch.tensor([[1.0, 2.0, 0.0, 0.5]], requires_grad=True)
    margin_losses(q, torch.tensor([0]), ALL, margin=0.8).sum().backward()
    assert q.grad is not None
    assert q.grad[0, 0] < 0  # descending the loss raises Q(s, a_E)
    assert q.grad[0, 1] > 0  # and lowers the action that beat it
    assert q.grad[0, 2] == 0 and q.grad[0, 3] == 0


# --- n-step returns at an episode's end ------------------------------------------------------


def _buffer(n_step: int, gamma: float = 0.5) -> ReplayBuffer:
    return ReplayBuffer(100, 1, N_FEATURES, N_ACTIONS, SCREEN_SHAPE, n_step=n_step, gamma=gamma)


def _add(buffer: ReplayBuffer, step: int, reward: float, done: bool = False, first: bool = False) -> None:
    screen = np.frombuffer(named_screen(step), dtype=np.uint8).reshape(H, W)
    features = np.zeros(N_FEATURES, np.float32)
    legal = np.ones(N_ACTIONS, bool)
    buffer.add("0", screen, features, legal, continues=not first, action=None if first else 0, reward=reward, done=done)


@pytest.mark.parametrize("terminated", [True, False])
def test_n_step_returns_stop_at_the_episode_end(terminated: bool) -> None:
    """Three transitions, the episode ends after them (terminated or truncated), n = 5: the first holds three
    rewards; terminated, nothing is bootstrapped; truncated, the last frame's value is, at gamma^3."""
    buffer = _buffer(n_step=5)
    _add(buffer, 0, 0.0, first=True)
    _add(buffer, 1, 1.0)
    _add(buffer, 2, 2.0)
    _add(buffer, 3, 4.0, done=terminated)
    _add(buffer, 10, 0.0, first=True)  # the next episode starts a chain: nothing of it joins the old returns
    _add(buffer, 11, 100.0)
    batch = buffer.sample(64)
    assert batch.nstep is not None
    for row in range(64):
        key = frame_ids(batch.next_screens[row])[-1]
        boot = frame_ids(batch.nstep.next_screens[row])[-1]
        total, discount = float(batch.nstep.rewards[row]), float(batch.nstep.discounts[row])
        if key == 1:
            assert (total, boot) == (1.0 + 0.5 * 2.0 + 0.25 * 4.0, 3)
            assert discount == (0.0 if terminated else 0.125)
        elif key == 3:
            assert (total, boot, discount) == (4.0, 3, 0.0 if terminated else 0.5)
        elif key == 11:
            assert (total, boot, discount) == (100.0, 11, 0.5)  # still open: a 1-step return so far


# --- the reserved ring -------------------------------------------------------------------------


def _settings(**overrides: object) -> LearnerSettings:
    values: dict[str, object] = {
        "frame_stack": 2,
        "buffer_capacity": 64,
        "demo_capacity": 32,
        "demo_batch_share": 0.25,
        "learning_starts": 10**6,
        "tensorboard": False,
        "n_step": 3,
    }
    values.update(overrides)
    return LearnerSettings.model_validate(values)


def _frame(step: int, source: ActionSource, **fields: object) -> Frame:
    frame = make_frame(step, screen=named_screen(step), reward=float(step), **fields)  # type: ignore[arg-type]
    return frame.model_copy(update={"action_source": source})


def test_demonstrations_survive_the_main_ring_wrapping_and_keep_their_share_of_batches() -> None:
    learner = Learner(_settings(), torch.device("cpu"))
    # steps 1..9: the DQN plays; 10..14: a plan (demonstrations); then 500 ordinary steps wrap the 64-frame ring
    for step in range(1, 515):
        learner.observe(_frame(step, ActionSource.LLM if 10 <= step <= 14 else ActionSource.DQN))
    assert learner.buffer.demos == 0, "the main ring has overwritten the plan's steps"
    assert learner.demos is not None and learner.demos.buffer.demos == 5
    assert learner.values()["buffer/demos_reserved"] == 5

    batch = learner._sample()
    assert len(batch.actions) == 32
    assert batch.demo.tolist() == [False] * 24 + [True] * 8
    for row in range(24, 32):
        obs, nxt = frame_ids(batch.screens[row]), frame_ids(batch.next_screens[row])
        assert nxt[-1] in range(10, 15)
        assert obs == [nxt[-1] - 2, nxt[-1] - 1]  # its stack: the two frames before it, whoever chose them
        assert batch.rewards[row] == float(nxt[-1])
        assert batch.actions[row] == BUTTON_INDEX[BUTTONS[4]]  # make_frame's UP
        # n-step returns run over the plan's steps and stop where the plan did
        boot = frame_ids(batch.nstep.next_screens[row])[-1]
        assert boot == min(nxt[-1] + 2, 14)


def test_only_the_sources_named_are_demonstrations() -> None:
    learner = Learner(_settings(demo_sources="rules,dashboard"), torch.device("cpu"))
    for step, source in enumerate([ActionSource.LLM, ActionSource.RULES, ActionSource.DQN, ActionSource.DASHBOARD], 1):
        learner.observe(_frame(step, source))
    assert learner.buffer.demos == 2
    assert learner.demos is not None and learner.demos.buffer.demos == 2
    assert learner.values()["buffer/demo_share"] == pytest.approx(2 / 3, abs=1e-3)


def test_a_batch_with_demonstrations_reports_the_margin_loss() -> None:
    learner = Learner(_settings(), torch.device("cpu"))
    for step in range(1, 80):
        learner.observe(_frame(step, ActionSource.LLM if step % 3 else ActionSource.DQN))
    stats = learner.train_step()
    assert stats.demo_share >= 0.25
    assert stats.margin_loss > 0  # an untrained network does not lead with the demonstrated button by 0.8


# --- the demonstrations file ---------------------------------------------------------------------


def test_the_demonstrations_file_round_trips_and_seeds_a_new_learner(tmp_path: Path) -> None:
    path = tmp_path / "demos.npz"
    learner = Learner(_settings(demos=path), torch.device("cpu"))
    for step in range(1, 40):
        learner.observe(_frame(step, ActionSource.LLM if 5 <= step <= 20 else ActionSource.DQN))
    learner.save_demos()

    again = Learner(_settings(demos=path, seed=7), torch.device("cpu"))
    assert again.demos is not None and again.demos.buffer.demos == 16
    assert again.demos.buffer.capacity == 32
    batch = again.demos.buffer.sample(64)
    assert batch.demo.all()
    assert {frame_ids(s)[-1] for s in batch.next_screens} <= set(range(5, 21))
    # a sampled stack is the frames that were stored, in the reloaded ring too
    for screens, nxt in zip(batch.screens, batch.next_screens, strict=True):
        assert frame_ids(screens) == [frame_ids(nxt)[-1] - 2, frame_ids(nxt)[-1] - 1]


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04 truncated zip"])
def test_a_damaged_demonstrations_file_is_refused_with_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "demos.npz"
    path.write_bytes(content)
    with pytest.raises(DemoFileError, match=r"demos\.npz is not a demonstrations file or is damaged") as info:
        Learner(_settings(demos=path), torch.device("cpu"))
    assert "\n" not in str(info.value)


def test_a_demonstrations_file_of_another_stack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demos.npz"
    learner = Learner(_settings(demos=path), torch.device("cpu"))
    learner.observe(_frame(1, ActionSource.LLM))
    learner.observe(_frame(2, ActionSource.LLM))
    learner.save_demos()
    with pytest.raises(DemoFileError, match=r"stacks of 2 screens .* this learner uses 4"):
        DemoStore.load(path, 4, N_FEATURES, N_ACTIONS)


# --- which plans' steps are demonstrations (`demo_filter`) ---------------------------------------------


def _plan_frame(step: int, plan: str | None, reward: float = 0.0, **fields: object) -> Frame:
    """A frame of a plan's step (source llm, the plan's id) or, with `plan` None, the DQN's."""
    source = ActionSource.LLM if plan is not None else ActionSource.DQN
    frame = make_frame(step, screen=named_screen(step), reward=reward, **fields)  # type: ignore[arg-type]
    return frame.model_copy(update={"action_source": source, "plan": plan})


def test_consecutive_plans_are_held_as_one_run_and_are_demonstrations_up_to_the_step_that_made_progress() -> None:
    learner = Learner(_settings(buffer_capacity=256), torch.device("cpu"))
    learner.observe(_plan_frame(1, None))
    for step in range(2, 6):  # plan "walk": four steps, a few new tiles (0.02 each), nothing else
        learner.observe(_plan_frame(step, "walk", reward=0.02))
    assert len(learner.buffer) == 0 and learner.values()["demos/frames_held"] == 4  # not judged yet
    for step in range(6, 8):  # plan "door": a new plan of the same run; nothing reached yet
        learner.observe(_plan_frame(step, "door"))
    assert len(learner.buffer) == 0 and learner.values()["demos/frames_held"] == 6
    learner.observe(_plan_frame(8, "door", reward=1.0, milestone="new_map"))  # the walk and the door reach it
    assert learner.values()["demos/frames_held"] == 0 and learner.buffer.demos == 7
    learner.observe(_plan_frame(9, "door"))  # past the milestone: a new run, held
    learner.observe(_plan_frame(10, None))  # the DQN plays: that run is over without progress
    assert len(learner.buffer) == 9 and learner.buffer.demos == 7
    assert learner.demos is not None and learner.demos.buffer.demos == 7
    assert learner.values()["demos/runs_progress"] == 1 and learner.values()["demos/runs_no_progress"] == 1
    demo_steps = {frame_ids(s)[-1] for s in learner.demos.buffer.sample(64).next_screens}
    assert demo_steps == {2, 3, 4, 5, 6, 7, 8}


def test_a_runs_reward_at_the_threshold_counts_as_progress_without_a_milestone() -> None:
    learner = Learner(_settings(demo_min_reward=0.5), torch.device("cpu"))
    learner.observe(_plan_frame(1, None))
    for step in range(2, 4):
        learner.observe(_plan_frame(step, "talk", reward=0.25))  # a story event's worth, over two steps
    assert learner.buffer.demos == 2 and learner.values()["demos/frames_held"] == 0
    for step in range(4, 6):
        learner.observe(_plan_frame(step, "stroll", reward=0.2))
    learner.observe(_plan_frame(6, None))
    assert learner.buffer.demos == 2
    assert learner.values()["demos/runs_progress"] == 1 and learner.values()["demos/runs_no_progress"] == 1


def test_plans_the_learner_played_between_are_judged_apart() -> None:
    learner = Learner(_settings(demo_min_reward=0.5), torch.device("cpu"))
    learner.observe(_plan_frame(1, None))
    learner.observe(_plan_frame(2, "a", reward=0.3))
    learner.observe(_plan_frame(3, None))  # the DQN's step ends the run: 0.3 alone is no progress
    learner.observe(_plan_frame(4, "b", reward=0.3))
    learner.observe(_plan_frame(5, None))
    assert learner.buffer.demos == 0
    assert learner.values()["demos/runs_no_progress"] == 2


def test_a_run_cut_by_the_episodes_end_or_a_gap_is_judged_there() -> None:
    learner = Learner(_settings(buffer_capacity=256), torch.device("cpu"))
    learner.observe(_plan_frame(1, None))
    learner.observe(_plan_frame(2, "last", milestone="badge", reward=10.0))
    learner.observe(_plan_frame(3, "last", terminated=True))  # the episode's last frame: nothing comes after it
    assert learner.values()["demos/frames_held"] == 0 and learner.buffer.demos == 1
    assert learner.values()["demos/runs_no_progress"] == 1
    learner.observe(_plan_frame(4, None, episode=1))
    learner.observe(_plan_frame(5, "lost", episode=1))
    learner.observe(_plan_frame(9, "lost", episode=1))  # frames 6-8 lost: the run's steps end at the gap
    assert learner.values()["demos/runs_no_progress"] == 2 and learner.values()["demos/frames_held"] == 1


def test_with_the_filter_off_every_plan_step_is_a_demonstration_at_once() -> None:
    learner = Learner(_settings(demo_filter=False), torch.device("cpu"))
    learner.observe(_plan_frame(1, None))
    for step in range(2, 6):
        learner.observe(_plan_frame(step, "walk"))
    assert learner.buffer.demos == 4 and learner.values()["demos/frames_held"] == 0
