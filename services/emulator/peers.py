"""Which other services are alive, from their heartbeats: checked in the background, read for free.

The step waits for the learner only while one is alive, asks for plans only while a planner
is, and draws the dashboard's live picture only while a dashboard is; a dead peer must never
cost the game a deadline, or any work, per step.
"""

import asyncio
import logging

from redis.asyncio import Redis

from shared.keys import Keys
from shared.streams import LoopGuard, StreamCounters, StreamSettings

log = logging.getLogger(__name__)

LEARNER = "dqn_learner"
PLANNER = "llm_planner"
DASHBOARD = "dashboard"


class Peers:
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        interval: float,
        settings: StreamSettings | None = None,
        counters: StreamCounters | None = None,
    ) -> None:
        self.client = client
        self.keys = keys
        self.interval = interval
        self.alive: dict[str, bool] = {LEARNER: False, PLANNER: False, DASHBOARD: False}
        self.counters = counters or StreamCounters()
        self._guard = LoopGuard("peer check", settings or StreamSettings(), self.counters, logger=log)
        self.checked = asyncio.Event()
        """Set once the first pass is over (or failed): the first step knows who is alive, as every later one does."""

    @property
    def learner(self) -> bool:
        return self.alive[LEARNER]

    @property
    def planner(self) -> bool:
        return self.alive[PLANNER]

    @property
    def dashboard(self) -> bool:
        return self.alive[DASHBOARD]

    async def check(self) -> None:
        """One pass over the heartbeats (`health:{service}:{instance}`), whichever services they are of."""
        pattern = self.keys.health_pattern
        prefix = pattern.removesuffix("*")
        found = dict.fromkeys(self.alive, False)
        async for key in self.client.scan_iter(match=pattern, count=100):
            name = key.decode() if isinstance(key, bytes) else key
            service = name.removeprefix(prefix).split(":", 1)[0]
            if service in found:
                found[service] = True
        for service, up in found.items():
            if up != self.alive[service]:
                log.info("%s is %s", service, "up" if up else "down")
        self.alive = found

    async def run(self) -> None:
        """Check every `interval` until cancelled; a failed check counts every peer as down until one succeeds."""
        await self._guard.run(self._check_or_forget, interval=self.interval)

    async def _check_or_forget(self) -> None:
        try:
            await self.check()
        except Exception:
            self.alive = dict.fromkeys(self.alive, False)
            raise
        finally:
            self.checked.set()
