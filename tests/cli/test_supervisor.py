"""The supervisor with stand-in children (tiny Python processes) and a real Redis: restarts, events, stop, failures."""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import redis

from crystal_rl.children import RunOptions, child_env, child_specs, dashboard_url
from crystal_rl.supervisor import ChildSpec, RestartPolicy, Supervisor
from shared.keys import Keys
from shared.messages import Event
from shared.streams import StreamSettings

KEYS = Keys()
FAST = RestartPolicy(initial=0.2, cap=1.0, stable_after=30.0)

SLEEPER = """
import os, signal, sys, time, pathlib
out = pathlib.Path(sys.argv[1])
def bye(*_):
    out.write_text("saved")
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
out.with_suffix(".ready").write_text(str(os.getpid()))
while True:
    time.sleep(0.05)
"""


def sleeper(tmp_path: Path, name: str, **kw: object) -> ChildSpec:
    return ChildSpec("stand_in", name, (sys.executable, "-c", SLEEPER, str(tmp_path / f"{name}.saved")), **kw)  # type: ignore[arg-type]


def supervisor_for(specs: list[ChildSpec], redis_url: str, tmp_path: Path, **kw: object) -> Supervisor:
    settings = StreamSettings(heartbeat_interval=0.2)
    return Supervisor(
        specs,
        redis_url=redis_url,
        keys=KEYS,
        log_dir=tmp_path / "logs",
        restart=FAST,
        streams=settings,
        **kw,  # type: ignore[arg-type]
    )


async def wait_until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_restart_delays_double_and_are_capped() -> None:
    delays = RestartPolicy(initial=1.0, cap=8.0).delays()
    assert [delays.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    delays.reset()
    assert delays.next_delay() == 1.0


@pytest.mark.timeout(30)
async def test_killed_child_is_restarted_announced_and_stopped_cleanly(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    lines: list[str] = []
    sup = supervisor_for([sleeper(tmp_path, "a"), sleeper(tmp_path, "b")], redis_url, tmp_path, on_change=lines.append)
    task = asyncio.create_task(sup.run())
    a, b = sup.children
    await wait_until(lambda: a.running and b.running)
    first_pid = a.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGKILL)
    await wait_until(lambda: a.restarts == 1 and a.running and a.pid != first_pid)
    assert b.restarts == 0 and b.running
    assert a.last_restart_s is not None and 0.2 <= a.last_restart_s < 2.0
    assert any("killed by SIGKILL" in line for line in lines)

    def restarted_events() -> list[Event]:
        raw = redis_client.xrange(KEYS.events)
        return [e for e in (Event.from_fields(f) for _, f in raw) if e.kind == "service_restarted"]

    await wait_until(restarted_events)
    restarted = restarted_events()
    assert len(restarted) == 1
    assert restarted[0].data["service"] == "stand_in" and restarted[0].data["instance"] == "a"
    assert restarted[0].data["exit_code"] == -signal.SIGKILL and restarted[0].data["restarts"] == 1
    health = [k for k in redis_client.scan_iter(match=KEYS.health("supervisor", "*"))]
    assert len(health) == 1

    ready = tmp_path / "a.ready"
    await wait_until(lambda: ready.exists() and ready.read_text() == str(a.pid))
    sup.stop()
    assert await asyncio.wait_for(task, 15) == 0
    assert not a.running and not b.running
    # each child got SIGTERM and had the time to "save what it owns"
    assert (tmp_path / "a.saved").read_text() == "saved" and (tmp_path / "b.saved").read_text() == "saved"
    assert not list(redis_client.scan_iter(match=KEYS.health("supervisor", "*")))


@pytest.mark.timeout(30)
async def test_backoff_grows_while_a_child_keeps_dying(redis_url: str, tmp_path: Path) -> None:
    crash = ChildSpec("stand_in", "crash", (sys.executable, "-c", "import time, os; time.sleep(1.2); os._exit(3)"))
    lines: list[str] = []
    sup = supervisor_for([crash], redis_url, tmp_path, on_change=lines.append)
    task = asyncio.create_task(sup.run())
    child = sup.children[0]
    await wait_until(lambda: child.restarts >= 3, timeout=15)
    sup.stop()
    await asyncio.wait_for(task, 10)
    delays = [line.rsplit("restarting in ", 1)[1] for line in lines if "restarting in" in line]
    assert delays[:3] == ["0.2 s", "0.4 s", "0.8 s"]
    assert all("exited with code 3" in line for line in lines if "restarting in" in line)
    assert sup.failure is None


@pytest.mark.timeout(20)
async def test_exit_code_2_is_a_configuration_error_that_ends_the_run(redis_url: str, tmp_path: Path) -> None:
    bad = ChildSpec("stand_in", "bad", (sys.executable, "-c", "import sys; print('error: ROM not found'); sys.exit(2)"))
    slow_bad = ChildSpec(
        bad.service,
        bad.instance,
        (sys.executable, "-c", "import sys, time; time.sleep(0.5); " + bad.argv[2].split("; ", 1)[1]),
    )
    sup = supervisor_for([slow_bad, sleeper(tmp_path, "ok")], redis_url, tmp_path)
    task = asyncio.create_task(sup.run())
    await wait_until(lambda: (tmp_path / "ok.ready").exists())
    code = await asyncio.wait_for(task, 15)
    assert code == 2
    assert sup.failure is not None and "stand_in/bad" in sup.failure and "ROM not found" in sup.failure
    assert sup.children[0].restarts == 0
    assert (tmp_path / "ok.saved").read_text() == "saved"  # the others were stopped cleanly


@pytest.mark.timeout(20)
async def test_a_finished_emulator_ends_the_run(redis_url: str, tmp_path: Path) -> None:
    done = ChildSpec(
        "emulator", "env0", (sys.executable, "-c", "import time; time.sleep(0.5)"), fatal_on_exit_zero=True
    )
    sup = supervisor_for([done, sleeper(tmp_path, "learner")], redis_url, tmp_path)
    assert await asyncio.wait_for(sup.run(), 15) == 0
    assert sup.failure is None and sup.children[0].restarts == 0


@pytest.mark.timeout(20)
async def test_the_run_ends_when_every_emulator_has_finished_not_the_first(redis_url: str, tmp_path: Path) -> None:
    """`--actions N` is per env: a faster env finishing first must not stop a slower one short of N."""

    def emulator(env: str, seconds: float) -> ChildSpec:
        marker = tmp_path / f"{env}.done"
        code = f"import pathlib, time; time.sleep({seconds}); pathlib.Path({str(marker)!r}).write_text('done')"
        return ChildSpec("emulator", env, (sys.executable, "-c", code), fatal_on_exit_zero=True)

    sup = supervisor_for(
        [emulator("env0", 0.3), emulator("env1", 2.0), sleeper(tmp_path, "learner")], redis_url, tmp_path
    )
    assert await asyncio.wait_for(sup.run(), 15) == 0
    assert (tmp_path / "env0.done").exists() and (tmp_path / "env1.done").exists()
    assert [c.restarts for c in sup.children[:2]] == [0, 0]  # the finished one was not started again


def test_child_specs_follow_the_options(tmp_path: Path) -> None:
    options = RunOptions(
        redis_url="redis://h:1/0",
        data_dir=tmp_path,
        envs=3,
        actions=50,
        seed=7,
        llm_model="qwen",
        llm_interval=12,
        llm_wait_ms=800,
        web_port=9999,
        dashboard_token="tok",
    )
    specs = child_specs(options)
    names = [s.name for s in specs]
    assert names == ["emulator/env0", "emulator/env1", "emulator/env2", "dqn_learner/0", "llm_planner/0", "dashboard/0"]
    env2 = specs[2].argv
    assert env2[1:3] == ("-m", "services.emulator")
    assert env2[env2.index("--env") + 1] == "2" and env2[env2.index("--seed") + 1] == "9"
    assert env2[env2.index("--max-steps") + 1] == "50" and env2[env2.index("--llm-interval") + 1] == "12"
    assert env2[env2.index("--llm-wait-ms") + 1] == "800"
    assert all(s.fatal_on_exit_zero for s in specs[:3])
    planner = specs[4].argv
    assert planner[planner.index("--llm-model") + 1] == "qwen"
    dashboard = specs[5]
    assert dashboard.env == {"CRL_DASHBOARD_TOKEN": "tok"} and "9999" in dashboard.argv
    assert dashboard_url(options) == "http://127.0.0.1:9999/?token=tok"
    assert child_env(options)["CRL_REDIS_URL"] == "redis://h:1/0"

    bare = child_specs(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, llm=False, dqn=False, web=False))
    assert [s.name for s in bare] == ["emulator/env0"] and not bare[0].fatal_on_exit_zero
