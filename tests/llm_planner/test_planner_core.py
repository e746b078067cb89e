"""The request-to-plan step against the stand-in model host: plans, repairs, failures, staleness."""

import json
import time
from collections.abc import AsyncIterator

import pytest

from services.llm_planner.backends import make_backend
from services.llm_planner.planner import Planner, StaleFilter
from services.llm_planner.prompt import PromptBuilder, Templates
from services.llm_planner.resilience import BreakerState, CircuitBreaker, GuardedBackend
from shared.buttons import Button
from shared.streams import Backoff
from tests.llm_planner.conftest import make_request, planner_settings
from tests.standins.model_host import Reply, StandinModelHost


@pytest.fixture(params=["ollama", "openai"])
async def planner(request: pytest.FixtureRequest, standin: StandinModelHost) -> AsyncIterator[Planner]:
    url = standin.ollama_url if request.param == "ollama" else standin.openai_url
    settings = planner_settings(url, max_plan_steps=4, max_ttl_steps=20)
    breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s)
    backend = GuardedBackend(
        make_backend(settings), breaker, settings.llm_retries, lambda: Backoff(0.01, 0.02, jitter=1.0)
    )
    prompts = PromptBuilder(Templates.load(), settings.answer_limits(), 8)
    yield Planner(backend, prompts)
    await backend.backend.aclose()


async def test_a_good_answer_is_a_plan(planner: Planner, standin: StandinModelHost) -> None:
    standin.push(Reply('{"goal": "go downstairs", "buttons": ["down", "down", "a"], "ttl": 5}'))
    result = await planner.plan(make_request())
    assert result.status == "planned" and result.plan is not None
    assert result.plan.buttons == (Button.DOWN, Button.DOWN, Button.A)
    assert result.plan.goal == "go downstairs" and result.plan.ttl_steps == 5
    assert result.model_s > 0 and len(standin.requests) == 1


async def test_one_repair_fixes_a_bad_answer(planner: Planner, standin: StandinModelHost) -> None:
    standin.push(Reply("I would walk up a bit."), Reply('{"goal": "up", "buttons": ["up"], "ttl": 2}'))
    result = await planner.plan(make_request())
    assert result.status == "repaired" and result.plan is not None and result.plan.buttons == (Button.UP,)
    assert [(r.kind, r.raw) for r in result.rejections] == [("json", "I would walk up a bit.")]
    repair_messages = standin.requests[1].body["messages"]
    assert repair_messages[-2] == {"role": "assistant", "content": "I would walk up a bit."}
    assert "not valid JSON" in repair_messages[-1]["content"]


@pytest.mark.parametrize(
    ("first", "second", "error"),
    [
        ("{not json", "still not json", "not valid JSON"),
        ('{"goal": "x", "buttons": ["fly"], "ttl": 3}', '{"goal": "x", "buttons": ["start"], "ttl": 3}', "'start'"),
        ('{"goal": "x", "buttons": [], "ttl": 3}', '{"goal": "x", "buttons": [], "ttl": 3}', "list of 1 to 4"),
    ],
)
async def test_two_bad_answers_answer_nothing(
    planner: Planner, standin: StandinModelHost, first: str, second: str, error: str
) -> None:
    standin.push(Reply(first), Reply(second))
    result = await planner.plan(make_request())
    assert result.status == "invalid" and result.plan is None
    assert error in (result.error or "")
    assert [r.raw for r in result.rejections] == [first, second]
    assert len(standin.requests) == 2


async def test_raw_answers_are_truncated(planner: Planner, standin: StandinModelHost) -> None:
    standin.push(Reply("x" * 5000), Reply("y" * 5000))
    result = await planner.plan(make_request())
    assert [len(r.raw) for r in result.rejections] == [600, 600]


async def test_request_without_legal_buttons_is_not_sent(planner: Planner, standin: StandinModelHost) -> None:
    result = await planner.plan(make_request(legal=()))
    assert result.status == "invalid" and not standin.requests


async def test_down_host_opens_the_breaker_and_planning_resumes_when_it_is_back(
    planner: Planner, standin: StandinModelHost
) -> None:
    standin.stop()
    statuses = [(await planner.plan(make_request(step=s))).status for s in range(4)]
    assert statuses == ["backend_error", "backend_error", "backend_down", "backend_down"]
    assert planner.backend.breaker.state is BreakerState.OPEN

    standin.start()
    planner.backend.breaker.opened_at -= 10  # the cool-down has passed
    result = await planner.plan(make_request(step=5))
    assert result.status == "planned"
    assert planner.backend.breaker.state is BreakerState.CLOSED


async def test_the_prompt_reaches_the_host(planner: Planner, standin: StandinModelHost) -> None:
    await planner.plan(make_request(step=321))
    body = standin.requests[0].body
    schema = body.get("format") or body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["buttons"]["items"]["enum"] == ["a", "b", "up", "down", "left", "right"]
    assert "step 321" in json.dumps(body["messages"])


def test_stale_requests_by_age() -> None:
    stale = StaleFilter(max_age_s=5)
    now = time.time()
    assert stale.why_stale(make_request(step=100), now) is None
    assert "old" in (stale.why_stale(make_request(step=100, ts=now - 6), now) or "")
