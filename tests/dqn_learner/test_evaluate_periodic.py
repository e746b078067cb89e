"""Evaluation while training: the learner's hook starts a low-priority subprocess that publishes eval Episodes."""

import os
import time
from pathlib import Path

import pytest
import redis

from services.dqn_learner.checkpoints import checkpoint_path
from services.dqn_learner.periodic_eval import EVAL_NICE, PeriodicEval
from services.dqn_learner.settings import LearnerSettings
from shared.keys import Keys
from shared.messages import Episode
from tests.dqn_learner.checkpoint_help import write_checkpoint

pytestmark = pytest.mark.timeout(180)


def test_every_k_updates_an_evaluation_publishes_eval_episodes_of_the_environments_game(
    tmp_path: Path, redis_url: str, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the game comes from the environment the learner passes on, as `crystal-rl run` and compose set it
    monkeypatch.setenv("CRL_EPISODE_STEPS", "3")
    settings = LearnerSettings(
        redis_url=redis_url, data_dir=tmp_path / "data", key_prefix="t:", eval_every_updates=5, eval_episodes=2
    )
    directory = tmp_path / "data" / "dqn_learner" / "checkpoints"
    written: list[int] = []

    def checkpoint() -> Path:
        written.append(10)
        return write_checkpoint(directory, updates=10, frames_seen=400)

    hook = PeriodicEval(settings, directory, checkpoint)
    hook.after_update(4)
    assert not hook.running and hook.started == 0 and written == []
    hook.after_update(10)
    assert hook.started == 1 and written == [10]
    assert hook.running and _nice(hook) == EVAL_NICE
    hook.after_update(15)  # the previous one still plays: skipped, not queued
    assert (hook.started, hook.skipped) == (1, 1)

    deadline = time.monotonic() + 150
    while hook.running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hook._process is not None and hook._process.returncode == 0
    entries = redis_client.xrange(Keys("t:").episodes)
    episodes = [Episode.from_fields(fields) for _, fields in entries]
    assert [e.episode for e in episodes] == [0, 1]
    assert all(e.eval and e.env == "eval" and e.steps == 3 and e.truncated for e in episodes)
    assert all((e.updates, e.env_steps) == (10, 400) for e in episodes)


def test_a_checkpoint_already_written_at_that_update_is_evaluated_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = LearnerSettings(data_dir=tmp_path, eval_every_updates=5)
    directory = tmp_path / "checkpoints"
    write_checkpoint(directory, updates=5)
    hook = PeriodicEval(settings, directory, lambda: pytest.fail("a second checkpoint was written"))
    commands: list[list[str]] = []
    monkeypatch.setattr(hook, "start", lambda path: commands.append(hook.command(path)))
    hook.after_update(5)
    (command,) = commands
    assert command[command.index("--checkpoint") + 1] == str(checkpoint_path(directory, 5))
    assert command[command.index("--episodes") + 1] == "2" and "--publish" in command


def test_zero_turns_evaluations_off(tmp_path: Path) -> None:
    hook = PeriodicEval(
        LearnerSettings(data_dir=tmp_path, eval_every_updates=0), tmp_path, lambda: pytest.fail("checkpointed")
    )
    hook.after_update(10_000)
    assert hook.started == 0


def _nice(hook: PeriodicEval) -> int:
    assert hook._process is not None
    return os.getpriority(os.PRIO_PROCESS, hook._process.pid)
