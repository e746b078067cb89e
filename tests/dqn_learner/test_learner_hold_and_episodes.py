"""The learner's hold key and its episodes in TensorBoard, against a real redis-server.

The hold: set past the slack with the TTL, renewed, deleted once half the slack is left, and let go
when training stalls. The episodes: Episode messages published to the `episodes` stream come out
of the learner's TensorBoard event file at x = their env steps, eval ones apart.
"""

import asyncio
from pathlib import Path

import pytest
import redis
import torch
from redis.asyncio import Redis
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from services.dqn_learner import hold as hold_module
from services.dqn_learner.hold import Hold
from services.dqn_learner.learner import Learner
from services.dqn_learner.settings import LearnerSettings
from services.dqn_learner.trainer import training_priority
from shared.messages import Episode
from shared.streams import Publisher, StreamCounters
from tests.dqn_learner.helpers import make_frame
from tests.dqn_learner.test_learner_service import health, learner_settings, running

pytestmark = pytest.mark.timeout(90)

SLACK = 4


def behind(learner: Learner, updates: int) -> None:
    """Frames until `updates` are owed (no trainer runs here)."""
    step = 0
    while learner.backlog < updates:
        learner.observe(make_frame(step, x=step % 10))
        step += 1


async def test_hold_is_set_renewed_and_released_with_the_backlog(redis_url: str, redis_client: redis.Redis) -> None:
    settings = LearnerSettings(
        redis_url=redis_url, tensorboard=False, frame_stack=2, learning_starts=4, train_every=1, batch_size=4,
        hold_slack=SLACK, hold_ttl_ms=300, buffer_capacity=200,
    )  # fmt: skip
    learner = Learner(settings, torch.device("cpu"))
    client = Redis.from_url(redis_url)
    hold = Hold(learner, client, settings, StreamCounters())
    key = settings.keys.hold
    try:
        behind(learner, SLACK)
        await hold.turn()
        assert not redis_client.exists(key), "held at the slack, not past it"

        behind(learner, SLACK + 1)
        await hold.turn()
        assert 0 < redis_client.pttl(key) <= 300
        assert hold.counters()["holds"] == 1 and hold.counters()["holding"] == 1

        await asyncio.sleep(0.25)  # past a third of the TTL: the next turn renews it
        await hold.turn()
        assert redis_client.pttl(key) > 200

        while learner.backlog > SLACK // 2:
            learner.train_step()
            await hold.turn()
            assert redis_client.exists(key) == (learner.backlog > SLACK // 2)
        assert hold.counters() == {"holds": 1, "held_ms": hold.counters()["held_ms"], "holding": 0}
        assert hold.counters()["held_ms"] >= 250
    finally:
        await client.aclose()


async def test_a_stalled_trainer_lets_the_emulators_go(
    redis_url: str, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hold_module, "STALL_S", 0.1)
    settings = LearnerSettings(
        redis_url=redis_url, tensorboard=False, frame_stack=2, learning_starts=4, train_every=1,
        hold_slack=SLACK, buffer_capacity=200,
    )  # fmt: skip
    learner = Learner(settings, torch.device("cpu"))
    client = Redis.from_url(redis_url)
    hold = Hold(learner, client, settings, StreamCounters())
    try:
        behind(learner, SLACK + 1)
        await hold.turn()
        assert redis_client.exists(settings.keys.hold)
        await asyncio.sleep(0.15)  # no update meanwhile: the trainer is stuck
        await hold.turn()
        assert not redis_client.exists(settings.keys.hold)
        await hold.turn()
        assert not redis_client.exists(settings.keys.hold), "no new hold while training makes no progress"
    finally:
        await client.aclose()


@pytest.mark.parametrize(("mode", "priority"), [("hold", "normal"), ("free", "idle")])
def test_auto_priority_starves_no_training_the_game_waits_for(mode: str, priority: str) -> None:
    assert training_priority(LearnerSettings(replay_ratio_mode=mode)) == priority  # type: ignore[arg-type]
    assert training_priority(LearnerSettings(replay_ratio_mode=mode, train_priority="low")) == "low"  # type: ignore[arg-type]


def test_a_slack_past_the_backlog_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="hold_slack"):
        LearnerSettings(hold_slack=1_000, max_update_backlog=1_000)


def episode(env_steps: int, total_reward: float, milestones: dict[str, int], eval_: bool = False) -> Episode:
    return Episode(
        env="0", episode=env_steps // 100, eval=eval_, steps=100, env_steps=env_steps, total_reward=total_reward,
        milestones=milestones, truncated=True,
    )  # fmt: skip


async def test_episodes_reach_tensorboard_at_their_env_steps(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path, tensorboard=True)
    keys = settings.keys
    publisher = Publisher(redis_url, keys=keys)
    # one before the learner starts (a new run shows every retained episode), the rest while it runs
    await publisher.publish(keys.episodes, episode(100, 1.5, {"new_map": 12}))
    async with running(settings, redis_client):
        await publisher.publish_many(
            [
                (keys.episodes, episode(200, 2.5, {"new_map": 3, "badge": 80, "map:ROUTE 29": 3})),
                (keys.episodes, episode(200, 4.0, {"badge": 50}, eval_=True)),
            ]
        )
        redis_client.xadd(keys.episodes, {"v": "1", "kind": "episode", "json": "{not json"})
        await publisher.publish(keys.episodes, episode(300, 0.5, {}))
        while health(settings, redis_client).get("counters_episodes", 0) < 4:
            await asyncio.sleep(0.05)
        assert health(settings, redis_client)["counters_episodes_bad"] == 1
    await publisher.aclose()

    (run,) = (tmp_path / "tensorboard").iterdir()
    events = EventAccumulator(str(run), size_guidance={"scalars": 0})
    events.Reload()

    def series(tag: str) -> list[tuple[int, float]]:
        return [(e.step, e.value) for e in events.Scalars(tag)]

    assert series("episode/return") == [(100, 1.5), (200, 2.5), (300, 0.5)]
    assert series("episode/length") == [(100, 100), (200, 100), (300, 100)]
    assert series("milestone/new_map") == [(100, 1), (200, 1), (300, 0)]
    assert series("milestone/badge") == [(100, 0), (200, 1), (300, 0)]
    assert series("milestone/map:ROUTE 29") == [(200, 1), (300, 0)]
    assert series("eval/episode/return") == [(200, 4.0)]
    assert series("eval/milestone/badge") == [(200, 1)]
