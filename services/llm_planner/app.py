"""Wiring: settings → the model host's client, the publisher, the heartbeat, one consumer per `concurrency` → run.

`PlannerApp.build` makes every client from `PlannerSettings` (a test may hand in its own back
end); `run` serves until `stop`, then lets the requests in progress finish (up to the grace
time) and closes what it opened. `main` is `python -m services.llm_planner`.
"""

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass

from services.llm_planner.backends import ChatBackend, make_backend
from services.llm_planner.memory import MemoryStore
from services.llm_planner.service import GROUP, SERVICE, PlannerService
from services.llm_planner.settings import PlannerSettings
from shared.entrypoint import run_service
from shared.health import Heartbeat
from shared.messages import PlanRequest
from shared.streams import Consumer, Publisher, StreamCounters, make_client

log = logging.getLogger(__name__)


@dataclass
class PlannerApp:
    """One planner process: the service and the clients it runs on."""

    settings: PlannerSettings
    service: PlannerService
    heartbeat: Heartbeat
    consumers: list[Consumer[PlanRequest]]

    @classmethod
    def build(cls, settings: PlannerSettings, backend: ChatBackend | None = None) -> "PlannerApp":
        counters = StreamCounters()
        publisher = Publisher(settings.redis_url, keys=settings.keys, settings=settings.streams, counters=counters)
        memory = MemoryStore(make_client(settings.redis_url, settings.streams), settings.keys)
        service = PlannerService(settings, backend or make_backend(settings), publisher, counters, memory)
        service.heartbeat = Heartbeat(
            settings.redis_url,
            keys=settings.keys,
            service=SERVICE,
            instance=settings.instance,
            counters=service.counters,
            settings=settings.streams,
        )
        # One entry per read: a planner takes the next request only when it is free for it.
        read_settings = settings.streams.model_copy(update={"read_count": 1})
        consumers = [
            Consumer(
                settings.redis_url,
                keys=settings.keys,
                group=GROUP,
                name=settings.instance if settings.concurrency == 1 else f"{settings.instance}-{i}",
                model=PlanRequest,
                handler=service.handle,
                streams=[settings.keys.plan_requests],
                settings=read_settings,
                counters=counters,
            )
            for i in range(settings.concurrency)
        ]
        return cls(settings, service, service.heartbeat, consumers)

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; then let requests in progress finish (up to the grace time)."""
        s, service = self.settings, self.service
        if s.max_request_age_s * 1000 <= s.streams.claim_min_idle_ms:
            log.warning(
                "max_request_age_s (%g s) is not longer than the claim idle time (%d ms): requests left by a "
                "killed planner will be stale by the time another one claims them",
                s.max_request_age_s,
                s.streams.claim_min_idle_ms,
            )
        backend = service.backend
        log.info(
            "planner %s: %s at %s, model %s; %d consumer(s) in group %s on %s",
            s.instance, backend.name, backend.base_url, s.llm_model, len(self.consumers), GROUP,
            s.keys.plan_requests,
        )  # fmt: skip
        tasks = [asyncio.create_task(c.run(), name=f"planner-consumer:{c.name}") for c in self.consumers]
        stop_task = asyncio.create_task(stop.wait(), name="planner-stop")
        try:
            async with self.heartbeat:
                self.heartbeat.status = "running"
                await service.emit(
                    "planner_started", f"planner {s.instance} up: {backend.name} {s.llm_model} at {backend.base_url}"
                )
                done, _ = await asyncio.wait([stop_task, *tasks], return_when=asyncio.FIRST_COMPLETED)
                for task in done - {stop_task}:
                    task.result()  # a consumer loop never returns on its own; if it did, say why
                self.heartbeat.status = "stopping"
                await self._drain(tasks)
                await service.emit("planner_stopped", f"planner {s.instance} stopped", data=service.counters())
        finally:
            stop_task.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, stop_task, return_exceptions=True)
            await service.cancel_background()
            for consumer in self.consumers:
                await consumer.aclose()
            await service.publisher.aclose()
            await service.memory.client.aclose()
            await backend.aclose()
        log.info("planner %s stopped: %s", s.instance, service.counters())

    async def _drain(self, tasks: list[asyncio.Task[None]]) -> None:
        for consumer in self.consumers:
            consumer.stop()
        _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_grace_s)
        if pending:
            log.warning(
                "%d request(s) still in progress after %g s; left pending for another planner to claim",
                len(pending),
                self.settings.shutdown_grace_s,
            )


async def serve(settings: PlannerSettings) -> None:
    """Run one planner process until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await PlannerApp.build(settings).run(stop)


def main(argv: Sequence[str] | None = None) -> None:
    run_service(PlannerSettings, serve, "python -m services.llm_planner", argv)
