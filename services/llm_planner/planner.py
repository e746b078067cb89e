"""From a `PlanRequest` to a `Plan` or a reason why not: prompt, ask, parse, one repair. No Redis here.

Kept apart from the stream loop so it can be tested against the stand-in model host alone,
and so the loop only decides what to publish.
"""

import base64
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from services.llm_planner.backends.base import BackendError
from services.llm_planner.plan import Plan, PlanError, RejectKind, parse_plan, plan_schema, walk_targets
from services.llm_planner.prompt import PromptBuilder, Templates, estimate_tokens
from services.llm_planner.resilience import BackendDown, GuardedBackend
from services.llm_planner.settings import PlannerSettings
from shared.messages import RAM_START, PlanRequest
from shared.notes import Notes

log = logging.getLogger(__name__)

GAME_FIELD = "crl_game"
"""The request body's field that carries the game's RAM to a demonstrator (`llm_ram`): the env, its episode, the
request's step, and `ram` (base64) from `ram_start` on. A model host that is a model ignores it."""

RAW_PREVIEW = 600
"""Characters of a model's unusable answer kept in the log and the `crl:events` entry."""

Status = Literal["planned", "repaired", "invalid", "backend_down", "backend_error"]


@dataclass(frozen=True)
class Rejection:
    """One answer the parser refused: what kind of mistake, the parser's words, the answer (cut short)."""

    kind: RejectKind
    reason: str
    raw: str


@dataclass(frozen=True)
class PlanResult:
    """What came of one request: a plan (for `planned`/`repaired`) or why there is none."""

    status: Status
    plan: Plan | None = None
    error: str | None = None
    rejections: tuple[Rejection, ...] = ()
    """Each unusable answer (first answer, then the repair's), the answer truncated to `RAW_PREVIEW` characters."""
    model_s: float = 0.0
    """Time spent waiting on the model host (all calls, retries and backoff included)."""
    prompt_tokens: int = 0
    """The first prompt's size by `estimate_tokens`."""


def truncate(text: str, limit: int = RAW_PREVIEW) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def prompts_for(settings: PlannerSettings) -> PromptBuilder:
    """The prompt builder the settings describe: the profile's templates (or `prompts_dir`), limits and budget."""
    profile = settings.profile()
    return PromptBuilder(
        Templates.load(settings.prompts_dir or profile.templates),
        settings.answer_limits(),
        profile.history_limit if settings.history_limit is None else settings.history_limit,
        settings.prompt_budget_tokens or profile.budget_tokens,
        images=settings.llm_image,
        steady_places=profile.steady_places,
    )


class Planner:
    """Asks the model for a plan, and once more with the parse error if the first answer is unusable."""

    def __init__(self, backend: GuardedBackend, prompts: PromptBuilder, ram: bool = False) -> None:
        self.backend = backend
        self.prompts = prompts
        self.limits = prompts.limits
        self.ram = ram
        """Forward a request's RAM (when it carries some) to the model host (`llm_ram`), for a demonstrator."""

    async def plan(self, request: PlanRequest, notes: Notes | None = None) -> PlanResult:
        """A plan for `request`; `notes` (the env's notes from earlier answers) go into the prompt."""
        legal = request.legal
        if not legal:
            return PlanResult("invalid", error="the request has no legal buttons; there is nothing to plan")
        schema = plan_schema(legal, self.limits, walk_targets(request.text_map))
        messages = self.prompts.messages(request, notes)
        extra = game_field(request) if self.ram and request.ram else None
        tokens = estimate_tokens(messages)
        rejections: list[Rejection] = []
        model_s = 0.0
        error = ""

        def result(status: Status, **outcome: Any) -> PlanResult:
            """The outcome with what every one carries: the unusable answers, the model's time, the prompt's size."""
            return PlanResult(status, rejections=tuple(rejections), model_s=model_s, prompt_tokens=tokens, **outcome)

        for attempt in range(2):
            started = time.perf_counter()
            try:
                text = await self.backend.chat(messages, schema, extra)
            except BackendDown as exc:
                return result("backend_down", error=str(exc))
            except BackendError as exc:
                model_s += time.perf_counter() - started
                return result("backend_error", error=str(exc))
            model_s += time.perf_counter() - started
            try:
                plan = parse_plan(text, legal, self.limits.max_steps, self.limits.max_ttl)
            except PlanError as exc:
                error = str(exc)
                rejections.append(Rejection(exc.kind, error, truncate(text)))
                log.info("request %s: unusable answer (%s): %r", request.request_id, error, truncate(text, 200))
                if attempt == 0:
                    messages = self.prompts.repair(messages, text, error, legal)
                continue
            return result("repaired" if attempt else "planned", plan=plan)
        return result("invalid", error=error)


def game_field(request: PlanRequest) -> dict[str, object]:
    """The body field (`GAME_FIELD`) that hands a request's RAM to a demonstrator."""
    game = {"env": request.env, "episode": request.episode, "step": request.step, "ram_start": RAM_START,
            "ram": base64.b64encode(request.ram).decode("ascii")}  # fmt: skip
    return {GAME_FIELD: game}


class StaleFilter:
    """Drops requests the game has left behind by their age (`max_request_age_s`) when they are taken up: a
    backlog a restarted planner claims. (A request a newer one of its env superseded is `newest.py`'s.)

    The age check trusts the emulator host's clock to be roughly in sync with this one.
    """

    def __init__(self, max_age_s: float) -> None:
        self.max_age_s = max_age_s

    def why_stale(self, request: PlanRequest, now: float | None = None) -> str | None:
        age = (time.time() if now is None else now) - request.ts
        if age > self.max_age_s:
            return f"{age:.1f} s old (limit {self.max_age_s:g} s)"
        return None
