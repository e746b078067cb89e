"""The planner service in this process against real Redis and the stand-in model host.

Requests go in through the streams layer; plans, events and heartbeats are read back from Redis.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from services.llm_planner.app import PlannerApp
from services.llm_planner.service import PlannerService
from shared.buttons import Button
from shared.messages import ActionSource, NoPlan
from tests.llm_planner.conftest import make_request, planner_settings
from tests.llm_planner.streams_help import (
    KEYS,
    actions,
    events,
    fast_streams,
    health,
    no_plans,
    pending,
    publish,
    wait_answers,
    wait_event,
    wait_health,
)
from tests.standins.model_host import Reply, StandinModelHost

Start = Callable[..., Awaitable[PlannerService]]


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def start_planner(redis_url: str, standin: StandinModelHost) -> AsyncIterator[Start]:
    """Start a planner service in this process (Ollama API unless `api="openai"`); stopped at teardown."""
    running: list[tuple[PlannerService, asyncio.Event, asyncio.Task[None]]] = []

    async def start(api: str = "ollama", **overrides: Any) -> PlannerService:
        url = standin.ollama_url if api == "ollama" else standin.openai_url
        fields: dict[str, Any] = {"redis_url": redis_url, "instance": f"test-{len(running)}",
                                  "streams": fast_streams(), "request_budget_s": 1.5}  # fmt: skip
        fields.update(overrides)
        stop = asyncio.Event()
        app = PlannerApp.build(planner_settings(url, **fields), stop=stop)
        task = asyncio.create_task(app.run())
        running.append((app.service, stop, task))
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in app.consumers)), 10)
        return app.service

    yield start
    for _, stop, _ in running:
        stop.set()
    await asyncio.wait_for(asyncio.gather(*(task for _, _, task in running)), 15)


@pytest.mark.parametrize("api", ["ollama", "openai"])
async def test_a_request_is_answered_with_a_plan_in_actions(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis, api: str
) -> None:
    service = await start_planner(api)
    standin.push(Reply('{"goal": "walk to the door", "buttons": ["down", "down", "left"], "ttl": 6}'))
    await publish(redis_url, make_request(step=120, env="3"))

    (action,) = await actions(aredis, "3", 1)
    assert action.source is ActionSource.LLM
    assert action.step == 120 and action.request_id == "req-3-120"
    assert action.buttons == (Button.DOWN, Button.DOWN, Button.LEFT)
    assert action.ttl_steps == 6 and action.goal == "walk to the door"
    assert standin.requests[0].api == api

    beat = await wait_health(aredis, "test-0", lambda b: b["counters"].get("answered") == 1)
    counters = beat["counters"]
    assert beat["status"] == "running" and counters["backend_up"] == 1
    assert counters["requests"] == 1 and counters["planned"] == 1 and counters["failures"] == 0
    assert 0 < counters["overhead_p50_ms"] <= counters["latency_p50_ms"] <= counters["latency_p99_ms"]
    assert await pending(aredis) == 0
    for _ in range(50):  # the XACK's reply is counted when the consumer reads it, a turn after Redis applied it
        if service.stream_counters.acked:
            break
        await asyncio.sleep(0.01)
    assert service.stream_counters.acked == 1
    assert [e.kind for e in await events(aredis)] == ["planner_started"]


async def test_malformed_answers_answer_nothing_and_each_is_a_plan_rejected_event_with_the_raw_text(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner()
    standin.push(Reply("Let me think... " + "x" * 2000), Reply('{"goal": "go", "buttons": ["jump"], "ttl": 2}'))
    await publish(redis_url, make_request(step=7))

    first = await wait_event(aredis, "plan_rejected")
    deadline = time.monotonic() + 5
    while len(rejected := [e for e in await events(aredis) if e.kind == "plan_rejected"]) < 2:
        assert time.monotonic() < deadline, rejected
        await asyncio.sleep(0.05)
    assert first.level == "warning" and first.env == "0" and first.service == "llm_planner"
    assert [e.data["kind"] for e in rejected] == ["json", "buttons"]
    assert [e.data["attempt"] for e in rejected] == [1, 2] and not any(e.data["repaired"] for e in rejected)
    assert "'jump' is not one of the legal buttons" in rejected[1].data["reason"]
    assert rejected[0].data["raw"].startswith("Let me think") and len(rejected[0].data["raw"]) == 600
    assert rejected[1].data["raw"] == '{"goal": "go", "buttons": ["jump"], "ttl": 2}'
    assert rejected[0].data["request_id"] == "req-0-7"
    (answer,) = await wait_answers(aredis, "0", 1)  # no plan: the emulator is told so, and may ask again
    assert isinstance(answer, NoPlan) and answer.reason == "invalid" and answer.request_id == "req-0-7"
    assert "'jump' is not one of the legal buttons" in answer.detail and answer.step == 7
    assert service.stats.counts["invalid"] == 1 and await pending(aredis) == 0
    beat = await wait_health(aredis, "test-0", lambda b: b["counters"].get("env0.failed") == 1)
    counters = beat["counters"]
    assert counters["env0.rejected"] == 2 and counters["env0.rejected.json"] == 1
    assert counters["env0.rejected.buttons"] == 1 and counters["env0.requests"] == 1

    # The next request is planned as usual.
    await publish(redis_url, make_request(step=8))
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 8


async def test_one_repair_is_enough(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner("openai")
    standin.push(Reply('```json\n{"goal": "go", "buttons": [], "ttl": 2}\n```'), Reply(None))
    await publish(redis_url, make_request(step=9))
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 9 and service.stats.counts["repaired"] == 1
    assert "list of 1 to 8" in standin.requests[1].body["messages"][-1]["content"]


async def test_stale_requests_are_dropped_and_counted(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner(max_request_age_s=5)
    await publish(redis_url, make_request(step=10, ts=time.time() - 60), make_request(step=500))  # too old, fresh
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 500
    await wait_health(aredis, "test-0", lambda b: b["counters"].get("stale") == 1)
    assert len(standin.requests) == 1 and service.stats.counts["requests"] == 2
    assert await pending(aredis) == 0


async def test_only_the_newest_request_of_each_env_is_planned_the_older_ones_are_superseded(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    """A backlog (the emulator asked while a slow model answered): of each env only the newest is planned."""
    await publish(
        redis_url,
        *(make_request(step=s, env="0") for s in (30, 60, 90)),
        *(make_request(step=s, env="1") for s in (40, 70)),
        make_request(step=120, env="0"),
    )
    service = await start_planner()
    (zero,) = await actions(aredis, "0", 1)
    (one,) = await actions(aredis, "1", 1)
    assert zero.step == 120 and one.step == 70
    superseded = await no_plans(aredis, "0") + await no_plans(aredis, "1")  # each told: the emulator may ask again
    assert sorted((n.env, n.step) for n in superseded) == [("0", 30), ("0", 60), ("0", 90), ("1", 40)]
    assert {n.reason for n in superseded} == {"superseded"}
    beat = await wait_health(aredis, "test-0", lambda b: b["counters"].get("requests") == 6)
    counters = beat["counters"]
    assert counters["superseded"] == 4 and counters["env0.superseded"] == 3 and counters["env1.superseded"] == 1
    assert counters["env0.served"] == 1 and counters["env1.served"] == 1
    prompts = [r.body["messages"][-1]["content"] for r in standin.requests]
    assert sorted(next(s for s in (70, 120) if f"at step {s}:" in p) for p in prompts) == [70, 120]
    assert len(standin.requests) == 2 and service.stats.counts["answered"] == 2
    assert await pending(aredis) == 0


async def test_a_plan_names_the_step_map_and_episode_it_was_made_for(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    await start_planner()
    standin.push(Reply('{"goal": "talk", "walk_to": "4, 1", "buttons": ["a"], "ttl": 9}'))
    await publish(redis_url, make_request(step=77, episode=3))
    (action,) = await actions(aredis, "0", 1)
    assert (action.step, action.map_group, action.map_number, action.episode) == (77, 24, 4, 3)
    assert action.walk_to is not None and (action.walk_to.x, action.walk_to.y) == (4, 1)


async def test_notes_start_empty_in_a_new_episode_and_are_kept_within_one(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    await start_planner()
    note = '{"goal": "g", "buttons": ["a"], "ttl": 9, "notes": ["reach Violet City"]}'
    standin.push(Reply(note), Reply('{"goal": "g", "buttons": ["a"], "ttl": 9}'), Reply(None))
    await publish(redis_url, make_request(step=10, episode=1))
    await actions(aredis, "0", 1)
    await publish(redis_url, make_request(step=20, episode=1))
    await actions(aredis, "0", 2)
    assert "reach Violet City" in standin.requests[1].body["messages"][-1]["content"]  # kept within the episode
    await publish(redis_url, make_request(step=30, episode=2))
    await actions(aredis, "0", 3)
    assert "reach Violet City" not in standin.requests[2].body["messages"][-1]["content"]
    assert await aredis.get(KEYS.memory("0")) is None  # cleared in Redis: a restarted planner finds none either


async def test_a_slow_back_end_times_out_and_the_next_request_is_planned(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner(llm_timeout_s=0.3, llm_retries=0, breaker_failures=3)
    standin.push(Reply(delay_s=2.0))
    await publish(redis_url, make_request(step=1))
    event = await wait_event(aredis, "plan_failed")
    assert "no answer in time" in event.data["error"] and event.data["request_id"] == "req-0-1"
    assert service.stats.counts["backend_error"] == 1

    await publish(redis_url, make_request(step=2))
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 2


async def test_the_request_budget_bounds_all_calls_together(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    await start_planner(llm_timeout_s=1.0, request_budget_s=0.4)
    standin.push(Reply(delay_s=0.8))
    started = time.monotonic()
    await publish(redis_url, make_request(step=1))
    event = await wait_event(aredis, "plan_failed")
    assert "budget of 0.4 s" in event.data["error"]
    assert time.monotonic() - started < 1.5


async def test_a_down_back_end_pauses_planning_and_it_resumes_when_back(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner(breaker_failures=2, breaker_reset_s=0.5, llm_retries=1)
    standin.stop()
    await publish(redis_url, *(make_request(step=s, env=str(s)) for s in (1, 2, 3, 4)))  # four games: none supersedes

    down = await wait_event(aredis, "backend_down")
    assert down.level == "error" and "ConnectError" in down.data["error"]
    beat = await wait_health(aredis, "test-0", lambda b: b["counters"].get("requests") == 4)
    assert beat["status"] == "running, model back end down" and beat["counters"]["backend_up"] == 0
    assert beat["counters"]["backend_down"] == 2 and beat["counters"]["backend_error"] == 2
    told = [a for s in (1, 2, 3, 4) for a in await wait_answers(aredis, str(s), 1)]
    assert all(isinstance(a, NoPlan) for a in told) and await pending(aredis) == 0  # no plan, and each one said
    assert sorted(a.reason for a in told if isinstance(a, NoPlan)) == ["down", "down", "failed", "failed"]
    # Open breaker: the requests after the second failure were never sent (1 try + 1 retry each before).
    assert service.guarded.calls == 4

    standin.start()
    await asyncio.sleep(0.5)  # the breaker's cool-down (breaker_reset_s); nothing to await for a clock
    await publish(redis_url, make_request(step=5))
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 5
    up = await wait_event(aredis, "backend_up")
    assert up.level == "info"
    beat = await wait_health(aredis, "test-0", lambda b: b["counters"]["backend_up"] == 1)
    assert beat["status"] == "running" and beat["counters"]["backend_outages"] == 1


async def test_a_request_that_is_no_plan_request_goes_to_dead(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner()
    await aredis.xadd(KEYS.plan_requests, {"v": "1", "kind": "plan_request", "json": '{"step": -1}'})
    await publish(redis_url, make_request(step=3))
    (action,) = await actions(aredis, "0", 1)
    assert action.step == 3
    assert await aredis.xlen(KEYS.dead) == 1 and service.stream_counters.dead == 1
    deadline = time.monotonic() + 5  # acks travel with the consumer's next read, just after the plan is out
    while await pending(aredis) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert await pending(aredis) == 0 and not [r for r in standin.requests if "step -1" in str(r.body)]


async def test_concurrency_handles_requests_side_by_side(
    start_planner: Start, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    await start_planner(concurrency=3)
    standin.default = Reply(delay_s=0.5)
    started = time.monotonic()
    await publish(redis_url, *(make_request(step=s, env=str(s)) for s in (1, 2, 3)))  # three games
    got = [a for s in (1, 2, 3) for a in await actions(aredis, str(s), 1)]
    assert sorted(a.step for a in got) == [1, 2, 3]
    assert time.monotonic() - started < 1.4  # one after the other would take 1.5 s
    assert (await health(aredis, "test-0")) is not None


async def test_a_redis_outage_is_ridden_out(
    start_planner: Start, standin: StandinModelHost, redis_server: Any, redis_url: str, aredis: Redis
) -> None:
    service = await start_planner()
    await publish(redis_url, make_request(step=1))
    await actions(aredis, "0", 1)
    redis_server.stop()
    await asyncio.sleep(0.5)  # the consumer and heartbeat meet the outage; nothing to await from outside
    redis_server.start()
    await publish(redis_url, make_request(step=2))
    async with Redis.from_url(redis_url) as fresh:  # the test's own client lost its connection too
        got = await actions(fresh, "0", 2, timeout=15)
        assert [a.step for a in got] == [1, 2]
        await wait_health(fresh, "test-0", lambda b: b["counters"].get("answered") == 2)
    assert service.stream_counters.connection_errors > 0
