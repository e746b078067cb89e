"""Heartbeat keys: written with a TTL, carrying counters and status, deleted on clean shutdown, read back."""

import asyncio

import pytest
import redis.asyncio as aioredis

from shared.health import Health, Heartbeat, read_health
from shared.keys import Keys
from tests.streams.conftest import eventually, fast_settings

pytestmark = pytest.mark.timeout(30)


async def test_heartbeat_writes_counters_with_a_ttl_and_deletes_on_shutdown(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    settings = fast_settings(heartbeat_interval=0.2, heartbeat_ttl_factor=3)
    counts = {"steps": 0}

    def counters() -> dict[str, int]:
        counts["steps"] += 1
        return dict(counts)

    key = keys.health("emulator", "e1")
    async with Heartbeat(
        redis_url, keys=keys, service="emulator", instance="e1", counters=counters, settings=settings
    ) as heartbeat:
        await eventually(lambda: counts["steps"] >= 3, what="three beats")
        ttl_ms = await aclient.pttl(key)
        assert 0 < ttl_ms <= 600
        heartbeat.status = "running"
        await heartbeat.beat()
        health = Health.model_validate_json(await aclient.get(key))  # type: ignore[arg-type]
        assert health.service == "emulator" and health.instance == "e1"
        assert health.status == "running"
        assert health.counters["steps"] >= 4
        assert health.started_at <= health.ts
        assert health.age() < 1.0
    assert await aclient.exists(key) == 0


async def test_a_stopped_heartbeat_expires_by_itself(redis_url: str, keys: Keys, aclient: aioredis.Redis) -> None:
    settings = fast_settings(heartbeat_interval=0.1, heartbeat_ttl_factor=2)
    heartbeat = Heartbeat(redis_url, keys=keys, service="planner", instance="p1", settings=settings)
    try:
        await heartbeat.beat()  # a process that wrote once and then died without cleaning up
        assert await aclient.exists(keys.health("planner", "p1")) == 1
        await asyncio.sleep(0.3)  # nothing to await: expiry is the server's clock (TTL 0.2 s)
        assert await aclient.exists(keys.health("planner", "p1")) == 0
        assert await read_health(aclient, keys) == []
    finally:
        await heartbeat.client.aclose()


async def test_read_health_returns_every_service_of_this_prefix_only(
    redis_url: str, keys: Keys, aclient: aioredis.Redis
) -> None:
    other = Keys("other:")
    beats = [
        Heartbeat(redis_url, keys=keys, service="learner", instance="l1", settings=fast_settings()),
        Heartbeat(redis_url, keys=keys, service="emulator", instance="e2", settings=fast_settings()),
        Heartbeat(redis_url, keys=keys, service="emulator", instance="e1", settings=fast_settings()),
        Heartbeat(redis_url, keys=other, service="emulator", instance="x", settings=fast_settings()),
    ]
    for beat in beats:
        await beat.beat()
    await aclient.set(keys.health("broken", "b1"), b"\xff not json")
    try:
        health = await read_health(aclient, keys)
        assert [(h.service, h.instance) for h in health] == [("emulator", "e1"), ("emulator", "e2"), ("learner", "l1")]
        assert await read_health(aclient, Keys("nobody:")) == []
    finally:
        for beat in beats:
            await beat.aclose()
    assert [h.instance for h in await read_health(aclient, other)] == []
