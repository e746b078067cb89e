"""Helpers for the streams tests: fast settings, sample messages, an async client, awaiting a condition."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.game.state import GameState
from shared.keys import Keys
from shared.messages import Event, Frame
from shared.streams import StreamSettings


def fast_settings(**overrides: object) -> StreamSettings:
    """Settings with every interval shrunk so claims, retries and discovery happen within a test."""
    values: dict[str, object] = {
        "backoff_initial": 0.05,
        "backoff_max": 0.3,
        "read_block_ms": 100,
        "claim_min_idle_ms": 200,
        "claim_interval": 0.1,
        "discover_interval": 0.1,
        "heartbeat_interval": 0.2,
    }
    values.update(overrides)
    return StreamSettings(**values)  # type: ignore[arg-type]


def make_frame(step: int, env: str = "0") -> Frame:
    state = GameState(map_group=24, map_number=4, x=5, y=6, facing="down", money=3000, johto_badges=0, kanto_badges=0)
    screen = bytes((step + i) % 256 for i in range(SCREEN_WIDTH * SCREEN_HEIGHT))
    return Frame(env=env, step=step, state=state, reward=0.5, screen=screen, ts=1_700_000_000.0 + step)


def make_event(n: int) -> Event:
    return Event(
        service="test", instance="t1", kind="note", message=f"event {n}", data={"n": n}, ts=1_700_000_000.0 + n
    )


async def eventually(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    """Wait until `predicate()` holds (polling every 10 ms), failing with `what` after `timeout`: long enough for a
    suite loading both cores (a good entry once took over 5 s there), and a passing test never waits it out."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def keys() -> Keys:
    return Keys("test:")


@pytest.fixture
async def aclient(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()
