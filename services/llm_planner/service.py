"""The planner's work on the stream: plan requests in (consumer group `planner`), plans out to `actions:{env}`.

Every request is acknowledged once it has been dealt with, whatever came of it: a plan, an
invalid answer, a dead back end, a stale or a superseded request all end in an ack, because
asking again later is worthless (the game has moved on). A request that comes to no plan is
answered on `actions:{env}` all the same, with a `NoPlan` saying why: the emulator keeps one
request open per env and may ask again as soon as it knows. Only a request whose handling crashed
stays pending, and so does one this process was killed in the middle of: another planner claims
it (XAUTOCLAIM, after the streams' claim idle time) and answers it.

Only the newest request of each env is planned (`newest.py`): one that a newer request of the
same env superseded is dropped and counted. A request taken up gets its own time (each model call
`llm_timeout_s`, all of them `request_budget_s`), however long it waited; only the host's own
failures (unreachable, errors, its timeouts) count against the circuit breaker, not a budget that
ran out over a slow repair.

Each consumer reads one request at a time, so several planners (or `concurrency` consumers in
one process) share the requests instead of one of them hoarding a batch.
"""

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, Literal

from services.llm_planner.backends import ChatBackend
from services.llm_planner.memory import MemoryStore
from services.llm_planner.newest import NewestRequests
from services.llm_planner.planner import Planner, PlanResult, StaleFilter, prompts_for
from services.llm_planner.resilience import BreakerState, CircuitBreaker, GuardedBackend
from services.llm_planner.settings import PlannerSettings
from services.llm_planner.stats import PlannerStats
from shared.health import Heartbeat
from shared.messages import Action, ActionSource, Event, NoPlan, NoPlanReason, PlanRequest
from shared.streams import Delivery, Publisher, StreamCounters, StreamReader

log = logging.getLogger(__name__)

SERVICE = "llm_planner"
GROUP = "planner"
NO_PLAN: dict[str, NoPlanReason] = {"invalid": "invalid", "backend_down": "down", "backend_error": "failed"}
"""What a request that came to no plan is answered with (`NoPlan.reason`), by the planner's status."""


class PlannerService:
    """What the planner does with a request, and what each outcome publishes: plans, events, counters, and the
    model back end's state in the heartbeat. `app.py` builds its clients and runs its consumers."""

    def __init__(
        self,
        settings: PlannerSettings,
        backend: ChatBackend,
        publisher: Publisher,
        stream_counters: StreamCounters,
        memory: MemoryStore,
    ) -> None:
        self.settings = settings
        self.memory = memory
        """Each env's notes: read before a request is planned, replaced by a plan that brings new ones."""
        self.keys = settings.keys
        self.stats = PlannerStats()
        self.stream_counters = stream_counters
        """Shared by the publisher and the consumers: the stream counts the heartbeat carries."""
        self.backend = backend
        self.publisher = publisher
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s, on_change=self._on_breaker)
        self.guarded = GuardedBackend(self.backend, self.breaker, settings.llm_retries, settings.retry_backoff)
        self.planner = Planner(self.guarded, prompts_for(settings), ram=settings.llm_ram)
        self.stale = StaleFilter(settings.max_request_age_s)
        self.newest = NewestRequests(StreamReader(model=PlanRequest, client=memory.client), self.keys.plan_requests)
        """Which request of each env is the newest: only that one is planned."""
        self.heartbeat: Heartbeat | None = None
        """The planner's heartbeat, once the wiring has built it: its status says whether the back end answers."""
        self._background: set[asyncio.Task[Any]] = set()

    async def cancel_background(self) -> None:
        """Cancel the heartbeats and events still being sent for a change of the back end's state (at shutdown)."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    # -- one request -------------------------------------------------------------------------------
    async def handle(self, delivery: Delivery[PlanRequest]) -> None:
        """Answer one request (or decide not to); returning means 'acknowledge it'."""
        request = delivery.message
        started = time.perf_counter()
        where = f"request {request.request_id} (env {request.env}, step {request.step})"
        self.stats.count(request.env, "requests")
        if delivery.redelivered:
            self.stats.counts["reclaimed"] += 1
            log.info("%s claimed from another planner", where)
        why = self.stale.why_stale(request)
        if why is not None:
            self.stats.count(request.env, "stale")
            log.info("%s dropped as stale: %s", where, why)
            await self._no_plan(request, "stale", why)
            return
        newer = await self.newest.newer_than(delivery)
        if newer is not None:
            self.stats.count(request.env, "superseded")
            log.info("%s superseded by the request of step %d; not planned", where, newer.step)
            await self._no_plan(request, "superseded", f"the request of step {newer.step} is newer")
            return
        budget = self.settings.request_budget_s
        try:
            async with asyncio.timeout(budget):
                notes = await self.memory.for_episode(request.env, request.episode)
                result = await self.planner.plan(request, notes)
        except TimeoutError:
            # the request's own budget, spent over its calls (each bounded by llm_timeout_s): not the host failing
            error = f"no usable answer within the request's budget of {budget:.1f} s"
            self.breaker.abandon_trial(error)
            result = PlanResult("backend_error", error=error, model_s=time.perf_counter() - started)
        await self._answer(request, result, started)

    async def _answer(self, request: PlanRequest, result: PlanResult, started: float) -> None:
        env = request.env
        self.stats.counts[result.status] += 1
        if result.prompt_tokens:
            self.stats.prompt_tokens.append(result.prompt_tokens)
        if result.status != "backend_down":
            self.stats.observe_model(env, result.model_s)
        where = f"request {request.request_id} (env {env}, step {request.step})"
        for attempt, rejection in enumerate(result.rejections):
            self.stats.count(env, "rejected")
            self.stats.env(env).counts[f"rejected.{rejection.kind}"] += 1
            log.warning("%s: answer rejected (%s): %s; answer: %r", where, rejection.kind, rejection.reason,
                        rejection.raw)  # fmt: skip
            await self.emit(
                "plan_rejected",
                f"answer for step {request.step} rejected ({rejection.kind}): {rejection.reason}",
                level="warning",
                env=env,
                data={"request_id": request.request_id, "step": request.step, "kind": rejection.kind,
                      "reason": rejection.reason, "raw": rejection.raw, "attempt": attempt + 1,
                      "repaired": result.plan is not None},
            )  # fmt: skip
        if result.plan is not None:
            plan = result.plan
            action = Action(
                env=env,
                step=request.step,
                source=ActionSource.LLM,
                buttons=plan.buttons,
                ttl_steps=plan.ttl_steps,
                goal=plan.goal,
                request_id=request.request_id,
                walk_to=plan.walk_to,
                map_group=request.state.map_group,
                map_number=request.state.map_number,
                episode=request.episode,
            )
            if plan.notes is not None:  # before the plan goes out: the request it leads to must see them
                await self.memory.put(env, plan.notes, request.step, request.episode)
            await self.publisher.publish(self.keys.actions(env), action)
            self.stats.counts["answered"] += 1
            self.stats.count(env, "served")
            total = time.perf_counter() - started
            self.stats.observe(total, result.model_s)
            walk = f"walk to {plan.walk_to.describe()}, then " if plan.walk_to else ""
            log.info("%s: %s %s%s, ttl %d (%s, %.0f ms, model %.0f ms)", where, plan.goal, walk,
                     [b.value for b in plan.buttons], plan.ttl_steps, result.status, total * 1000,
                     result.model_s * 1000)  # fmt: skip
            return
        self.stats.count(env, "failed")
        await self._no_plan(request, NO_PLAN[result.status], result.error or result.status)
        if result.status == "invalid":
            log.warning("%s: no usable plan after one repair: %s", where, result.error)
        elif result.status == "backend_error":
            log.warning("%s: answered with nothing: %s", where, result.error)
            await self.emit(
                "plan_failed",
                f"no plan for step {request.step}: {result.error}",
                level="warning",
                env=env,
                data={"request_id": request.request_id, "step": request.step, "error": result.error},
            )
        else:  # backend_down: said once, when the breaker opened
            log.debug("%s: answered with nothing, model back end down", where)

    async def _no_plan(self, request: PlanRequest, reason: NoPlanReason, detail: str) -> None:
        """Tell the emulator that `request` comes to no plan, so it may ask again at once."""
        answer = NoPlan(env=request.env, step=request.step, request_id=request.request_id, reason=reason,
                        detail=detail[:500])  # fmt: skip
        await self.publisher.publish(self.keys.actions(request.env), answer)

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
        if self.heartbeat is not None:
            self.heartbeat.status = status
            self._spawn(self.heartbeat.beat(), "heartbeat")
        if new is BreakerState.OPEN and old is not BreakerState.HALF_OPEN:
            self._spawn(
                self.emit("backend_down", f"model back end down, planning paused: {why}", level="error",
                           data={"backend": self.backend.name, "url": self.backend.base_url, "error": why}),
                "event",
            )  # fmt: skip
        elif new is BreakerState.CLOSED:
            self._spawn(
                self.emit("backend_up", "model back end answers again, planning resumed",
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

    async def emit(
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
