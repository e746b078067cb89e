"""From a `PlanRequest` to a `Plan` or a reason why not: prompt, ask, parse, one repair. No Redis here.

Kept apart from the stream loop so it can be tested against the stand-in model host alone,
and so the loop only decides what to publish.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from services.llm_planner.backends.base import BackendError
from services.llm_planner.plan import Plan, PlanError, parse_plan, plan_schema
from services.llm_planner.prompt import PromptBuilder, estimate_tokens
from services.llm_planner.resilience import BackendDown, GuardedBackend
from shared.messages import PlanRequest
from shared.notes import Notes

log = logging.getLogger(__name__)

RAW_PREVIEW = 600
"""Characters of a model's unusable answer kept in the log and the `crl:events` entry."""

Status = Literal["planned", "repaired", "invalid", "backend_down", "backend_error"]


@dataclass(frozen=True)
class PlanResult:
    """What came of one request: a plan (for `planned`/`repaired`) or why there is none."""

    status: Status
    plan: Plan | None = None
    error: str | None = None
    raw: tuple[str, ...] = ()
    """Each unusable answer, truncated to `RAW_PREVIEW` characters (first answer, then the repair's)."""
    model_s: float = 0.0
    """Time spent waiting on the model host (all calls, retries and backoff included)."""
    prompt_tokens: int = 0
    """The first prompt's size by `estimate_tokens`."""


def truncate(text: str, limit: int = RAW_PREVIEW) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Planner:
    """Asks the model for a plan, and once more with the parse error if the first answer is unusable."""

    def __init__(self, backend: GuardedBackend, prompts: PromptBuilder, max_steps: int, max_ttl: int) -> None:
        self.backend = backend
        self.prompts = prompts
        self.max_steps = max_steps
        self.max_ttl = max_ttl

    async def plan(self, request: PlanRequest, notes: Notes | None = None) -> PlanResult:
        """A plan for `request`; `notes` (the env's notes from earlier answers) go into the prompt."""
        legal = request.legal
        if not legal:
            return PlanResult("invalid", error="the request has no legal buttons; there is nothing to plan")
        schema = plan_schema(legal, self.max_steps, self.max_ttl)
        messages = self.prompts.messages(request, notes)
        tokens = estimate_tokens(messages)
        raws: list[str] = []
        model_s = 0.0
        error = ""

        def result(status: Status, **outcome: Any) -> PlanResult:
            """The outcome with what every one carries: the unusable answers, the model's time, the prompt's size."""
            return PlanResult(status, raw=tuple(raws), model_s=model_s, prompt_tokens=tokens, **outcome)

        for attempt in range(2):
            started = time.perf_counter()
            try:
                text = await self.backend.chat(messages, schema)
            except BackendDown as exc:
                return result("backend_down", error=str(exc))
            except BackendError as exc:
                model_s += time.perf_counter() - started
                return result("backend_error", error=str(exc))
            model_s += time.perf_counter() - started
            try:
                plan = parse_plan(text, legal, self.max_steps, self.max_ttl)
            except PlanError as exc:
                error = str(exc)
                raws.append(truncate(text))
                log.info("request %s: unusable answer (%s): %r", request.request_id, error, truncate(text, 200))
                if attempt == 0:
                    messages = self.prompts.repair(messages, text, error, legal)
                continue
            return result("repaired" if attempt else "planned", plan=plan)
        return result("invalid", error=error)


class StaleFilter:
    """Drops requests the game has left behind: too old by their timestamp, or far behind a newer request.

    The step check only knows the requests this process has seen; with several planners each
    sees part of the traffic, which is enough to drop the backlog a restarted planner claims.
    The age check trusts the emulator host's clock to be roughly in sync with this one.
    """

    def __init__(self, max_age_s: float, max_step_lag: int) -> None:
        self.max_age_s = max_age_s
        self.max_step_lag = max_step_lag
        self.newest_step: dict[str, int] = {}

    def seen(self, request: PlanRequest) -> None:
        """Note a request as soon as it is read, so older ones in the same batch are judged against it."""
        if request.step > self.newest_step.get(request.env, -1):
            self.newest_step[request.env] = request.step

    def why_stale(self, request: PlanRequest, now: float | None = None) -> str | None:
        age = (time.time() if now is None else now) - request.ts
        if age > self.max_age_s:
            return f"{age:.1f} s old (limit {self.max_age_s:g} s)"
        lag = self.newest_step.get(request.env, request.step) - request.step
        if lag > self.max_step_lag:
            return f"{lag} steps behind a newer request for env {request.env} (limit {self.max_step_lag})"
        return None
