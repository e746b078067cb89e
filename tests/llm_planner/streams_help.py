"""Test helpers over real Redis: publish requests through the streams layer, wait for what comes out."""

import asyncio
import json
import time
from typing import Any

from redis.asyncio import Redis

from shared.keys import Keys
from shared.messages import Action, Event, NoPlan, PlanRequest
from shared.streams import Decoder, Publisher, StreamSettings

KEYS = Keys()


def fast_streams(**overrides: Any) -> StreamSettings:
    """Stream timings scaled down so claims and heartbeats happen within a test's second or two."""
    fields: dict[str, Any] = {
        "read_block_ms": 100,
        "claim_min_idle_ms": 2_000,
        "claim_interval": 0.2,
        "heartbeat_interval": 0.2,
        "backoff_initial": 0.05,
        "backoff_max": 0.5,
    }
    fields.update(overrides)
    return StreamSettings(**fields)


async def publish(redis_url: str, *requests: PlanRequest) -> None:
    async with Publisher(redis_url, keys=KEYS) as publisher:
        for request in requests:
            assert await publisher.publish(KEYS.plan_requests, request) is not None


async def wait_entries(client: Redis, stream: str, count: int, timeout: float = 10.0) -> list[dict[bytes, bytes]]:
    """The first `count` entries of `stream`, waiting (XREAD BLOCK) until they are there."""
    entries: list[dict[bytes, bytes]] = []
    last = "0"
    deadline = time.monotonic() + timeout
    while len(entries) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{stream}: {len(entries)} entries after {timeout} s, expected {count}")
        reply = await client.xread({stream: last}, count=count, block=max(1, int(min(left, 0.5) * 1000)))
        for _, rows in reply or []:
            for entry_id, fields in rows:
                last = entry_id.decode()
                entries.append(fields)
    return entries


ANSWERS: Decoder[Action | NoPlan] = Decoder(Action, NoPlan)


async def answers(client: Redis, env: str) -> list[Action | NoPlan]:
    """Everything on `actions:{env}` so far: plans, and the `NoPlan`s of requests that came to none."""
    return [ANSWERS.decode(fields) for _, fields in await client.xrange(KEYS.actions(env))]


async def wait_answers(client: Redis, env: str, count: int, timeout: float = 10.0) -> list[Action | NoPlan]:
    """The first `count` answers on `actions:{env}`, plans and `NoPlan`s alike, waiting for them."""
    return [ANSWERS.decode(f) for f in await wait_entries(client, KEYS.actions(env), count, timeout)]


async def no_plans(client: Redis, env: str) -> list[NoPlan]:
    return [a for a in await answers(client, env) if isinstance(a, NoPlan)]


async def actions(client: Redis, env: str, count: int, timeout: float = 10.0) -> list[Action]:
    """The first `count` plans on `actions:{env}` (the `NoPlan`s between them passed over), waiting for them."""
    deadline = time.monotonic() + timeout
    while len(plans := [a for a in await answers(client, env) if isinstance(a, Action)]) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{KEYS.actions(env)}: {len(plans)} plans after {timeout} s, expected {count}")
        await asyncio.sleep(0.02)
    return plans[:count]


async def events(client: Redis) -> list[Event]:
    return [Event.from_fields(fields) for _, fields in await client.xrange(KEYS.events)]


async def wait_event(client: Redis, kind: str, timeout: float = 10.0) -> Event:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in await events(client):
            if event.kind == kind:
                return event
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no {kind!r} event in {timeout} s; got {[e.kind for e in await events(client)]}")


async def health(client: Redis, instance: str) -> dict[str, Any] | None:
    raw = await client.get(KEYS.health("llm_planner", instance))
    return None if raw is None else json.loads(raw)


async def wait_health(client: Redis, instance: str, check: Any = None, timeout: float = 10.0) -> dict[str, Any]:
    """The instance's heartbeat once it exists (and `check(heartbeat)` holds, when given)."""
    deadline = time.monotonic() + timeout
    beat = None
    while time.monotonic() < deadline:
        beat = await health(client, instance)
        if beat is not None and (check is None or check(beat)):
            return beat
        await asyncio.sleep(0.05)
    raise TimeoutError(f"heartbeat of {instance} not as expected in {timeout} s: {beat}")


async def pending(client: Redis) -> int:
    info = await client.xpending(KEYS.plan_requests, "planner")
    return int(info["pending"])
