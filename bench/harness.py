"""Running services as processes for a measurement, and reading their speed back from the frames."""

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import redis

from shared.health import Health
from shared.keys import Keys
from shared.messages import Frame

KEYS = Keys()
RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    """What a result was measured on: Python, the platform, the cores, how busy they were as the run began (the
    load average over the last minute: other work on the machine moves every absolute figure) and the versions
    that set the speed."""
    versions = {}
    for package in ("pyboy", "redis", "hiredis", "pydantic", "torch", "numpy", "stable-baselines3"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "commit": commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "versions": versions,
    }


def commit() -> str:
    """The code measured: HEAD's short hash, `+dirty` when the tree has changes (`?` outside a git checkout)."""
    root = Path(__file__).parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return f"{head}+dirty" if dirty else head


def write_result(kind: str, results: dict[str, Any], out: Path | None = None) -> Path:
    """`results` as `bench/results/{kind}-{timestamp}.json` (or over `out`, a run's earlier partial result),
    written atomically (a reader never sees half)."""
    RESULTS.mkdir(exist_ok=True)
    out = out or RESULTS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(out)
    return out


def service_env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """A measured service's environment: Redis, its data directory, and the bench's world (`--world`, which
    `bench/__main__.py` puts in `CRL_WORLD` for every suite's game settings and services alike)."""
    world = {"CRL_WORLD": os.environ["CRL_WORLD"]} if "CRL_WORLD" in os.environ else {}
    return {"CRL_REDIS_URL": url, "CRL_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", **world, **extra}


def play(url: str, data_dir: Path, rom: Path, steps: int, *args: str) -> list[Frame]:
    """Run the emulator service for `steps` steps (quietly) and return every frame it published."""
    command = [
        sys.executable, "-m", "services.emulator", "--rom", str(rom), "--max-steps", str(steps),
        "--peer-check-interval", "0.1", "--progress-interval", "3600", "--log-level", "WARNING", *args,
    ]  # fmt: skip
    subprocess.run(command, env=service_env(url, data_dir), check=True, timeout=900)
    client = redis.Redis.from_url(url)
    try:
        return [Frame.from_fields(fields) for _, fields in client.xrange(KEYS.frames("0"))]
    finally:
        client.delete(KEYS.frames("0"))
        client.close()


def steps_per_s(frames: list[Frame], skip: int = 300) -> float:
    """Steps per second over the steady part of a run (the first `skip` steps include start-up)."""
    warm = [f for f in frames if f.step >= min(skip, len(frames) // 5)]
    return (warm[-1].step - warm[0].step) / (warm[-1].ts - warm[0].ts)


@contextmanager
def background(module: str, url: str, data_dir: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """A service process for the length of a measurement, stopped with SIGTERM afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args, "--log-level", "WARNING"],
        env=service_env(url, data_dir),
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL after 20 s: a process of a measurement never outlives it."""
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def health(url: str, service: str) -> list[Health]:
    client = redis.Redis.from_url(url)
    try:
        raws = [client.get(key) for key in client.scan_iter(match=KEYS.health(service, "*"))]
        return [Health.model_validate_json(raw) for raw in raws if raw]
    finally:
        client.close()


def fresh_health(
    url: str, service: str, after: float, until: Callable[[Health], bool], timeout: float = 30.0
) -> Health:
    """`service`'s first heartbeat written after `after` (Unix time) for which `until` holds: counters read the
    moment a run ends are up to a heartbeat's interval old (5 s by default, half of a short run), and said too few
    updates."""
    deadline = time.monotonic() + timeout
    while True:
        found = [beat for beat in health(url, service) if beat.ts >= after and until(beat)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service} wrote no heartbeat as waited for within {timeout:.0f} s of the run's end")
        time.sleep(0.2)


def wait_health(url: str, service: str, timeout: float = 60.0) -> None:
    """Return once `service` has written a heartbeat (it is up and serving); a clear error after `timeout`."""
    deadline = time.monotonic() + timeout
    while not health(url, service):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service} did not start within {timeout:.0f} s")
        time.sleep(0.2)
