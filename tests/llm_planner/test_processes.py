"""Planner processes (`python -m services.llm_planner`): sharing requests, SIGKILL and claim, SIGTERM."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.notes import Notes
from tests.llm_planner.conftest import make_request
from tests.llm_planner.streams_help import KEYS, actions, events, health, pending, publish, wait_event, wait_health
from tests.standins.model_host import Reply, StandinModelHost

ROOT = Path(__file__).resolve().parents[2]
STREAM_ENV = {
    "CRL_STREAM_READ_BLOCK_MS": "100",
    "CRL_STREAM_CLAIM_MIN_IDLE_MS": "2000",
    "CRL_STREAM_CLAIM_INTERVAL": "0.2",
    "CRL_STREAM_HEARTBEAT_INTERVAL": "0.2",
}

Spawn = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def spawn(redis_url: str, standin: StandinModelHost, tmp_path: Path) -> Iterator[Spawn]:
    """Start planner processes against the stand-in (Ollama API); any still running are killed at teardown."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(instance: str, *flags: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{instance}.log").open("wb")
        args = [
            sys.executable, "-m", "services.llm_planner",
            "--redis-url", redis_url, "--llm-url", standin.ollama_url, "--instance", instance,
            "--request-budget-s", "1.5", "--llm-retries", "0", "--shutdown-grace-s", "5", *flags,
        ]  # fmt: skip
        proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **STREAM_ENV}, stdout=log, stderr=log)
        log.close()
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


async def test_two_planners_share_the_requests(
    spawn: Spawn, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    standin.default = Reply(delay_s=0.15)
    spawn("planner-a")
    spawn("planner-b")
    await asyncio.gather(wait_health(aredis, "planner-a"), wait_health(aredis, "planner-b"))

    # ten games' requests (of one game, only the newest would be planned)
    await publish(redis_url, *(make_request(step=s, env=str(s)) for s in range(10, 20)))
    got = [a for s in range(10, 20) for a in await actions(aredis, str(s), 1, timeout=20)]
    assert sorted(a.request_id or "" for a in got) == sorted(f"req-{s}-{s}" for s in range(10, 20))

    async def handled() -> dict[str, int]:
        beats = [await health(aredis, i) for i in ("planner-a", "planner-b")]
        return {b["instance"]: int(b["counters"].get("answered", 0)) for b in beats if b is not None}

    counts = await handled()
    for _ in range(50):  # heartbeats trail the work by up to one interval (0.2 s)
        if sum(counts.values()) == 10:
            break
        await asyncio.sleep(0.1)
        counts = await handled()
    assert sum(counts.values()) == 10
    assert counts["planner-a"] >= 2 and counts["planner-b"] >= 2, counts
    assert sum([await aredis.xlen(KEYS.actions(str(s))) for s in range(10, 20)]) == 10 and await pending(aredis) == 0


async def test_a_killed_planners_request_is_claimed_and_answered_by_another(
    spawn: Spawn, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    standin.push(Reply(delay_s=30))  # planner-a will hang on this one
    victim = spawn("planner-a")
    await wait_health(aredis, "planner-a")
    await publish(redis_url, make_request(step=42))
    await asyncio.to_thread(standin.wait_requests, 1)
    victim.send_signal(signal.SIGKILL)
    assert await asyncio.to_thread(victim.wait, 10) == -signal.SIGKILL

    (row,) = await aredis.xpending_range(KEYS.plan_requests, "planner", "-", "+", 10)
    assert row["consumer"] == b"planner-a"

    spawn("planner-b")
    (action,) = await actions(aredis, "0", 1, timeout=15)
    assert action.request_id == "req-0-42" and action.step == 42
    beat = await wait_health(aredis, "planner-b", lambda b: b["counters"].get("answered") == 1)
    assert beat["counters"]["reclaimed"] == 1 and beat["counters"]["claimed"] == 1
    assert await pending(aredis) == 0
    assert len(standin.requests) == 2


async def test_sigterm_finishes_the_request_in_progress_and_exits_cleanly(
    spawn: Spawn, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    standin.push(Reply(delay_s=0.5))
    proc = spawn("planner-a")
    await wait_health(aredis, "planner-a")
    await publish(redis_url, make_request(step=5))
    await asyncio.to_thread(standin.wait_requests, 1)
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.wait, 10) == 0

    (action,) = await actions(aredis, "0", 1, timeout=1)
    assert action.step == 5 and await pending(aredis) == 0
    assert await health(aredis, "planner-a") is None
    stopped = await wait_event(aredis, "planner_stopped", timeout=1)
    assert stopped.data["answered"] == 1
    assert [e.kind for e in await events(aredis)] == ["planner_started", "planner_stopped"]


def test_bad_settings_fail_at_start_with_one_line(redis_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.llm_planner", "--redis-url", redis_url, "--llm-url", "ftp://gpu"],
        cwd=ROOT, capture_output=True, timeout=30,
    )  # fmt: skip
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr and b"use http(s)://" in result.stderr


async def test_the_models_notes_go_back_into_its_next_prompt_across_a_planner_kill(
    spawn: Spawn, standin: StandinModelHost, redis_url: str, aredis: Redis
) -> None:
    """The notes of one answer are stored for the env and its episode; a planner started after the first was killed
    reads them into the next prompt of that episode, and an answer without notes leaves them as they were."""
    note = "current goal: reach Violet City"
    plan = {"goal": "walk north", "buttons": ["up"], "ttl": 2}
    standin.script.extend([Reply(text=json.dumps({**plan, "notes": [note]})), Reply(text=json.dumps(plan))])
    first = spawn("planner-a")
    await wait_health(aredis, "planner-a")
    await publish(redis_url, make_request(step=10, episode=4))
    await actions(aredis, "0", 1)
    stored = Notes.model_validate_json(await aredis.get(KEYS.memory("0")))
    assert stored.notes == (note,) and stored.step == 10 and stored.episode == 4
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    spawn("planner-b")
    await wait_health(aredis, "planner-b")
    await publish(redis_url, make_request(step=40, episode=4))  # the same episode: the notes are kept
    await actions(aredis, "0", 2)
    prompt = standin.requests[-1].body["messages"][-1]["content"]
    assert f"- {note}\n(written at step 10)" in prompt
    assert Notes.model_validate_json(await aredis.get(KEYS.memory("0"))).notes == (note,)
