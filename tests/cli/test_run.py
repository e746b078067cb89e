"""`crystal-rl run` end to end: the real command, the real emulator, a real Redis."""

import subprocess
import sys
from pathlib import Path

import pytest
import redis

from shared.redis_server import free_port
from tests.procs import KEYS, frames, service_env


@pytest.mark.timeout(120)
def test_run_500_actions_ends_by_itself_with_the_frames_in_redis(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", "run", "--actions", "500", "--redis-url", redis_url,
         "--data-dir", str(tmp_path / "data"), "--progress-interval", "0.5", "--web-port", str(port)],
        capture_output=True, text=True, timeout=110, env=service_env(redis_url, tmp_path / "data"), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert redis_client.xlen(KEYS.frames("0")) >= 500
    got = frames(redis_client)
    assert got[-1].step == 500 and got[0].state.map_name == "New Bark Town"
    progress = [line for line in result.stdout.splitlines() if line.startswith("env 0: step")]
    assert progress, result.stdout
    assert "steps/s" in progress[-1] and "money" in progress[-1] and "badges" in progress[-1]
    assert "Traceback" not in result.stderr
    assert f"Dashboard: http://127.0.0.1:{port}/?token=" in result.stdout
    assert "services: emulator/env0, dqn_learner/0, llm_planner/0, dashboard/0" in result.stdout
    logs = tmp_path / "data" / "logs"
    assert {p.name for p in logs.iterdir()} >= {"emulator-env0.log", "dqn_learner-0.log", "llm_planner-0.log"}


@pytest.mark.timeout(120)
def test_run_with_two_envs_plays_two_games_and_stops_both(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", "run", "--envs", "2", "--actions", "300", "--redis-url", redis_url,
         "--data-dir", str(data), "--no-web", "--no-llm", "--no-dqn", "--progress-interval", "0.5", "--seed", "5"],
        capture_output=True, text=True, timeout=110, env=service_env(redis_url, data), check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "services: emulator/env0, emulator/env1" in result.stdout
    for env in ("0", "1"):
        assert frames(redis_client, env)[-1].step == 300
        assert any(line.startswith(f"env {env}: step") for line in result.stdout.splitlines())
    # each env got its own seed and its own save states
    assert "--seed 6" in (data / "logs" / "emulator-env1.log").read_text()
    assert (data / "states" / "env0").is_dir() and (data / "states" / "env1").is_dir()
