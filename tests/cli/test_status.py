"""`crystal-rl status`, `streams`, `save`, `load` and the progress report against a real Redis (and a real emulator)."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from crystal_rl.progress import ProgressReporter
from shared.health import Health
from shared.redis_server import free_port
from tests.procs import KEYS, newest_frame, running, service_env, wait_for

CLI = [sys.executable, "-m", "crystal_rl.cli"]


def cli(*args: str, redis_url: str | None, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = service_env(redis_url or "redis://127.0.0.1:1/0", tmp_path / "data")
    if redis_url is None:
        env.pop("CRL_REDIS_URL")
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=tmp_path, env=env, check=False
    )


def one_error_line(result: subprocess.CompletedProcess[str], code: int, *expected: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for text in expected:
        assert text in lines[0]


def write_health(client: redis.Redis, service: str, instance: str, host: str, age: float = 0.0) -> None:
    now = time.time()
    health = Health(
        service=service, instance=instance, host=host, started_at=now - 10, ts=now - age, interval=30.0,
        counters={"step": 5},
    )  # fmt: skip
    # a long interval and TTL: each CLI start takes seconds on a busy machine, and the look must not outlast them
    client.set(KEYS.health(service, instance), health.model_dump_json(), px=300_000)


@pytest.mark.timeout(60)
def test_status_is_a_health_probe(redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> None:
    import socket

    result = cli("status", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
    assert result.returncode == 1 and "no heartbeat" in result.stdout

    def beat() -> None:
        """Heartbeats as live services keep them: fresh again before each look, since every CLI start here
        takes a few seconds on a busy machine and a beat is stale after 2.5 intervals (75 s here)."""
        write_health(redis_client, "emulator", "env0", socket.gethostname())
        write_health(redis_client, "llm_planner", "p1", "elsewhere")
        write_health(redis_client, "dqn_learner", "l1", socket.gethostname(), age=600.0)

    beat()
    assert cli("status", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path).returncode == 0
    probe = cli("status", "--service", "emulator", "--this-host", redis_url=redis_url, tmp_path=tmp_path)
    assert probe.returncode == 0 and "emulator: 1 up" in probe.stdout
    assert cli("status", "--service", "llm_planner", redis_url=redis_url, tmp_path=tmp_path).returncode == 0
    other_host = cli("status", "--service", "llm_planner", "--this-host", redis_url=redis_url, tmp_path=tmp_path)
    assert other_host.returncode == 1 and "no heartbeat on" in other_host.stdout
    stale = cli("status", "--service", "dqn_learner", redis_url=redis_url, tmp_path=tmp_path)
    assert stale.returncode == 1 and "stale" in stale.stdout
    assert cli("status", "--service", "dashboard", redis_url=redis_url, tmp_path=tmp_path).returncode == 1

    beat()
    as_json = cli("status", "--json", redis_url=redis_url, tmp_path=tmp_path)
    data = json.loads(as_json.stdout)
    assert data["healthy"] is True
    assert {s["service"] for s in data["services"]} == {"emulator", "llm_planner", "dqn_learner"}


@pytest.mark.timeout(60)
def test_commands_fail_with_one_line_when_redis_is_unreachable(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    one_error_line(cli("status", "--redis-url", url, redis_url=url, tmp_path=tmp_path), 1, "cannot reach Redis", url)
    one_error_line(cli("streams", "--redis-url", url, redis_url=url, tmp_path=tmp_path), 1, "cannot reach Redis")
    one_error_line(cli("save", "x", "--redis-url", url, redis_url=url, tmp_path=tmp_path), 1, "cannot reach Redis")


@pytest.mark.timeout(60)
def test_status_finds_the_redis_a_run_started_through_the_data_dir(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    from crystal_rl.status import remember_url

    remember_url(tmp_path / "data", redis_url)
    write_health(redis_client, "emulator", "env0", "h")
    result = cli("status", "--service", "emulator", redis_url=None, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(60)
def test_streams_lists_lengths_groups_and_pending(redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> None:
    stream = KEYS.frames("0")
    for i in range(3):
        redis_client.xadd(stream, {"n": str(i)})
    redis_client.xgroup_create(stream, "learner", id="0")
    redis_client.xreadgroup("learner", "c1", {stream: ">"}, count=2)
    result = cli("streams", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "crl:frames:0" in line)
    assert "learner (1, 2, 1)" in row and "│ 3 " in row


@pytest.mark.timeout(120)
def test_save_load_and_progress_with_a_real_emulator(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with running("services.emulator", redis_url, data, "--rom", str(demo_rom), "--streams.heartbeat-interval", "0.5"):
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > 50, 60, what="50 steps")
        saved = cli("save", "before-gym", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
        assert saved.returncode == 0, saved.stderr
        assert "save: ok" in saved.stdout and (data / "states" / "env0" / "before-gym.state").is_file()
        shown = json.loads(cli("status", "--json", redis_url=redis_url, tmp_path=tmp_path).stdout)["services"]
        about = next(s["about"] for s in shown if s["service"] == "emulator")  # which cartridge runs
        assert about.startswith("crystal-rl demo cartridge, tiny world (demo.gbc, sha1 "), about
        loaded = cli("load", "before-gym", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
        assert loaded.returncode == 0 and "loaded before-gym" in loaded.stdout, loaded.stderr
        missing = cli("load", "nope", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
        one_error_line(missing, 1, "env 0", "no save state named 'nope'")
        bad_name = cli("save", "a b", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
        one_error_line(bad_name, 2, "invalid save request")
        nobody = cli("save", "x", "--env", "7", "--timeout", "1", redis_url=redis_url, tmp_path=tmp_path)
        one_error_line(nobody, 1, "env 7 did not answer")

        async def report() -> list[str]:
            client = Redis.from_url(redis_url)
            try:
                reporter = ProgressReporter(client, KEYS, ["0"], {"emulator": 1, "dqn_learner": 1})
                await reporter.lines()
                await asyncio.sleep(1.0)
                return await reporter.lines()
            finally:
                await client.aclose()

        lines = asyncio.run(report())
    env_line = next(line for line in lines if line.startswith("env 0: step"))
    assert "steps/s" in env_line and "money" in env_line and "badges" in env_line and "reward" in env_line
    assert " (0 steps/s)" not in env_line
    assert "last " in env_line and "party lv" in env_line
    services = next(line for line in lines if line.startswith("services:"))
    assert "emulator [green]up[/] 1/1" in services and "dqn_learner [red]down[/] 0/1" in services
    assert "dqn: no learner" in lines and "llm: no planner" in lines


@pytest.mark.timeout(60)
def test_status_shows_the_plans_of_each_env_joined_from_its_emulator_and_every_planner(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    now = time.time()
    for service, instance, counters in (
        ("llm_planner", "p1", {"env0.requests": 9, "env0.served": 3, "env0.superseded": 5, "env0.rejected": 1,
                               "env0.rejected.ttl": 1, "env0.model_p50_ms": 1234.0, "env0.model_p99_ms": 4321.0}),
        ("llm_planner", "p2", {"env1.requests": 2, "env1.served": 2, "env1.failed": 0}),
        ("emulator", "env0", {"plan_requests": 10, "source_plans_received": 2, "source_stale_plans": 1,
                              "source_stale_plans_map": 1}),
    ):  # fmt: skip
        health = Health(service=service, instance=instance, started_at=now, ts=now, interval=30.0,
                        counters=counters)  # fmt: skip
        redis_client.set(KEYS.health(service, instance), health.model_dump_json(), px=300_000)
    result = cli("status", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
    rows = [line for line in result.stdout.splitlines() if line.strip().startswith("│")]
    table = result.stdout[result.stdout.index("plans per env") :]
    assert (
        "│ 0   │ 10       │ 2       │ 1 (ttl 1) │ 1 (map 1) │ 5          │ 0      │ 1.23 s    │ 4.32 s    │" in table
    ), table
    assert (
        "│ 1   │ 2        │ 0       │ 0         │ 0         │ 0          │ 0      │ -         │ -         │" in table
    ), table
    assert rows
    as_json = cli("status", "--json", "--redis-url", redis_url, redis_url=redis_url, tmp_path=tmp_path)
    plans = json.loads(as_json.stdout)["plans"]
    assert plans["0"] == {"requests": 10, "applied": 2, "stale": 1, "stale.map": 1, "served": 3, "superseded": 5,
                          "rejected": 1, "rejected.ttl": 1, "model_p50_ms": 1234.0, "model_p99_ms": 4321.0}  # fmt: skip
