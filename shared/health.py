"""Heartbeats: each service keeps `health:{service}:{instance}` alive with a TTL, holding its counters.

The key expires three intervals after the last write, so a dead process shows as down
without anyone deleting anything; a clean shutdown deletes it at once. `read_health` is
what `crystal-rl status` and the dashboard read (arq's health-check key is the model).
"""

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from shared.keys import Keys
from shared.streams.connection import RedisPart, is_transient
from shared.streams.counters import StreamCounters
from shared.streams.loop import LoopGuard, cancelled
from shared.streams.settings import StreamSettings

log = logging.getLogger(__name__)

CounterValues = Mapping[str, int | float]


class Health(BaseModel):
    """What one heartbeat key holds.

    Fields a reader does not know are ignored: heartbeats cross hosts and versions (a planner on a
    GPU host updated before this one), and a new field must not make a service unreadable. A
    learning benchmark died exactly so when its reader predated `about`."""

    model_config = ConfigDict(extra="ignore")

    service: str
    instance: str
    host: str = Field(default_factory=socket.gethostname)
    pid: int = Field(default_factory=os.getpid)
    status: str = "starting"
    """Free text chosen by the service: "starting", "running", "waiting for Redis", "stopping"..."""
    started_at: float
    ts: float
    """When this heartbeat was written (Unix time)."""
    interval: float
    """Seconds between heartbeats: a `ts` older than a few intervals means the service is stuck."""
    counters: dict[str, int | float] = Field(default_factory=dict)
    about: str = ""
    """What this instance works on, in a few words: the emulator's cartridge (`RomInfo.describe`)."""

    def age(self, now: float | None = None) -> float:
        """Seconds since this heartbeat was written."""
        return (time.time() if now is None else now) - self.ts


class Heartbeat(RedisPart):
    """Writes the heartbeat every `interval` seconds until stopped; `async with` runs it as a task.

    `counters` is called at each beat (e.g. `publisher.counters.as_dict`); `status` can be
    changed at any time and is sent with the next beat (`beat()` sends it at once).
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        keys: Keys,
        service: str,
        instance: str,
        counters: Callable[[], CounterValues] | None = None,
        status: str = "starting",
        about: str = "",
        settings: StreamSettings | None = None,
        client: Redis | None = None,
    ) -> None:
        self.settings = settings or StreamSettings()
        self.key = keys.health(service, instance)
        self.service = service
        self.instance = instance
        self.status = status
        self.about = about
        self.interval = self.settings.heartbeat_interval
        self.ttl_ms = int(self.interval * self.settings.heartbeat_ttl_factor * 1000)
        self.started_at = time.time()
        self._counters = counters or dict
        self.stats = StreamCounters()
        """The heartbeat's own connection counters (connection_errors, reconnects)."""
        self._connect(redis_url, client, self.settings)
        self._stop = asyncio.Event()
        self._guard = LoopGuard(f"heartbeat {service}/{instance}", self.settings, self.stats, self._stop, log)
        self._task: asyncio.Task[None] | None = None

    def snapshot(self) -> Health:
        return Health(
            service=self.service,
            instance=self.instance,
            status=self.status,
            started_at=self.started_at,
            ts=time.time(),
            interval=self.interval,
            counters=dict(self._counters()),
            about=self.about,
        )

    async def beat(self) -> None:
        """Write the heartbeat once (SET with PX = TTL)."""
        await self.client.set(self.key, self.snapshot().model_dump_json(), px=self.ttl_ms)

    async def run(self) -> None:
        """Beat every `interval` until `stop()`; an outage is retried with backoff, never ends the loop."""
        self._stop.clear()
        await self._guard.run(self.beat, interval=self.interval)

    def stop(self) -> None:
        self._stop.set()

    async def _finish(self) -> None:
        """Stop beating and delete the key, so the service shows as stopped rather than expiring."""
        self.stop()
        await cancelled([self._task])
        self._task = None
        try:
            await self.client.delete(self.key)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("heartbeat %s: could not delete at shutdown (%s); it expires by itself", self.key, exc)

    def start(self) -> None:
        """Beat in a task of its own until `aclose` (which also deletes the key)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"heartbeat:{self.key}")

    async def __aenter__(self) -> Self:
        self.start()
        return self


async def read_health(client: Redis, keys: Keys) -> list[Health]:
    """Every live heartbeat under `keys`' prefix, sorted by service and instance.

    A key that does not hold a valid `Health` is logged and skipped (one bad writer must not
    hide every other service from `status`).
    """
    names = sorted([key async for key in client.scan_iter(match=keys.health_pattern, count=1000)])
    if not names:
        return []
    values = await client.mget(names)
    result = []
    for name, value in zip(names, values, strict=True):
        if value is None:
            continue
        try:
            result.append(Health.model_validate_json(value))
        except ValidationError as exc:
            log.warning("health key %r holds no valid heartbeat: %s", name, exc.errors(include_url=False)[:1])
    return sorted(result, key=lambda h: (h.service, h.instance))
