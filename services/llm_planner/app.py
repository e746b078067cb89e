"""Wiring: settings → the runtime (the model host's client, the publisher, the heartbeat, one consumer per
`concurrency`) → run.

`PlannerApp.build` makes every client through the service's `Runtime` (a test may hand in its own
back end, and its own `stop`); `run` serves until `stop`, then lets the requests in progress finish
(up to the grace time) and the runtime closes what it opened. `main` is `python -m services.llm_planner`.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from services.llm_planner.backends import ChatBackend, make_backend
from services.llm_planner.memory import MemoryStore
from services.llm_planner.service import GROUP, SERVICE, PlannerService
from services.llm_planner.settings import PlannerSettings
from shared.messages import PlanRequest
from shared.runtime import Runtime, run_service
from shared.streams import Consumer

log = logging.getLogger(__name__)


@dataclass
class PlannerApp:
    """One planner process: the service and the runtime it runs in."""

    settings: PlannerSettings
    runtime: Runtime
    service: PlannerService
    consumers: list[Consumer[PlanRequest]]

    @classmethod
    def build(
        cls, settings: PlannerSettings, backend: ChatBackend | None = None, stop: asyncio.Event | None = None
    ) -> "PlannerApp":
        """`stop`: set by the caller to end `run` (a test); without it SIGTERM and SIGINT do."""
        runtime = Runtime.of(settings, SERVICE, settings.instance, stop=stop, signals=stop is None)
        backend = runtime.closing(backend or make_backend(settings), "the model host's client")
        memory = MemoryStore(runtime.redis, settings.keys)
        service = PlannerService(settings, backend, runtime.publisher(), runtime.counters, memory)
        runtime.at_close(service.cancel_background, "the planner's background sends")
        service.heartbeat = runtime.heartbeat(service.counters, status="starting")
        # One entry per read: a planner takes the next request only when it is free for it.
        read_settings = settings.streams.model_copy(update={"read_count": 1})
        consumers = [
            runtime.consumer(
                group=GROUP,
                name=settings.instance if settings.concurrency == 1 else f"{settings.instance}-{i}",
                model=PlanRequest,
                handler=service.handle,
                streams=[settings.keys.plan_requests],
                settings=read_settings,
            )
            for i in range(settings.concurrency)
        ]
        return cls(settings, runtime, service, consumers)

    async def run(self) -> None:
        """Serve until the runtime's `stop` is set; then let requests in progress finish (up to the grace time)."""
        s, service, runtime = self.settings, self.service, self.runtime
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
        async with runtime:
            tasks = [runtime.spawn(c.run(), f"planner-consumer:{c.name}") for c in self.consumers]
            stop_task = runtime.spawn(runtime.stop.wait(), "planner-stop")
            heartbeat = service.heartbeat
            assert heartbeat is not None
            heartbeat.status = "running"
            await service.emit(
                "planner_started", f"planner {s.instance} up: {backend.name} {s.llm_model} at {backend.base_url}"
            )
            done, _ = await asyncio.wait([stop_task, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stop_task}:
                task.result()  # a consumer loop never returns on its own; if it did, say why
            heartbeat.status = "stopping"
            await self._drain(tasks)
            await service.emit("planner_stopped", f"planner {s.instance} stopped", data=service.counters())
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
    await PlannerApp.build(settings).run()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(PlannerSettings, serve, "python -m services.llm_planner", argv)
