"""A whole system under `crystal-rl run` for fault tests: real processes, real Redis, the real emulator.

`SystemRun` starts the stand-in model host and `crystal-rl run` (which supervises the emulator,
the learner, the planner and the dashboard), with timings shortened so a fault and its recovery
fit in seconds: heartbeats every 0.5 s, pending entries claimed after 3 s, a save state every
100 steps. `StepWatch` samples the emulator's step counter in a thread, so a test can say
"the step counter kept increasing throughout" with numbers. `check_invariants` is what every
scenario must leave behind.
"""

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from services.llm_planner.newest import entry_order
from shared.health import Health
from shared.messages import Action, DeadLetter, Event, Frame, PlanRequest
from shared.redis_server import free_port
from tests.procs import KEYS, service_env, wait_for
from tests.standins.model_host import Reply, StandinModelHost

CLAIM_IDLE_MS = 3_000
CLAIM_INTERVAL_S = 1.0
HEARTBEAT_S = 0.5
AUTOSAVE_EVERY = 100
TOKEN = "fault-test-token"

FAST_ENV = {
    "CRL_STREAM_HEARTBEAT_INTERVAL": str(HEARTBEAT_S),
    "CRL_STREAM_CLAIM_MIN_IDLE_MS": str(CLAIM_IDLE_MS),
    "CRL_STREAM_CLAIM_INTERVAL": str(CLAIM_INTERVAL_S),
    # long enough streams that "every acknowledged request has its answer" can be checked to the end
    "CRL_STREAM_ACTIONS_MAXLEN": "500000",
    "CRL_STREAM_PLAN_REQUESTS_MAXLEN": "100000",
    "CRL_STREAM_EVENTS_MAXLEN": "100000",
    # ... and that the frames played during a 10 s Redis outage are still there when the test reads them
    "CRL_STREAM_FRAMES_MAXLEN": "50000",
    "CRL_STREAM_PUBLISH_BUFFER": "30000",
    # emulator
    "CRL_AUTOSAVE_EVERY": str(AUTOSAVE_EVERY),
    "CRL_PEER_CHECK_INTERVAL": "0.25",
    # planner: answer every request it takes up, however late (a claimed request is otherwise dropped as stale)
    "CRL_REQUEST_BUDGET_S": "2.5",
    "CRL_MAX_REQUEST_AGE_S": "600",
    "CRL_SHUTDOWN_GRACE_S": "1",
    # learner: learn and checkpoint within seconds
    "CRL_LEARNING_STARTS": "64",
    "CRL_BATCH_SIZE": "16",
    "CRL_TRAIN_EVERY": "8",
    "CRL_CHECKPOINT_EVERY": "10",
    "CRL_BUFFER_CAPACITY": "5000",
    "CRL_TENSORBOARD": "false",
    "CRL_STATS_INTERVAL": "1",
    "CRL_DASHBOARD_TOKEN": TOKEN,
}


def health(client: redis.Redis, service: str) -> list[Health]:
    keys = sorted(client.scan_iter(match=KEYS.health(service, "*")))
    values = client.mget(keys) if keys else []
    return [Health.model_validate_json(v) for v in values if v is not None]


def newest_step(client: redis.Redis, env: str = "0") -> int | None:
    rows = [f for _, f in client.xrevrange(KEYS.frames(env), count=5) if f.get(b"kind") == b"frame"]
    return Frame.from_fields(rows[0]).step if rows else None


def frames_since(client: redis.Redis, env: str, since_ms: int) -> list[Frame]:
    rows = client.xrange(KEYS.frames(env), min=f"{since_ms}-0")
    return [Frame.from_fields(f) for _, f in rows if f.get(b"kind") == b"frame"]  # not the malformed one


def events(client: redis.Redis, kind: str | None = None) -> list[Event]:
    out = [Event.from_fields(f) for _, f in client.xrange(KEYS.events)]
    return [e for e in out if kind is None or e.kind == kind]


@dataclass
class StepWatch:
    """Samples the newest step of env 0 every `interval` s in a thread; Redis errors count as "unknown"."""

    redis_url: str
    env: str = "0"
    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "StepWatch":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(5)

    def _run(self) -> None:
        client = redis.Redis.from_url(self.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            while not self._stop.is_set():
                try:
                    step = newest_step(client, self.env)
                except (redis.RedisError, OSError):
                    step = None
                if step is not None:
                    self.samples.append((time.monotonic(), step))
                self._stop.wait(self.interval)
        finally:
            client.close()

    def longest_stall(self, start: float, end: float) -> float:
        """Longest time within [start, end] during which the step counter did not increase."""
        inside = [(t, s) for t, s in self.samples if start <= t <= end]
        assert len(inside) >= 2, "too few samples"
        longest, since, last = 0.0, inside[0][0], inside[0][1]
        for t, s in inside[1:]:
            if s > last:
                since, last = t, s
            longest = max(longest, t - since)
        return longest

    def decreased(self) -> bool:
        steps = [s for _, s in self.samples]
        return any(b < a for a, b in itertools.pairwise(steps))


class SystemRun:
    """`crystal-rl run` plus a stand-in model host, stopped by `stop()` (SIGTERM, like a user's Ctrl-C).

    The model host runs in this process, so a test can script it (a slow answer keeps a request
    in progress when the planner is killed, so there is a pending entry for its successor to claim).
    """

    def __init__(self, redis_url: str, data_dir: Path, *, envs: int = 1, planner_delay: float = 0.05) -> None:
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.web_port = free_port()
        self.llm_port = free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.out_path = data_dir / "run.out"
        env = service_env(redis_url, data_dir, **FAST_ENV)
        self.model_host = StandinModelHost(self.llm_port, default=Reply(delay_s=planner_delay)).start()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crystal_rl.cli", "run", "--redis-url", redis_url, "--data-dir", str(data_dir),
             "--envs", str(envs), "--web-port", str(self.web_port), "--llm-url", f"http://127.0.0.1:{self.llm_port}",
             "--llm-interval", "20", "--progress-interval", "5"],
            stdout=open(self.out_path, "wb"), stderr=subprocess.STDOUT, env=env,  # noqa: SIM115
        )  # fmt: skip

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def log(self, service: str, instance: str) -> str:
        return (self.data_dir / "logs" / f"{service}-{instance}.log").read_text(errors="replace")

    def dashboard(self, path: str, timeout: float = 2.0) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            assert response.status == 200
            return json.loads(response.read())

    def dashboard_answers(self) -> bool:
        try:
            self.dashboard("/api/services", timeout=1.0)
            return True
        except OSError:
            return False

    def wait_all_up(self, client: redis.Redis, envs: int = 1, timeout: float = 90.0) -> None:
        def up() -> bool:
            assert self.process.poll() is None, self.output()[-3000:]
            return (
                len(health(client, "emulator")) >= envs
                and bool(health(client, "dqn_learner"))
                and bool(health(client, "llm_planner"))
                and self.dashboard_answers()
            )

        wait_for(up, timeout, 0.2, what="every service's heartbeat and the dashboard")

    def stop(self) -> int:
        """SIGTERM to the run (as a Ctrl-C would do), then the stand-in; the run's exit code."""
        code = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.model_host.stop()
        return self.process.returncode if code is None else code


def pid_of(client: redis.Redis, service: str) -> int:
    """The service's pid, from its heartbeat, or from the supervisor's for one without (the dashboard)."""
    found = health(client, service)
    if not found:
        (supervisor,) = health(client, "supervisor")
        return int(supervisor.counters[f"pid_{service}_0"])
    assert len(found) == 1, found
    return found[0].pid


def restarted_pid(client: redis.Redis, service: str, old_pid: int) -> int | None:
    """The service's pid once it is no longer `old_pid` (the restarted process), from the same sources."""
    found = [h.pid for h in health(client, service) if h.pid != old_pid]
    if not found and not health(client, service):
        supervisors = health(client, "supervisor")
        pid = int(supervisors[0].counters.get(f"pid_{service}_0", 0)) if supervisors else 0
        found = [pid] if pid and pid != old_pid else []
    return found[0] if found else None


def kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def dead_letters(client: redis.Redis) -> set[tuple[str, str]]:
    out = set()
    for _, fields in client.xrange(KEYS.dead):
        letter = DeadLetter.from_fields(fields)
        out.add((letter.source_stream, letter.entry_id))
    return out


def inject_malformed(client: redis.Redis) -> set[tuple[str, str]]:
    """One broken entry into each stream a service reads, seen in `dead`: what it must hold at the end, only that.

    It waits until all three are dead letters, so the fault that follows cannot race them.
    """
    sent = set()
    for stream in (KEYS.actions("0"), KEYS.plan_requests, KEYS.frames("0")):
        entry_id = client.xadd(stream, {"v": "1", "kind": "nonsense", "json": "{not json"})
        sent.add((stream, entry_id.decode()))
    wait_for(lambda: dead_letters(client) >= sent, 30, 0.2, what="the malformed entries in dead")
    return sent


def check_invariants(client: redis.Redis, malformed: set[tuple[str, str]], settle: float = 20.0) -> dict[str, Any]:
    """What every fault scenario must leave behind; returns numbers for the report.

    - every plan request the planners acknowledged has its answer in `actions:{env}`, or a newer request of its
      env superseded it (none lost);
    - no entry of any group is pending longer than the claim idle time (plus one claim interval);
    - `dead` holds exactly the malformed entries the test sent.
    """
    limit_ms = CLAIM_IDLE_MS + CLAIM_INTERVAL_S * 1000 + 2_000

    def oldest_pending() -> tuple[int, str]:
        worst = (0, "")
        for raw in client.scan_iter(match=KEYS.stream_pattern, _type="stream"):
            stream = raw.decode()
            for group in client.xinfo_groups(stream):
                name = group["name"].decode()
                for row in client.xpending_range(stream, name, min="-", max="+", count=10_000):
                    worst = max(worst, (int(row["time_since_delivered"]), f"{stream}/{name}"))
        return worst

    wait_for(lambda: oldest_pending()[0] <= limit_ms, settle, 0.5, what=f"no entry pending > {limit_ms} ms")

    assert dead_letters(client) == malformed, dead_letters(client) ^ malformed

    group = next(g for g in client.xinfo_groups(KEYS.plan_requests) if g["name"] == b"planner")
    last = group["last-delivered-id"].decode()
    pending = {row["message_id"].decode() for row in client.xpending_range(KEYS.plan_requests, "planner", "-", "+",
                                                                            count=100_000)}  # fmt: skip
    acked_ids = []
    newest_of_env: dict[str, str] = {}
    for raw_id, fields in client.xrange(KEYS.plan_requests):
        entry_id = raw_id.decode()
        if (KEYS.plan_requests, entry_id) in malformed:
            continue
        request = PlanRequest.from_fields(fields)
        newest_of_env[request.env] = request.request_id
        if entry_id in pending or entry_order(entry_id) > entry_order(last):
            continue
        acked_ids.append((request.env, request.request_id))
    answered: set[str] = set()
    for stream in client.scan_iter(match=KEYS.actions("*"), _type="stream"):
        for _, fields in client.xrange(stream):
            if fields.get(b"kind") == b"action":
                action = Action.from_fields(fields)
                if action.request_id:
                    answered.add(action.request_id)
    # a request that a newer one of its env superseded is acknowledged without an answer; the newest never is
    lost = [r for env, r in acked_ids if r not in answered and newest_of_env[env] == r]
    assert not lost, f"{len(lost)} of {len(acked_ids)} acknowledged plan requests have no answer nor a newer one"
    return {"acked_plan_requests": len(acked_ids), "oldest_pending_ms": oldest_pending()[0]}
