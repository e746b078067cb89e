"""The planner against a real OpenAI-compatible server: llama-cpp-python's `llama_cpp.server`, serving a tiny model
of random weights that the test writes itself (`tiny_gguf.py`).

What is checked is the protocol, the grammar and the turns, which hold whatever the weights say:
that server refuses `response_format` json_schema (HTTP 500 naming `response_format`), so the
back end steps down, once and saying so once, to the schema in JSON mode, which the server turns
into a grammar: every answer is then a plan within the schema, and plans reach the game. Without
a grammar the model's text is no plan, and the repair turn (the answer and what was wrong with
it, as an assistant and a user turn) goes to the same server and is answered.
"""

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from services.llm_planner.backends import OpenAIBackend, make_backend
from services.llm_planner.planner import Planner, prompts_for
from services.llm_planner.resilience import CircuitBreaker, GuardedBackend
from shared.messages import Action, ActionSource
from shared.streams import Backoff
from tests.llm_planner.conftest import cartridge_requests, make_request, planner_settings
from tests.llm_planner.llama_server import LlamaServer, llama_server
from tests.procs import KEYS, events, frames, running, wait_for

pytestmark = pytest.mark.timeout(300)

STEP_DOWN = "rejected response_format 'schema'; using 'json_with_schema' from now on"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with llama_server(tmp_path_factory.mktemp("llama")) as running_server:
        yield running_server


@pytest.fixture
async def planner(server: LlamaServer, request: pytest.FixtureRequest) -> AsyncIterator[Planner]:
    json_mode = getattr(request, "param", "schema")
    settings = planner_settings(server.openai_url, llm_model="tiny", llm_timeout_s=60.0, llm_json_mode=json_mode)
    breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s)
    backend = GuardedBackend(make_backend(settings), breaker, 0, lambda: Backoff(0.01, 0.02, jitter=1.0))
    yield Planner(backend, prompts_for(settings))
    await backend.backend.aclose()


async def test_the_server_refuses_json_schema_once_and_its_grammar_makes_every_answer_a_plan(
    planner: Planner, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.llm_planner.backends.openai_compat")
    results = [await planner.plan(make_request(step=step)) for step in (10, 40, 70)]
    assert [r.status for r in results] == ["planned"] * 3, [(r.status, r.error, r.raw) for r in results]
    legal = set(make_request().legal)
    for result in results:
        assert result.plan is not None and set(result.plan.buttons) <= legal
        assert len(result.plan.buttons) <= result.plan.ttl_steps <= 64 and result.prompt_tokens > 0
    backend = planner.backend.backend
    assert isinstance(backend, OpenAIBackend) and backend.json_mode == "json_with_schema"
    steps = [r.getMessage() for r in caplog.records if "rejected response_format" in r.getMessage()]
    assert len(steps) == 1 and STEP_DOWN in steps[0] and "HTTP 500" in steps[0], steps


async def test_under_the_grammar_the_random_weight_model_answers_only_plans_the_parser_accepts(
    planner: Planner, demo_rom: Path
) -> None:
    """20 requests from the demo cartridge's states (walks to its places, its legal buttons): 20 plans, no repair.
    The model is noise; the grammar the schema becomes leaves it nothing to write but a valid plan."""
    results = [await planner.plan(request) for request in cartridge_requests(demo_rom, every=3, count=20)]
    assert [r.status for r in results] == ["planned"] * 20, [(r.status, r.rejections) for r in results]
    assert not [r for r in results if r.rejections]


@pytest.mark.parametrize("planner", ["none"], indirect=True)
async def test_without_a_grammar_the_repair_turn_goes_to_the_server_and_is_answered(planner: Planner) -> None:
    """The model's text is no plan; the planner asks once more with it and the error, and takes the answer."""
    result = await planner.plan(make_request(step=10))
    assert result.status == "invalid" and len(result.rejections) == 2, result
    assert all(r.raw for r in result.rejections) and result.error
    assert result.model_s > 0


def test_plans_from_the_llama_server_reach_the_game(
    server: LlamaServer, demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """The emulator, the planner and the server as processes: frames played from its plans, one step-down."""
    data = tmp_path / "data"
    planner_args = (
        "--llm-url", server.openai_url, "--llm-model", "tiny", "--instance", "llama",
        "--llm-timeout-s", "60", "--request-budget-s", "25",
    )  # fmt: skip
    emulator_args = ("--rom", str(demo_rom), "--progress-interval", "3600", "--llm-interval", "20")
    stream_env = {"CRL_STREAM_READ_BLOCK_MS": "100", "CRL_STREAM_CLAIM_MIN_IDLE_MS": "60000"}
    with (
        running("services.llm_planner", redis_url, data, *planner_args, **stream_env),
        running("services.emulator", redis_url, data, *emulator_args),
    ):
        played = wait_for(
            lambda: [f for f in frames(redis_client) if f.action_source == ActionSource.LLM],
            timeout=180,
            what="a frame played from a plan of the llama.cpp server",
        )
        plans = [Action.from_fields(f) for _, f in redis_client.xrange(KEYS.actions("0"))]
        plans = [p for p in plans if p.source == ActionSource.LLM]
    assert plans and {f.action for f in played} <= {b for p in plans for b in p.buttons}
    # The format refused is never taken for the host failing (it was: the breaker stayed open for the whole run).
    assert not [e for e in events(redis_client) if "response_format" in f"{e.message} {e.data}"]
    log = (data / "llm_planner.log").read_text()
    assert log.count("rejected response_format") == 1 and STEP_DOWN in log
