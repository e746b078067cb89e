"""`--env auto`: replicas of one emulator service (compose `--scale emulator=N`) take distinct env ids.

Replicas share every setting, so each claims the smallest free number in Redis
(`SET env-claim:{n} owner NX EX ttl`) with its host name as owner, and keeps the claim
fresh while it runs. A restarted replica keeps its host name, finds its own claim and
resumes the same game from that env's save states; a removed replica's claim expires.
"""

import asyncio
import contextlib
import logging

from redis.asyncio import Redis

from services.emulator.settings import EmulatorSettings
from shared.errors import CrystalRLError
from shared.streams import LoopGuard, StreamCounters, is_transient, make_client

log = logging.getLogger(__name__)

AUTO_ENV = "auto"
MAX_AUTO_ENVS = 1_000


def env_claim_ttl(settings: EmulatorSettings) -> int:
    """Seconds a claim outlives its owner: long enough for a restart, short enough to free a removed replica's id."""
    return max(30, int(settings.streams.heartbeat_interval * 6))


async def claim_env(settings: EmulatorSettings, owner: str) -> str:
    """`--env auto`: the smallest env id free in Redis (`SET env-claim:{n} owner NX EX ttl`), or the one `owner` holds.

    Replicas of one compose service share every setting, so each takes a number here. A
    restarted replica keeps its host name, finds its own claim and resumes the same game
    from that env's save states; a removed replica's claim expires and is taken by the next.
    """
    client = make_client(settings.redis_url, settings.streams)
    ttl = env_claim_ttl(settings)
    backoff = settings.streams.backoff()
    try:
        while True:
            try:
                for n in range(MAX_AUTO_ENVS):
                    key = settings.keys.env_claim(n)
                    if await client.set(key, owner, nx=True, ex=ttl) or await client.get(key) == owner.encode():
                        await client.expire(key, ttl)
                        log.info("env auto: claimed env %d as %s", n, owner)
                        return str(n)
                raise CrystalRLError(f"env auto: all {MAX_AUTO_ENVS} env ids are claimed under {settings.key_prefix}")
            except CrystalRLError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    raise
                delay = backoff.next_delay()
                log.warning("env auto: Redis unreachable (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
    finally:
        await client.aclose()


async def keep_env_claim(settings: EmulatorSettings, owner: str, client: Redis) -> None:
    """Refresh the claim with the heartbeat's rhythm until cancelled (an outage only delays it: the TTL covers a
    few), then release it: a clean exit frees the id at once."""
    key = settings.keys.env_claim(int(settings.env))

    async def refresh() -> None:
        if await client.get(key) in (owner.encode(), None):
            await client.set(key, owner, ex=env_claim_ttl(settings))
        else:
            log.warning("env auto: env %s is claimed by another owner now", settings.env)

    guard = LoopGuard(f"env auto: claim of env {settings.env}", settings.streams, StreamCounters(), logger=log)
    try:
        await asyncio.sleep(settings.streams.heartbeat_interval)
        await guard.run(refresh, interval=settings.streams.heartbeat_interval)
    finally:
        with contextlib.suppress(Exception):
            if await client.get(key) == owner.encode():
                await client.delete(key)
