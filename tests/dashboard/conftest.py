"""Fixtures of the dashboard's tests: the real app on a real port (in this process or as a process),
frames and heartbeats written as the services write them, and a helper to read its SSE stream."""

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
import uvicorn

from services.dashboard.app import create_app
from services.dashboard.live import Hub
from services.dashboard.settings import DashboardSettings
from shared.buttons import Button
from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.game.state import GameState, PartyMon
from shared.health import Health
from shared.messages import ActionSource, Episode, Frame
from shared.redis_server import free_port
from shared.streams import Publisher
from tests.procs import KEYS, start_service, stop, wait_for

TOKEN = "test-token-123"
T = TypeVar("T")


@dataclass
class Dashboard:
    url: str
    hub: Hub
    settings: DashboardSettings


def fast_settings(redis_url: str, **overrides: Any) -> DashboardSettings:
    """Quick clocks, so tests see changes in tenths of a second rather than seconds."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "dashboard_token": TOKEN,
        "health_interval": 0.2,
        "series_interval": 0.2,
        "discover_interval": 0.2,
        "shutdown_grace": 0.2,
        **overrides,
    }
    return DashboardSettings(**values)


@contextlib.asynccontextmanager
async def serve(settings: DashboardSettings) -> AsyncIterator[Dashboard]:
    """The real app under uvicorn on a free port, in this event loop."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", timeout_graceful_shutdown=0.2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Dashboard(f"http://127.0.0.1:{port}", app.state.hub, settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def dashboard(redis_url: str) -> AsyncIterator[Dashboard]:
    async with serve(fast_settings(redis_url)) as running:
        await asyncio.wait_for(running.hub.ready.wait(), 10)
        yield running


@pytest.fixture
async def http(dashboard: Dashboard) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=dashboard.url, timeout=10) as client:
        yield client


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, what: str = "") -> T:
    """Await `check` until it returns something truthy (an assertion inside counts as not yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = await check()
            if value:
                return value
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or check}")
        await asyncio.sleep(0.05)


def state(x: int = 5, y: int = 5, map_number: int = 4, party: int = 1) -> GameState:
    mons = tuple(PartyMon(species=155, level=5 + i, hp=20, max_hp=24, status=0, exp=100) for i in range(party))
    return GameState(
        map_group=24, map_number=map_number, map_name="New Bark Town", x=x, y=y, facing="down",
        money=3000, johto_badges=1, kanto_badges=0, party=mons,
    )  # fmt: skip


def frame(step: int, env: str = "0", source: ActionSource = ActionSource.RULES, **kwargs: Any) -> Frame:
    values: dict[str, Any] = {
        "env": env,
        "step": step,
        "state": state(x=step % 7, y=step % 3),
        "reward": 0.5,
        "reward_breakdown": {"new_tile": 0.25, "money": 0.25},
        "action": Button.UP,
        "action_source": source,
        "screen": (bytes(range(256)) * 23)[: SCREEN_WIDTH * SCREEN_HEIGHT],
        **kwargs,
    }
    return Frame(**values)


def episode(number: int, env: str = "0", total_reward: float = 1.0, *milestones: str, **kwargs: Any) -> Episode:
    """A finished episode of 100 steps whose env steps count on from the episode number."""
    values: dict[str, Any] = {
        "env": env,
        "episode": number,
        "steps": 100,
        "env_steps": (number + 1) * 100,
        "total_reward": total_reward,
        "milestones": {name: 10 * (i + 1) for i, name in enumerate(milestones)},
        "truncated": True,
        **kwargs,
    }
    return Episode(**values)


async def publish_episodes(redis_url: str, episodes: list[Episode]) -> None:
    """Episodes published as the emulator and eval publish them: through the real `Publisher`."""
    async with Publisher(redis_url, keys=KEYS) as publisher:
        ids = await publisher.publish_many((KEYS.episodes, e) for e in episodes)
    assert ids is not None and None not in ids


def add_frames(client: redis.Redis, frames: list[Frame]) -> list[bytes]:
    return [client.xadd(KEYS.frames(f.env), f.to_fields()) for f in frames]  # type: ignore[misc]


def write_health(
    client: redis.Redis, service: str, instance: str, counters: dict[str, float], ttl_ms: int = 3_000
) -> None:
    now = time.time()
    health = Health(
        service=service, instance=instance, status="running", started_at=now - 60, ts=now, interval=1.0,
        counters=counters,
    )  # fmt: skip
    client.set(KEYS.health(service, instance), health.model_dump_json(), px=ttl_ms)


async def sse_events(http: httpx.AsyncClient, path: str = "/api/live") -> AsyncIterator[tuple[str, Any]]:
    """(event name, decoded data) from a live connection, as a browser's EventSource would see them."""
    async with http.stream("GET", path) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", []
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and data:
                yield name, json.loads("\n".join(data))
                name, data = "message", []


# -- processes -----------------------------------------------------------------------------------------


@dataclass
class DashboardProcess:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def dashboard_process(redis_url: str, tmp_path: Path) -> Iterator[DashboardProcess]:
    """`python -m services.dashboard` as users start it, on a free port, with a token."""
    port = free_port()
    process = start_service(
        "services.dashboard", redis_url, tmp_path / "data", "--port", str(port),
        "--health-interval", "0.3", "--discover-interval", "0.3", CRL_DASHBOARD_TOKEN=TOKEN,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, (tmp_path / "data" / "dashboard.log").read_text()
        try:
            return httpx.get(f"{url}/api/services", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, timeout=20, what="the dashboard to answer")
    try:
        yield DashboardProcess(url, process)
    finally:
        stop(process)


def emulator_args(rom: Path, *extra: str) -> list[str]:
    return ["--rom", str(rom), "--screen-fps", "10", "--progress-interval", "3600", *extra]
