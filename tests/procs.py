"""Starting services as real processes in tests, and waiting on what they write to Redis."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import redis

from shared.health import Health
from shared.keys import Keys
from shared.messages import Action, ActionSource, Event, Frame, NoPlan, PlanRequest
from shared.streams import Decoder

T = TypeVar("T")
KEYS = Keys()
_ANSWERS: Decoder[Action | NoPlan] = Decoder(Action, NoPlan)


def service_env(redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a service or a run in a test: none of the caller's `CRL_*`, the demo cartridge's tiny world
    where any game will do (`CRL_WORLD=johto` in `extra` for what only Johto has; a `--rom` wins over it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRL_")}
    env.update(
        {"CRL_REDIS_URL": redis_url, "CRL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "CRL_WORLD": "tiny"}
    )
    env.update(extra)
    return env


def start_service(
    module: str, redis_url: str, data_dir: Path, *args: str, log: Path | None = None, **env: str
) -> subprocess.Popen[bytes]:
    """`python -m services.<module> ARGS` with its output in `log` (default: data_dir/<module>.log)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    out = open(log or data_dir / f"{module.rsplit('.', 1)[-1]}.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=service_env(redis_url, data_dir, **env),
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextmanager
def running(module: str, redis_url: str, data_dir: Path, *args: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service(module, redis_url, data_dir, *args, **env)
    try:
        yield process
    finally:
        stop(process)


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = "") -> T:
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


def frames(client: redis.Redis, env: str = "0", count: int | None = None, newest: bool = False) -> list[Frame]:
    stream = KEYS.frames(env)
    rows = client.xrevrange(stream, count=count) if newest else client.xrange(stream, count=count)
    return [Frame.from_fields(fields) for _, fields in rows]


def newest_frame(client: redis.Redis, env: str = "0") -> Frame | None:
    got = frames(client, env, count=1, newest=True)
    return got[0] if got else None


def events(client: redis.Redis, kind: str | None = None) -> list[Event]:
    out = [Event.from_fields(fields) for _, fields in client.xrange(KEYS.events)]
    return [e for e in out if kind is None or e.kind == kind]


def heartbeat(client: redis.Redis, service: str, instance: str = "test") -> None:
    """A heartbeat of `service` that never expires: a peer the emulator counts as alive (planner, dashboard)."""
    health = Health(service=service, instance=instance, status="running", started_at=0, ts=0, interval=1)
    client.set(KEYS.health(service, instance), health.model_dump_json())


def _order(entry_id: bytes) -> tuple[int, int]:
    ms, _, seq = entry_id.decode().partition("-")
    return int(ms), int(seq or 0)


def open_requests(client: redis.Redis, env: str = "0") -> tuple[int, list[str]]:
    """The most plan requests of `env` that were open at once, read from the streams alone (a request is open
    from its entry in `plan_requests` to the first answer to it, a plan or a `NoPlan`, on `actions:{env}`; an
    answer in the same millisecond as a request counts as before it), and the requests never answered."""
    answers: dict[str, tuple[int, int]] = {}
    for entry_id, fields in client.xrange(KEYS.actions(env)):
        answer = _ANSWERS.decode(fields)
        if isinstance(answer, NoPlan) or answer.source is ActionSource.LLM:
            answers.setdefault(answer.request_id or "", _order(entry_id))
    timeline: list[tuple[int, int, int]] = []  # (ms, 0 for an answer or 1 for a request, +1/-1)
    unanswered = []
    for entry_id, fields in client.xrange(KEYS.plan_requests):
        request = PlanRequest.from_fields(fields)
        if request.env != env:
            continue
        timeline.append((_order(entry_id)[0], 1, 1))
        if request.request_id in answers:
            timeline.append((answers[request.request_id][0], 0, -1))
        else:
            unanswered.append(request.request_id)
    most = now = 0
    for _, _, change in sorted(timeline):
        now += change
        most = max(most, now)
    return most, unanswered
