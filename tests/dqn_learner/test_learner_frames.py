"""How `Learner` turns frames into transitions: the frame semantics, episodes, gaps, several envs, the cadence."""

import numpy as np
import pytest
import torch

from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX, Button
from tests.dqn_learner.helpers import make_frame


def make_learner(**overrides: object) -> Learner:
    fields: dict[str, object] = {"frame_stack": 2, "buffer_capacity": 100, "learning_starts": 4, "train_every": 2}
    fields.update(overrides)
    return Learner(LearnerSettings.model_validate(fields), torch.device("cpu"))


def stored(learner: Learner) -> set[tuple[int, int, float, float, int]]:
    """(obs's newest screen value, action, reward, done, next obs's newest screen value) of every stored
    transition, read back through sampling (many more draws than transitions, so each one shows)."""
    batch = learner.buffer.sample(50 * len(learner.buffer))
    return {
        (int(batch.screens[r, -1, 0, 0]), int(batch.actions[r]), float(batch.rewards[r]), float(batch.dones[r]),
         int(batch.next_screens[r, -1, 0, 0]))
        for r in range(len(batch.actions))
    }  # fmt: skip


def test_frame_t_completes_the_transition_from_frame_t_minus_1() -> None:
    learner = make_learner(reward_scale=0.5)
    learner.observe(make_frame(0))
    learner.observe(make_frame(1, action=Button.LEFT, reward=2.0))
    assert len(learner.buffer) == 1  # stored at once: the frame itself says whether it ended the episode
    learner.observe(make_frame(2, action=Button.A, reward=-4.0))
    assert stored(learner) == {
        (0, BUTTON_INDEX[Button.LEFT], 1.0, 0.0, 1),
        (1, BUTTON_INDEX[Button.A], -2.0, 0.0, 2),
    }
    assert learner.transitions == 2 and learner.frames_seen == 3


def test_terminated_is_done_truncated_bootstraps_and_nothing_bridges_two_episodes() -> None:
    learner = make_learner()
    up, b = BUTTON_INDEX[Button.UP], BUTTON_INDEX[Button.B]
    finals = []
    for step in range(10):
        episode = 0 if step <= 3 else 1 if step <= 7 else 2
        frame = make_frame(
            step,
            action=Button.B if step in (3, 7) else Button.UP,
            reward=1.0 if step == 3 else 0.0,
            episode=episode,
            terminated=step == 3,  # the goal: no value after it
            truncated=step == 7,  # the time limit: the game goes on, so its value still counts
        )
        finals.append(learner.observe(frame).final)
    assert finals == [s in (3, 7) for s in range(10)]  # the service answers neither of those
    assert stored(learner) == {
        (0, up, 0.0, 0.0, 1),
        (1, up, 0.0, 0.0, 2),
        (2, b, 1.0, 1.0, 3),  # terminated: done
        (4, up, 0.0, 0.0, 5),
        (5, up, 0.0, 0.0, 6),
        (6, b, 0.0, 0.0, 7),  # truncated: not done, and the next observation is the last frame
        (8, up, 0.0, 0.0, 9),
    }  # and nothing from 3 to 4 or from 7 to 8
    assert len(learner.buffer) == learner.transitions == 7


def test_gaps_duplicates_and_first_frames_make_no_transition() -> None:
    learner = make_learner()
    learner.observe(make_frame(5))
    learner.observe(make_frame(7))  # gap: frame 6 lost
    learner.observe(make_frame(7))  # duplicate (redelivered)
    learner.observe(make_frame(8))
    learner.observe(make_frame(9))
    learner.observe(make_frame(10, action=None))  # no action recorded: nothing to learn from
    learner.observe(make_frame(11))
    assert {(t[0], t[4]) for t in stored(learner)} == {(7, 8), (8, 9), (10, 11)}


def test_envs_are_stacked_and_paired_separately() -> None:
    learner = make_learner()
    for step in range(3):
        learner.observe(make_frame(step, env="a", screen_value=10 + step))
        learner.observe(make_frame(step + 100, env="b", screen_value=50 + step))
    learner.observe(make_frame(3, env="a", screen_value=13))
    pairs = {(t[0], t[4]) for t in stored(learner)}
    assert pairs == {(10, 11), (11, 12), (12, 13), (50, 51), (51, 52)}


def test_reward_clip_and_training_cadence() -> None:
    learner = make_learner(reward_clip=1.0)
    learner.observe(make_frame(0))
    for step in range(1, 7):
        learner.observe(make_frame(step, reward=5.0))
    assert {t[2] for t in stored(learner)} == {1.0}
    # 6 transitions stored; updates owed from the 4th on (warm-up 4), one per 2 transitions.
    assert len(learner.buffer) == 6 and learner.backlog == 1
    assert learner.update_due
    learner.train_step()
    assert not learner.update_due and learner.agent.updates == 1


def test_act_answers_a_batch_with_legal_buttons_and_epsilon_follows_frames() -> None:
    learner = make_learner(epsilon_start=1.0, epsilon_end=0.0, epsilon_decay_frames=10)
    legal = (False, False, False, False, True, False, False, False)
    observations = [learner.observe(make_frame(0, env=str(i), legal=legal)) for i in range(5)]
    actions, q = learner.act(observations)
    assert actions.tolist() == [BUTTON_INDEX[Button.UP]] * 5 and q.shape == (5,)
    assert learner.epsilon == pytest.approx(0.5)


def test_state_roundtrip_restores_counters_and_epsilon() -> None:
    learner = make_learner()
    for step in range(10):
        learner.observe(make_frame(step))
    while learner.update_due:
        learner.train_step()
    state = learner.state_dict()
    fresh = make_learner()
    fresh.load_state_dict(state)
    assert (fresh.frames_seen, fresh.transitions, fresh.agent.updates) == (10, 9, learner.agent.updates)
    assert fresh.epsilon == learner.epsilon
    screens = np.zeros((1, 2, 72, 80), dtype=np.uint8)
    features = np.zeros((1, learner.agent.q_network.n_features), dtype=np.float32)
    learner.agent.sync_actor()
    np.testing.assert_allclose(fresh.agent.q_values(screens, features), learner.agent.q_values(screens, features))


def test_update_backlog_is_capped_and_the_surplus_counted() -> None:
    learner = make_learner(learning_starts=1, train_every=1, max_update_backlog=3, replay_ratio_mode="free")
    for step in range(10):
        learner.observe(make_frame(step))
    assert learner.backlog == 3 and learner.uncounted_transitions == 6  # 9 transitions stored, 3 owed
    assert learner.values()["charts/updates_dropped"] == 6
    learner.train_step()
    learner.observe(make_frame(10))
    assert learner.backlog == 3
