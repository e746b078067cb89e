"""`--env auto`: scaled-out emulator replicas take distinct env ids from Redis, and a restarted one keeps its own."""

import asyncio

import pytest
import redis

from services.emulator.envclaim import claim_env, keep_env_claim
from services.emulator.settings import EmulatorSettings
from shared.streams import make_client


@pytest.mark.timeout(30)
async def test_replicas_claim_distinct_ids_and_a_restart_keeps_its_own(
    redis_url: str, redis_client: redis.Redis
) -> None:
    settings = EmulatorSettings(redis_url=redis_url, env="auto")
    assert await claim_env(settings, "replica-a") == "0"
    assert await claim_env(settings, "replica-b") == "1"
    assert await claim_env(settings, "replica-a") == "0"  # the same container restarted
    assert 0 < redis_client.ttl(settings.keys.env_claim(0)) <= 30
    redis_client.delete(settings.keys.env_claim(0))  # replica-a went away cleanly
    assert await claim_env(settings, "replica-c") == "0"
    assert await claim_env(settings, "replica-d") == "2"


@pytest.mark.timeout(30)
async def test_the_claim_is_kept_alive_and_released_at_exit(redis_url: str, redis_client: redis.Redis) -> None:
    settings = EmulatorSettings(redis_url=redis_url, env="auto", streams={"heartbeat_interval": 0.1})  # type: ignore[arg-type]
    env = await claim_env(settings, "replica-a")
    claimed = settings.model_copy(update={"env": env})
    key = settings.keys.env_claim(0)
    redis_client.expire(key, 2)
    client = make_client(redis_url, settings.streams)
    task = asyncio.create_task(keep_env_claim(claimed, "replica-a", client))
    await asyncio.sleep(0.5)
    assert redis_client.ttl(key) > 2  # refreshed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert redis_client.get(key) is None
    await client.aclose()
