"""`crystal-rl run` on a fresh machine's footing (its own Redis, its own model host) survives `kill -9` of either:
the model host is restarted by the supervisor and plans resume; the run's Redis is restarted on the same port,
password and data directory, the services reconnect, and frames and plans resume. The game goes on throughout.

The real SmolLM2-135M server plans here (no stand-in); its episode is made long (`CRL_EPISODE_STEPS`) so a plan
that takes the model seconds still lands in the episode it was made for.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from shared.health import Health
from shared.messages import ActionSource, Event, Frame
from tests.llm_planner.smollm2 import require_embedded_host
from tests.procs import KEYS, service_env, wait_for

pytestmark = pytest.mark.timeout(900)


def _zombie(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_the_model_host_and_the_runs_own_redis_killed_with_sigkill_are_restarted_and_plans_resume(
    tmp_path: Path,
) -> None:
    require_embedded_host()
    data = tmp_path / "data"
    env = service_env("unused", data, CRL_EPISODE_STEPS="1000000", CRL_STREAM_HEARTBEAT_INTERVAL="0.5")
    env.pop("CRL_REDIS_URL")
    out = tmp_path / "run.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "crystal_rl.cli", "run", "--own-redis", "--data-dir", str(data), "--no-web", "--no-dqn",
         "--llm-interval", "30", "--progress-interval", "5"],
        stdout=open(out, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True,  # noqa: SIM115
    )  # fmt: skip
    try:
        wait_for(lambda: (data / "redis.url").exists() and "Model host: " in out.read_text(), 60, 0.2,
                 what="the run's first lines")  # fmt: skip
        url = (data / "redis.url").read_text().strip()
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

        def plans_after(ts: float) -> list[Frame]:
            try:
                rows = client.xrevrange(KEYS.frames("0"), count=2000)
            except redis.RedisError:
                return []
            got = [Frame.from_fields(f) for _, f in rows]
            return [f for f in got if f.action_source == ActionSource.LLM and f.ts > ts]

        def events(kind: str) -> list[Event]:
            try:
                rows = client.xrange(KEYS.events)
            except redis.RedisError:
                return []
            return [e for e in (Event.from_fields(f) for _, f in rows) if e.kind == kind]

        wait_for(lambda: plans_after(0), 300, 0.5, what="a frame played from a SmolLM2 plan")

        # the model host, killed: the supervisor restarts it, plans come again
        supervisor = next(
            Health.model_validate_json(client.get(k)) for k in client.scan_iter(match=KEYS.health("supervisor", "*"))
        )
        host_pid = int(supervisor.counters["pid_model_host_0"])
        os.kill(host_pid, signal.SIGKILL)
        killed = time.time()
        restarted = wait_for(lambda: [e for e in events("service_restarted") if e.data["service"] == "model_host"],
                             30, 0.2, what="the model host's restart")  # fmt: skip
        assert restarted[0].data["exit_code"] == -signal.SIGKILL and restarted[0].data["pid"] != host_pid
        wait_for(lambda: plans_after(killed), 300, 0.5, what="a plan after the model host's restart")

        # the run's Redis, killed: started again on the same port and password, with its streams
        redis_pid = int(client.info("server")["process_id"])
        before = client.xlen(KEYS.frames("0"))

        def newest_step() -> int:
            try:
                rows = client.xrevrange(KEYS.frames("0"), count=1)
            except redis.RedisError:
                return -1
            return Frame.from_fields(rows[0][1]).step if rows else -1

        step_before = newest_step()
        os.kill(redis_pid, signal.SIGKILL)
        killed = time.time()
        wait_for(lambda: events("redis_restarted"), 30, 0.2, what="the Redis restart event")
        assert time.time() - killed < 15
        assert int(client.info("server")["process_id"]) != redis_pid and not _zombie(redis_pid)
        assert client.xlen(KEYS.frames("0")) >= before * 0.9  # the append-only file kept the streams
        wait_for(lambda: newest_step() > step_before + 500, 60, 0.5, what="frames after the Redis restart")
        wait_for(lambda: plans_after(killed), 300, 0.5, what="a plan after the Redis restart")
        assert "Redis killed by SIGKILL; restarted on port" in out.read_text()
        client.close()
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(90) == 0, out.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in out.read_text()
