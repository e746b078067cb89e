"""The planner's stream loop: plan requests in (consumer group `planner`), plans out to `actions:{env}`.

Every request is acknowledged once it has been dealt with, whatever came of it: a plan, an
invalid answer, a dead back end or a stale request all end in an ack, because asking again
later is worthless (the game has moved on). Only a request whose handling crashed stays
pending, and so does one this process was killed in the middle of: another planner claims it
(XAUTOCLAIM, after the streams' claim idle time) and answers it.

Each consumer reads one request at a time, so several planners (or `concurrency` consumers in
one process) share the requests instead of one of them hoarding a batch.
"""

import asyncio
import logging
import signal
import time
from collections.abc import Coroutine
from typing import Any, Literal

from services.llm_planner.backends import ChatBackend, make_backend
from services.llm_planner.planner import Planner, PlanResult, StaleFilter
from services.llm_planner.prompt import PromptBuilder, Templates
from services.llm_planner.resilience import BreakerState, CircuitBreaker, GuardedBackend
from services.llm_planner.settings import PlannerSettings
from services.llm_planner.stats import PlannerStats
from shared.health import Heartbeat
from shared.messages import Action, ActionSource, Event, PlanRequest
from shared.streams import Consumer, Delivery, Publisher, StreamCounters

log = logging.getLogger(__name__)

SERVICE = "llm_planner"
GROUP = "planner"


class PlannerService:
    """Wires the planner to Redis: consumers, publisher, heartbeat, and what each outcome publishes."""

    def __init__(self, settings: PlannerSettings, backend: ChatBackend | None = None) -> None:
        self.settings = settings
        self.keys = settings.keys
        self.stats = PlannerStats()
        self.stream_counters = StreamCounters()
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s, on_change=self._on_breaker)
        self.backend = backend or make_backend(settings)
        self.guarded = GuardedBackend(self.backend, self.breaker, settings.llm_retries, settings.retry_backoff)
        prompts = PromptBuilder(
            Templates.load(settings.prompts_dir),
            settings.max_plan_steps,
            settings.max_ttl_steps,
            settings.history_limit,
        )
        self.planner = Planner(self.guarded, prompts, settings.max_plan_steps, settings.max_ttl_steps)
        self.stale = StaleFilter(settings.max_request_age_s, settings.max_step_lag)
        self.publisher = Publisher(
            settings.redis_url, keys=self.keys, settings=settings.streams, counters=self.stream_counters
        )
        self.heartbeat = Heartbeat(
            settings.redis_url,
            keys=self.keys,
            service=SERVICE,
            instance=settings.instance,
            counters=self.counters,
            settings=settings.streams,
        )
        # One entry per read: a planner takes the next request only when it is free for it.
        read_settings = settings.streams.model_copy(update={"read_count": 1})
        self.consumers = [
            Consumer(
                settings.redis_url,
                keys=self.keys,
                group=GROUP,
                name=settings.instance if settings.concurrency == 1 else f"{settings.instance}-{i}",
                model=PlanRequest,
                handler=self.handle,
                streams=[self.keys.plan_requests],
                settings=read_settings,
                counters=self.stream_counters,
            )
            for i in range(settings.concurrency)
        ]
        self._background: set[asyncio.Task[Any]] = set()

    # -- the loop ----------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; then let requests in progress finish (up to the grace time)."""
        s = self.settings
        if s.max_request_age_s * 1000 <= s.streams.claim_min_idle_ms:
            log.warning(
                "max_request_age_s (%g s) is not longer than the claim idle time (%d ms): requests left by a "
                "killed planner will be stale by the time another one claims them",
                s.max_request_age_s,
                s.streams.claim_min_idle_ms,
            )
        log.info(
            "planner %s: %s at %s, model %s; %d consumer(s) in group %s on %s",
            s.instance, self.backend.name, self.backend.base_url, s.llm_model, len(self.consumers), GROUP,
            self.keys.plan_requests,
        )  # fmt: skip
        tasks = [asyncio.create_task(c.run(), name=f"planner-consumer:{c.name}") for c in self.consumers]
        stop_task = asyncio.create_task(stop.wait(), name="planner-stop")
        try:
            async with self.heartbeat:
                self.heartbeat.status = "running"
                await self._emit(
                    "planner_started",
                    f"planner {s.instance} up: {self.backend.name} {s.llm_model} at {self.backend.base_url}",
                )
                done, _ = await asyncio.wait([stop_task, *tasks], return_when=asyncio.FIRST_COMPLETED)
                for task in done - {stop_task}:
                    task.result()  # a consumer loop never returns on its own; if it did, say why
                self.heartbeat.status = "stopping"
                await self._drain(tasks)
                await self._emit("planner_stopped", f"planner {s.instance} stopped", data=self.counters())
        finally:
            stop_task.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, stop_task, return_exceptions=True)
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            for consumer in self.consumers:
                await consumer.aclose()
            await self.publisher.aclose()
            await self.backend.aclose()
        log.info("planner %s stopped: %s", s.instance, self.counters())

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

    # -- one request -------------------------------------------------------------------------------
    async def handle(self, delivery: Delivery[PlanRequest]) -> None:
        """Answer one request (or decide not to); returning means 'acknowledge it'."""
        request = delivery.message
        started = time.perf_counter()
        self.stats.counts["requests"] += 1
        if delivery.redelivered:
            self.stats.counts["reclaimed"] += 1
            log.info("request %s (env %s, step %d) claimed from another planner", request.request_id,
                     request.env, request.step)  # fmt: skip
        self.stale.seen(request)
        why = self.stale.why_stale(request)
        if why is not None:
            self.stats.counts["stale"] += 1
            log.info("request %s (env %s, step %d) dropped as stale: %s", request.request_id, request.env,
                     request.step, why)  # fmt: skip
            return
        age = time.time() - request.ts
        budget = max(0.001, min(self.settings.request_budget_s, self.settings.max_request_age_s - age))
        try:
            async with asyncio.timeout(budget):
                result = await self.planner.plan(request)
        except TimeoutError:
            error = f"no usable answer within the request's budget of {budget:.1f} s"
            self.breaker.abandon_trial(error)
            self.breaker.record_failure(error)
            result = PlanResult("backend_error", error=error, model_s=time.perf_counter() - started)
        await self._answer(request, result, started)

    async def _answer(self, request: PlanRequest, result: PlanResult, started: float) -> None:
        self.stats.counts[result.status] += 1
        where = f"request {request.request_id} (env {request.env}, step {request.step})"
        if result.plan is not None:
            plan = result.plan
            action = Action(
                env=request.env,
                step=request.step,
                source=ActionSource.LLM,
                buttons=plan.buttons,
                ttl_steps=plan.ttl_steps,
                goal=plan.goal,
                request_id=request.request_id,
            )
            await self.publisher.publish(self.keys.actions(request.env), action)
            self.stats.counts["answered"] += 1
            total = time.perf_counter() - started
            self.stats.observe(total, result.model_s)
            log.info("%s: %s %s, ttl %d (%s, %.0f ms, model %.0f ms)", where, plan.goal,
                     [b.value for b in plan.buttons], plan.ttl_steps, result.status, total * 1000,
                     result.model_s * 1000)  # fmt: skip
        elif result.status == "invalid":
            log.warning("%s: no usable plan after one repair: %s; answers: %r", where, result.error, result.raw)
            await self._emit(
                "plan_invalid",
                f"no usable plan for step {request.step}: {result.error}",
                level="warning",
                env=request.env,
                data={"request_id": request.request_id, "step": request.step, "error": result.error,
                      "raw": list(result.raw)},
            )  # fmt: skip
        elif result.status == "backend_error":
            log.warning("%s: answered with nothing: %s", where, result.error)
            await self._emit(
                "plan_failed",
                f"no plan for step {request.step}: {result.error}",
                level="warning",
                env=request.env,
                data={"request_id": request.request_id, "step": request.step, "error": result.error},
            )
        else:  # backend_down: said once, when the breaker opened
            log.debug("%s: answered with nothing, model back end down", where)

    # -- status ------------------------------------------------------------------------------------
    def counters(self) -> dict[str, int | float]:
        """What the heartbeat carries: request outcomes, latency percentiles, back end state, stream counts."""
        values: dict[str, int | float] = {k: v for k, v in self.stats.snapshot().items() if v is not None}
        values.update(self.stream_counters.as_dict())
        values["backend_up"] = int(self.breaker.state is BreakerState.CLOSED)
        values["backend_outages"] = self.breaker.times_opened
        values["model_calls"] = self.guarded.calls
        values["model_retries"] = self.guarded.retried
        return values

    def _on_breaker(self, old: BreakerState, new: BreakerState, why: str) -> None:
        """Say it in the heartbeat and in `events` when the model back end goes down or comes back."""
        status = {BreakerState.CLOSED: "running", BreakerState.OPEN: "running, model back end down",
                  BreakerState.HALF_OPEN: "running, probing model back end"}[new]  # fmt: skip
        self.heartbeat.status = status
        self._spawn(self.heartbeat.beat(), "heartbeat")
        if new is BreakerState.OPEN and old is not BreakerState.HALF_OPEN:
            self._spawn(
                self._emit("backend_down", f"model back end down, planning paused: {why}", level="error",
                           data={"backend": self.backend.name, "url": self.backend.base_url, "error": why}),
                "event",
            )  # fmt: skip
        elif new is BreakerState.CLOSED:
            self._spawn(
                self._emit("backend_up", "model back end answers again, planning resumed",
                           data={"backend": self.backend.name, "url": self.backend.base_url}),
                "event",
            )  # fmt: skip

    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"planner-{what}")
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.stats.counts["error"] += 1
            log.error("background %s failed: %r", task.get_name(), task.exception())

    async def _emit(
        self,
        kind: str,
        message: str,
        *,
        level: Literal["info", "warning", "error"] = "info",
        env: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        event = Event(
            service=SERVICE, instance=self.settings.instance, kind=kind, message=message, env=env, level=level,
            data=data or {},
        )  # fmt: skip
        await self.publisher.publish(self.keys.events, event)


async def run(settings: PlannerSettings) -> None:
    """Run one planner process until SIGTERM or SIGINT."""
    service = PlannerService(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.run(stop)
