"""The dashboard's figures: how many pages (SSE clients) one dashboard serves at >= 5 updates/s each,
and what watching costs the game: the emulator's steps/s with 10 pages open, as a ratio to none.

Everything runs as in production: a fresh redis-server, the emulator and the dashboard as processes;
the pages are SSE connections from this process that count the `env` updates they receive.
Phases with 0 and 10 clients alternate, so drift in the emulator's speed (it varies with what the
game is doing) falls on both sides of the ratio.
"""

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.harness import stop
from shared.keys import Keys
from shared.messages import Frame
from shared.redis_server import LocalRedis, free_port

MIN_RATE = 5.0
"""Updates per second a page must get to count as served."""
PHASE_S = 6.0
LEVELS = (1, 10, 25, 50, 100, 200, 400)
LEVEL_S = 5.0


def _newest(client: redis.Redis, keys: Keys) -> Frame | None:
    rows = client.xrevrange(keys.frames("0"), count=1)
    return Frame.from_fields(rows[0][1]) if rows else None  # type: ignore[index]


async def _steps_per_s(client: redis.Redis, keys: Keys, seconds: float) -> float:
    """The emulator's speed over `seconds`, from its own frames (step and timestamp)."""
    first = _newest(client, keys)
    await asyncio.sleep(seconds)
    last = _newest(client, keys)
    assert first is not None and last is not None and last.ts > first.ts
    return (last.step - first.step) / (last.ts - first.ts)


class Page:
    """One SSE client counting the `env` updates it receives."""

    def __init__(self) -> None:
        self.updates = 0
        self.started = asyncio.Event()

    async def run(self, http: httpx.AsyncClient) -> None:
        async with http.stream("GET", "/api/live") as response:
            async for line in response.aiter_lines():
                if line == "event: snapshot":
                    self.started.set()
                elif line == "event: env":
                    self.updates += 1


async def _open(http: httpx.AsyncClient, count: int) -> tuple[list[Page], list[asyncio.Task[None]]]:
    pages = [Page() for _ in range(count)]
    tasks = [asyncio.create_task(page.run(http)) for page in pages]
    await asyncio.wait_for(asyncio.gather(*(page.started.wait() for page in pages)), 30)
    return pages, tasks


async def _close(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _rates(pages: list[Page], seconds: float) -> list[float]:
    before = [page.updates for page in pages]
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    return [(page.updates - b) / elapsed for page, b in zip(pages, before, strict=True)]


async def _measure(url: str, client: redis.Redis, keys: Keys) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30, read=None), limits=limits) as http:
        await asyncio.sleep(2.0)  # the emulator past its start, the dashboard past its window
        alone, watched, rates_10 = [], [], []
        for _ in range(2):
            alone.append(await _steps_per_s(client, keys, PHASE_S))
            pages, tasks = await _open(http, 10)
            watch = asyncio.create_task(_rates(pages, PHASE_S))
            watched.append(await _steps_per_s(client, keys, PHASE_S))
            rates_10.extend(await watch)
            await _close(tasks)
        alone.append(await _steps_per_s(client, keys, PHASE_S))

        served, levels = 0, {}
        for count in LEVELS:
            pages, tasks = await _open(http, count)
            rates = await _rates(pages, LEVEL_S)
            await _close(tasks)
            levels[str(count)] = {
                "min_updates_per_s": round(min(rates), 2),
                "median": round(statistics.median(rates), 2),
            }
            if min(rates) < MIN_RATE:
                break
            served = count
    steps_alone, steps_watched = statistics.fmean(alone), statistics.fmean(watched)
    return {
        "clients_served_at_5_updates_per_s": served,
        "client_levels": levels,
        "updates_per_s_per_client_with_10": round(statistics.median(rates_10), 2),
        "emulator_steps_per_s_0_clients": round(steps_alone, 1),
        "emulator_steps_per_s_10_clients": round(steps_watched, 1),
        "steps_ratio_10_clients_to_0": round(steps_watched / steps_alone, 3),
        "note": f"served = most clients tried ({', '.join(map(str, LEVELS))}) all getting >= {MIN_RATE} updates/s",
    }


def run(rom: Path) -> dict[str, Any]:
    """Start Redis, the emulator and the dashboard; measure; stop them."""
    keys = Keys()
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        env = {"CRL_REDIS_URL": server.url, "CRL_DATA_DIR": str(Path(tmp) / "data"), "PATH": "/usr/bin:/bin"}
        port = free_port()
        emulator = subprocess.Popen(
            [sys.executable, "-m", "services.emulator", "--rom", str(rom), "--screen-fps", "10",
             "--progress-interval", "3600", "--log-level", "WARNING"],
            env=env,
        )  # fmt: skip
        dashboard = subprocess.Popen(
            [sys.executable, "-m", "services.dashboard", "--port", str(port), "--log-level", "WARNING"], env=env
        )
        client = redis.Redis.from_url(server.url)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(lambda: _newest(client, keys) is not None and _answers(url), "the emulator and the dashboard")
            return asyncio.run(_measure(url, client, keys))
        finally:
            for process in (dashboard, emulator):
                stop(process)
            client.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/envs", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait(predicate: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


if __name__ == "__main__":
    import json

    from cartridge.build import ensure_built

    sys.stdout.write(json.dumps(run(ensure_built()), indent=2) + "\n")
