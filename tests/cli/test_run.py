"""`crystal-rl run` end to end: the real command, the real emulator, a real Redis."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis

from shared.health import Health
from shared.messages import Frame
from shared.redis_server import free_port, ping
from tests.procs import KEYS, frames, service_env, wait_for


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
    got = frames(redis_client)
    assert played(got) == 500 and got[0].state.map_name == "New Bark Town"  # the tiny world, as the tests' CRL_WORLD
    assert "Game: crystal-rl demo cartridge, tiny world (demo.gbc, sha1 " in result.stdout
    progress = [line for line in result.stdout.splitlines() if line.startswith("env 0: step")]
    assert progress, result.stdout
    assert "steps/s" in progress[-1] and "money" in progress[-1] and "badges" in progress[-1]
    assert rate(progress[-1]) > 0, progress[-1]
    assert "Traceback" not in result.stderr
    assert f"Dashboard: http://127.0.0.1:{port}/?token=" in result.stdout
    # no model host given and none at Ollama's address: the run starts its own (SmolLM2 on llama.cpp's server)
    assert "services: emulator/env0, dqn_learner/0, model_host/0, llm_planner/0, dashboard/0" in result.stdout
    (host,) = [line for line in result.stdout.splitlines() if line.startswith("Model host: ")]
    assert "/v1 (llama_cpp.server, SmolLM2-135M-Instruct Q4_1" in host and "started for this run" in host
    logs = tmp_path / "data" / "logs"
    assert {p.name for p in logs.iterdir()} >= {
        "emulator-env0.log", "dqn_learner-0.log", "llm_planner-0.log", "model_host-0.log"
    }  # fmt: skip
    planner_log = (logs / "llm_planner-0.log").read_text()
    assert "--llm-profile small" in planner_log and "SmolLM2-135M-Instruct" in planner_log


def played(got: list[Frame]) -> int:
    """Actions played: every frame but an episode's first follows one."""
    return sum(frame.action is not None for frame in got)


def rate(line: str) -> float:
    """The steps/s of a progress report's env line."""
    found = re.search(r"\(([\d,.]+) steps/s\)", line)
    assert found, line
    return float(found.group(1).replace(",", ""))


@pytest.mark.timeout(150)
def test_a_second_run_in_the_same_data_directory_plays_its_own_actions_and_reports_its_rate(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """`--actions N` is this run's N: a second run resumes from the first one's save state and plays N more."""
    data = tmp_path / "data"
    command = [sys.executable, "-m", "crystal_rl.cli", "run", "--actions", "300", "--redis-url", redis_url,
               "--data-dir", str(data), "--no-web", "--no-llm", "--no-dqn", "--progress-interval", "60"]  # fmt: skip
    runs: list[list[Frame]] = []
    reports: list[list[str]] = []
    for _ in range(2):
        before = len(frames(redis_client))
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=70, env=service_env(redis_url, data), check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        runs.append(frames(redis_client)[before:])
        reports.append([line for line in result.stdout.splitlines() if line.startswith("env 0: step")])
    first, second = runs
    assert played(first) == 300 and played(second) == 300
    # the second run goes on where the first stopped (its save state at shutdown), step numbers and all
    assert second[0].step == first[-1].step and second[-1].step >= first[-1].step + 300
    assert "resumed from save state" in (data / "logs" / "emulator-env0.log").read_text()
    for lines in reports:  # one report, at the end of a run shorter than the interval: the run's own rate
        assert len(lines) == 1 and rate(lines[0]) > 10, lines


@pytest.mark.timeout(120)
def test_run_plays_the_world_named_and_johto_when_none_is(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    base = [sys.executable, "-m", "crystal_rl.cli", "run", "--actions", "50", "--redis-url", redis_url,
            "--no-web", "--no-llm", "--no-dqn", "--progress-interval", "60"]  # fmt: skip
    env = service_env(redis_url, data)
    del env["CRL_WORLD"]  # as a user's shell has it: the default world
    for world, args, place in (("johto", [], "Players House 1F"), ("tiny", ["--world", "tiny"], "New Bark Town")):
        result = subprocess.run(
            [*base, "--data-dir", str(data / world), *args],
            capture_output=True, text=True, timeout=70, env=env, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"Game: crystal-rl demo cartridge, {world} world" in result.stdout
        got = frames(redis_client)
        assert played(got) == 50 and got[0].state.map_name == place, world
        redis_client.delete(KEYS.frames("0"))


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
        assert played(frames(redis_client, env)) == 300
        assert any(line.startswith(f"env {env}: step") for line in result.stdout.splitlines())
    # each env got its own seed and its own save states
    assert "--seed 6" in (data / "logs" / "emulator-env1.log").read_text()
    assert (data / "states" / "env0").is_dir() and (data / "states" / "env1").is_dir()


@pytest.mark.timeout(180)
def test_run_alone_starts_redis_and_everything_prints_the_dashboard_url_and_ctrl_c_stops_it_all(
    tmp_path: Path,
) -> None:
    """What `make run` does on a fresh machine; Ctrl-C is SIGINT to the terminal's whole process group."""
    data = tmp_path / "data"
    port = free_port()
    env = service_env("unused", data)
    env.pop("CRL_REDIS_URL")
    env.pop("CRL_DASHBOARD_TOKEN", None)
    default_taken = ping("redis://127.0.0.1:6379/0")
    out = tmp_path / "run.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "crystal_rl.cli", "run", "--data-dir", str(data), "--web-port", str(port),
         "--progress-interval", "2"],
        stdout=open(out, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True,  # noqa: SIM115
    )  # fmt: skip
    try:
        line = wait_for(
            lambda: next((x for x in out.read_text().splitlines() if x.startswith("Dashboard: ")), None), 60,
            what="the dashboard URL",
        )  # fmt: skip
        url = line.removeprefix("Dashboard: ").strip()
        assert url.startswith(f"http://127.0.0.1:{port}/?token=") and len(url.rsplit("=", 1)[1]) >= 32
        token = url.rsplit("=", 1)[1]
        redis_url = (data / "redis.url").read_text().strip()
        if not default_taken:
            assert redis_url != "redis://127.0.0.1:6379/0" and ((data / "redis").is_dir() or (data / "valkey").is_dir())
        client = redis.Redis.from_url(redis_url)

        def services() -> dict[str, Health]:
            values = [client.get(k) for k in client.scan_iter(match=KEYS.health("*", "*"))]
            found = [Health.model_validate_json(v) for v in values if v]
            return {h.service: h for h in found}

        wait_for(lambda: {"emulator", "dqn_learner", "llm_planner", "dashboard", "supervisor"} <= set(services()),
                 90, 0.5, what="every service's heartbeat")  # fmt: skip
        api = f"http://127.0.0.1:{port}/api/services?token={token}"
        with urllib.request.urlopen(api, timeout=10) as response:
            assert response.status == 200
        wait_for(lambda: "progress" in out.read_text() and "env 0: step" in out.read_text(), 30, what="a report")
        pids = [h.pid for h in services().values()]
        client.close()
        os.killpg(process.pid, signal.SIGINT)  # what a Ctrl-C in the terminal does
        assert process.wait(60) == 0, out.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = out.read_text()
    assert "Traceback" not in text
    logs = data / "logs"
    assert "env 0 stopped at step" in (logs / "emulator-env0.log").read_text()
    assert "stopped at" in (logs / "dqn_learner-0.log").read_text()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)], "a child outlived the run"
    if not default_taken:
        assert not ping(redis_url), "the local redis-server outlived the run"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
