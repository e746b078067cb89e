"""The progress report's total reward: the heartbeat's count, carried on by the frames once the emulator stops."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from crystal_rl.progress import ProgressReporter
from shared.game.state import GameState
from shared.health import Health
from shared.keys import Keys
from shared.messages import Frame

KEYS = Keys(prefix="progress-test:")


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.delete(KEYS.frames("0"))
    yield client
    await client.delete(KEYS.frames("0"))
    await client.aclose()


async def _play(client: Redis, steps: range, reward: float) -> None:
    state = GameState(map_group=24, map_number=4, x=1, y=2, facing="down", money=0, johto_badges=0, kanto_badges=0)
    for step in steps:
        await client.xadd(KEYS.frames("0"), Frame(env="0", step=step, state=state, reward=reward).to_fields())


def _heartbeat(step: int, total: float) -> Health:
    counters = {"step": step, "total_reward": total}
    return Health(
        service="emulator", instance="env0", status="running", started_at=0, ts=0, interval=1, counters=counters
    )


async def test_the_total_is_the_heartbeats_plus_the_frames_after_it_and_carries_on_after_a_stop(client: Redis) -> None:
    reporter = ProgressReporter(client, KEYS, ["0"])
    await _play(client, range(10), 1.0)
    running = await reporter.env_progress("0", _heartbeat(step=5, total=50.0))
    assert running is not None and running.total_reward == 54.0  # 50 at step 5, then steps 6 to 9
    await _play(client, range(10, 15), 2.0)
    stopped = await reporter.env_progress("0", None)  # the report after Ctrl-C: the heartbeat is gone
    assert stopped is not None and stopped.total_reward == 64.0 and stopped.step == 14
    again = await reporter.env_progress("0", None)
    assert again is not None and again.total_reward == 64.0


async def test_without_any_heartbeat_the_total_is_what_the_frames_hold(client: Redis) -> None:
    await _play(client, range(4), 0.5)
    progress = await ProgressReporter(client, KEYS, ["0"]).env_progress("0", None)
    assert progress is not None and progress.total_reward == 2.0


async def test_the_report_speaks_of_the_newest_frames_when_more_came_than_it_reads(
    client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crystal_rl.progress.RECENT_LIMIT", 5)
    reporter = ProgressReporter(client, KEYS, ["0"])
    await _play(client, range(12), 1.0)
    progress = await reporter.env_progress("0", _heartbeat(step=11, total=12.0))
    assert progress is not None and progress.step == 11 and progress.recent_steps == 5
    await _play(client, range(12, 14), 1.0)
    later = await reporter.env_progress("0", None)
    assert later is not None and later.step == 13 and later.recent_steps == 2 and later.total_reward == 14.0
