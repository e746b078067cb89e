"""The progress report's total reward: the heartbeat's count, carried on by the frames once the emulator stops."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from crystal_rl.progress import ProgressReporter
from shared.game.state import GameState
from shared.health import Health
from shared.keys import Keys
from shared.messages import Episode, Frame

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


async def test_the_episodes_line_counts_training_episodes_and_their_badge_rate(client: Redis) -> None:
    reporter = ProgressReporter(client, KEYS, ["0"])
    await client.delete(KEYS.episodes)
    assert await reporter.episodes_line() == "episodes: none finished yet"
    for number in range(12):  # env 0: returns 0..11, a badge in every third
        milestones = {"badge": 40} if number % 3 == 0 else {}
        done = Episode(env="0", episode=number, steps=50, total_reward=float(number), milestones=milestones)
        await client.xadd(KEYS.episodes, done.to_fields())
    await client.xadd(KEYS.episodes, Episode(env="1", episode=2, steps=9, total_reward=1.0).to_fields())
    await client.xadd(KEYS.episodes, Episode(env="0", episode=3, eval=True, steps=9, total_reward=99.0).to_fields())
    line = await reporter.episodes_line()
    await client.delete(KEYS.episodes)
    # 12 of env 0 and 3 of env 1; the last ten are env 1's and env 0's 11 down to 3 (the evaluation left out)
    assert line.startswith("episodes: 15 · last return +1.00 (9 steps, time limit)"), line
    assert "mean return +6.40, badge 3/10" in line, line


def test_the_dqn_line_shows_the_replay_ratio_it_got() -> None:
    from crystal_rl.progress import _dqn_line

    counters = {"charts_updates": 250, "counters_frames": 1_000, "samples_per_step": 8.04, "buffer_size": 990}
    learner = Health(
        service="dqn_learner", instance="0", status="running", started_at=0, ts=0, interval=1, counters=counters
    )
    line = _dqn_line([learner])
    assert "samples/step 8.0" in line and "updates 250" in line and "buffer 990" in line


async def test_the_rate_comes_from_the_frames_and_the_final_report_gives_the_whole_runs(client: Redis) -> None:
    """The report after the run (its heartbeat gone, no new frame) still says how fast the run went."""
    state = GameState(map_group=24, map_number=4, x=1, y=2, facing="down", money=0, johto_badges=0, kanto_badges=0)

    async def play(steps: range, start: float, per_s: float) -> None:
        for n, step in enumerate(steps):
            frame = Frame(env="0", step=step, state=state, ts=start + n / per_s)
            await client.xadd(KEYS.frames("0"), frame.to_fields())

    await play(range(500, 600), 0.0, 1000.0)  # a run before this one, in the same Redis: not this run's
    reporter = ProgressReporter(client, KEYS, ["0"])
    await reporter.start()
    await play(range(0, 101), 1000.0, 100.0)  # 100 steps in 1 s
    first = await reporter.env_progress("0", None)
    assert first is not None and first.steps_per_s == pytest.approx(100.0) and first.recent_steps == 101
    await play(range(101, 151), 1001.02, 50.0)  # 50 more steps in 1 s
    second = await reporter.env_progress("0", None)
    assert second is not None and second.steps_per_s == pytest.approx(50.0, rel=0.02)
    stopped = await reporter.env_progress("0", None)
    assert stopped is not None and stopped.steps_per_s == 0.0  # nothing played since the last report
    final = await reporter.env_progress("0", None, final=True)
    assert final is not None and final.steps_per_s == pytest.approx(150 / 2.0, rel=0.02)


def test_the_llm_lines_show_each_envs_plans_joined_from_emulator_and_planners_and_the_model_hosts_state() -> None:
    from crystal_rl.progress import _llm_lines

    def health(service: str, instance: str, counters: dict[str, float], status: str = "running") -> Health:
        return Health(service=service, instance=instance, status=status, started_at=0, ts=0, interval=1,
                      counters=counters)  # fmt: skip

    a = health("llm_planner", "a", {"published": 7, "env0.requests": 10, "env0.served": 4, "env0.superseded": 3,
                                    "env0.rejected": 2, "env0.rejected.walk_to": 2, "env0.failed": 1,
                                    "env0.model_p50_ms": 1500.0, "env0.model_p99_ms": 3000.0, "env10.requests": 1,
                                    "env10.served": 1})  # fmt: skip
    b = health("llm_planner", "b", {"published": 1, "env0.requests": 2, "env0.served": 2, "env0.model_p50_ms": 900.0,
                                    "env0.model_p99_ms": 5000.0})  # fmt: skip
    emulator = health("emulator", "env0", {"plan_requests": 13, "source_plans_received": 5, "source_stale_plans": 1,
                                           "source_stale_plans_age": 1})  # fmt: skip
    host = health("model_host", "0", {}, status="not answering")
    lines = _llm_lines([a, b], [host], {"0": emulator})
    assert lines[0].startswith("llm: 8 decisions") and lines[0].endswith("planners 2 · model host not answering")
    assert lines[1] == (
        "  plans env 0: 13 requests, 5 applied, rejected 2 (walk_to 2), stale 1 (age 1), superseded 3, failed 1, "
        "model p50/p99 1.5/5.0 s"
    )  # fmt: skip
    assert lines[2].startswith("  plans env 10: 1 requests, 0 applied")  # no emulator's half: the planner's count
    assert _llm_lines([], [], {}) == ["llm: no planner"]
