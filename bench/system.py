"""The whole system against the bare emulator: lockstep with the real learner, everything together,
scale-out over several emulators, and every service's memory over a soak."""

import asyncio
import contextlib
import functools
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from bench import emulator
from bench.dashboard import _close, _open
from bench.harness import KEYS, background, health, play, service_env, steps_per_s, wait_health
from shared.messages import ActionSource, Frame
from shared.redis_server import LocalRedis, free_port

SCALE = (1, 2, 4)
LEARNER_ARGS = ("--learning-starts", "500", "--replay-ratio-mode", "free")
"""The serving path's speed is measured here: in `hold` mode the game would wait for training (its pace is the
learning benchmark's business), so the learner lets the actors run ahead, as every run did before the hold."""


def _emulator(url: str, data: Path, rom: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "services.emulator", "--rom", str(rom), "--progress-interval", "3600"]
    return subprocess.Popen([*command, "--log-level", "WARNING", *args], env=service_env(url, data))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _learner_figures(url: str) -> dict[str, float]:
    counters = health(url, "dqn_learner")[0].counters
    keys = ("charts_updates_per_s", "latency_inference_ms_p50", "latency_inference_ms_p99", "latency_batch_size_mean",
            "latency_turnaround_ms_p50", "latency_turnaround_ms_p99",
            "latency_answer_ms_p50", "latency_answer_ms_p99")  # fmt: skip
    return {key: counters[key] for key in keys if key in counters}


def _dqn_share(frames: list[Frame]) -> float:
    warm = frames[len(frames) // 5 :]
    return sum(f.action_source == ActionSource.DQN for f in warm) / max(1, len(warm))


def _aggregate_rate(client: redis.Redis, envs: list[str], seconds: float) -> float:
    def newest() -> dict[str, Frame]:
        got = {}
        for env in envs:
            rows = client.xrevrange(KEYS.frames(env), count=1)
            if rows:
                got[env] = Frame.from_fields(rows[0][1])  # type: ignore[index]
        return got

    first = newest()
    time.sleep(seconds)
    last = newest()
    return sum((last[e].step - first[e].step) / (last[e].ts - first[e].ts) for e in first if e in last)


async def _with_pages(url: str, count: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30, read=None), limits=limits) as http:
        _, tasks = await _open(http, count)
        try:
            await asyncio.sleep(seconds)
        finally:  # cancelled when the measurement ends: the pages close before the dashboard goes
            await _close(tasks)


def _lockstep_run(url: str, data_dir: Path, rom: Path, steps: int) -> dict[str, float]:
    frames = play(url, data_dir, rom, steps)
    return {"steps_per_s": steps_per_s(frames), "dqn_share": _dqn_share(frames)}


def run(rom: Path, steps: int = 3000, soak_s: float = 120.0, rounds: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        url, data = server.url, Path(tmp) / "data"
        with background("services.dqn_learner", url, data, *LEARNER_ARGS):
            wait_health(url, "dqn_learner")
            # like the emulator suite: each lockstep run between two bare loops
            runs = [functools.partial(_lockstep_run, url, data / f"lockstep{i}", rom, steps) for i in range(rounds)]
            bares, pairs = emulator.bracketed(rom, steps, runs)
            out["lockstep_learner"] = {"rounds": rounds, **emulator.against_bare(pairs), **_learner_figures(url)}
            bare = statistics.median(base["steps_per_s"] for base in bares)
            out["bare_steps_per_s"] = bare
            client = redis.Redis.from_url(url)
            scale: dict[str, float] = {}
            learner_at: dict[str, dict[str, float]] = {}
            for count in SCALE:
                envs = [f"s{count}-{i}" for i in range(count)]
                procs = [_emulator(url, data / env, rom, "--env", env) for env in envs]
                try:
                    deadline = time.monotonic() + 120
                    while not all(client.xlen(KEYS.frames(env)) > 50 for env in envs):
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"{count} emulators did not all start within 120 s")
                        time.sleep(0.5)
                    scale[str(count)] = _aggregate_rate(client, envs, 10.0)
                    learner_at[str(count)] = _learner_figures(url)
                finally:
                    for proc in procs:
                        proc.terminate()
                    for proc in procs:
                        proc.wait(30)
            out["scale_out_aggregate_steps_per_s"] = scale
            out["learner_by_envs"] = learner_at
            client.close()
        port, web = free_port(), free_port()
        host = subprocess.Popen([sys.executable, "-m", "tests.standins.model_host", "--port", str(port)],
                                stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            with (
                background("services.dqn_learner", url, data, *LEARNER_ARGS) as learner,
                background("services.llm_planner", url, data, "--llm-url", f"http://127.0.0.1:{port}") as planner,
                background("services.dashboard", url, data, "--port", str(web)) as dashboard,
            ):
                wait_health(url, "dqn_learner")
                wait_health(url, "llm_planner")
                wait_health(url, "dashboard")
                pages = open_pages(f"http://127.0.0.1:{web}", 10, seconds=3600)
                try:
                    frames = play(url, data / "whole", rom, steps, "--llm-interval", "30")
                    out["whole_system"] = {
                        "steps_per_s": steps_per_s(frames),
                        "ratio_to_bare": steps_per_s(frames) / bare,
                        "sources": {s: sum(f.action_source == s for f in frames) for s in ("dqn", "llm", "rules")},
                        "sse_clients": 10,
                    }
                    out["memory_mb"] = _soak(url, data, rom, soak_s, {"learner": learner.pid, "planner": planner.pid,
                                                                        "dashboard": dashboard.pid})  # fmt: skip
                finally:
                    pages.cancel()
        finally:
            host.terminate()
            host.wait(10)
    return out


class _Pages:
    """Ten SSE pages on a thread of their own, so the measurement loop stays synchronous."""

    def __init__(self, url: str, count: int, seconds: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Future[None] | None = None
        self.thread = threading.Thread(target=self._run, args=(url, count, seconds), daemon=True)
        self.thread.start()

    def _run(self, url: str, count: int, seconds: float) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = asyncio.ensure_future(_with_pages(url, count, seconds))
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.task)

    def cancel(self) -> None:
        if self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)


def open_pages(url: str, count: int, seconds: float) -> _Pages:
    pages = _Pages(url, count, seconds)
    time.sleep(2.0)
    return pages


def _soak(url: str, data: Path, rom: Path, seconds: float, pids: dict[str, int]) -> dict[str, Any]:
    """Resident memory of every service, sampled while the game plays for `seconds`: growth shows as a slope."""
    proc = _emulator(url, data / "soak", rom, "--llm-interval", "30")
    pids = {**pids, "emulator": proc.pid}
    samples: dict[str, list[float]] = {name: [] for name in pids}
    try:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            time.sleep(min(10.0, seconds / 6))
            for name, pid in pids.items():
                samples[name].append(_rss_mb(pid))
    finally:
        proc.terminate()
        proc.wait(30)
    half = {name: len(values) // 2 for name, values in samples.items()}
    return {
        "soak_s": seconds,
        **{
            name: {
                "first_mb": round(values[0], 1),
                "last_mb": round(values[-1], 1),
                "max_mb": round(max(values), 1),
                "second_half_growth_mb": round(values[-1] - values[half[name]], 1),
                "median_mb": round(statistics.median(values), 1),
            }
            for name, values in samples.items()
            if values
        },
    }
