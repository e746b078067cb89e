"""Both back ends against the stand-in model host over real HTTP: shapes, errors, timeouts, step-down.

The OpenAI back end is also checked against the official `openai` client: both send their
request to the stand-in, and the bodies must agree (the client is the reference for the shape;
nothing here talks to the internet).
"""

import asyncio
import json
import logging
import time

import openai
import pytest

from services.llm_planner.backends import (
    BackendProtocolError,
    BackendRejected,
    BackendTimeout,
    BackendUnavailable,
    OllamaBackend,
    OpenAIBackend,
    make_backend,
)
from services.llm_planner.plan import AnswerLimits, parse_plan, plan_schema
from services.llm_planner.prompt import ChatMessage
from services.llm_planner.settings import PlannerSettings
from shared.buttons import Button
from tests.llm_planner.conftest import planner_settings
from tests.standins.model_host import Reply, StandinModelHost

LEGAL = (Button.A, Button.UP, Button.RIGHT)
SCHEMA = plan_schema(LEGAL, AnswerLimits(max_steps=4, max_ttl=16))
MESSAGES: list[ChatMessage] = [{"role": "system", "content": "plan"}, {"role": "user", "content": "state"}]


@pytest.mark.parametrize("api", ["ollama", "openai"])
async def test_a_schema_constrained_chat_round_trip(standin: StandinModelHost, api: str) -> None:
    url = standin.ollama_url if api == "ollama" else standin.openai_url
    backend = make_backend(planner_settings(url))
    try:
        assert backend.name == api
        text = await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    plan = parse_plan(text, LEGAL, 4, 16)
    assert plan.buttons == (Button.RIGHT, Button.RIGHT, Button.UP, Button.A)
    (request,) = standin.requests
    assert request.api == api
    assert request.body["model"] == "smollm2:1.7b" and request.body["messages"] == MESSAGES
    assert request.body["stream"] is False
    if api == "ollama":
        assert request.body["format"] == SCHEMA
        # the cap is the longest answer the full profile's schema allows: none is cut off
        assert request.body["options"] == {"temperature": 0.2, "num_predict": 960}
    else:
        assert request.body["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "plan", "schema": SCHEMA, "strict": True},
        }
        assert "authorization" not in request.headers


@pytest.mark.parametrize(
    ("url", "backend", "http_url"),
    [
        ("http://gpu:11434", "ollama", "http://gpu:11434"),
        ("ollama://gpu:11434", "ollama", "http://gpu:11434"),
        ("ollama+https://gpu.example", "ollama", "https://gpu.example"),
        ("http://gpu:8000/v1", "openai", "http://gpu:8000/v1"),
        ("openai://gpu:8080", "openai", "http://gpu:8080"),
        ("openai+https://api.example.com/v1/", "openai", "https://api.example.com/v1"),
    ],
)
def test_backend_is_chosen_by_url_scheme(url: str, backend: str, http_url: str) -> None:
    settings = PlannerSettings(llm_url=url)
    assert settings.backend_name() == backend
    assert settings.http_url() == http_url


def test_backend_setting_wins_over_a_plain_url_and_bad_urls_fail_at_start() -> None:
    assert PlannerSettings(llm_url="http://gpu:9000", llm_backend="openai").backend_name() == "openai"
    with pytest.raises(ValueError, match="contradicts"):
        PlannerSettings(llm_url="ollama://gpu", llm_backend="openai")
    with pytest.raises(ValueError, match="use http"):
        PlannerSettings(llm_url="ftp://gpu")


async def test_openai_base_without_v1_gets_it(standin: StandinModelHost) -> None:
    backend = make_backend(planner_settings(f"openai://127.0.0.1:{standin.port}"))
    try:
        assert backend.base_url.endswith("/v1")
        await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()


async def test_api_key_is_sent_as_bearer_token(standin: StandinModelHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRL_LLM_API_KEY", "sk-test-123")
    backend = make_backend(planner_settings(standin.openai_url))
    try:
        await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    assert standin.requests[0].headers["authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in repr(PlannerSettings())


async def test_request_shape_matches_the_official_openai_client(standin: StandinModelHost) -> None:
    """Same call through `openai.AsyncOpenAI` and through our back end: the stand-in sees the same body."""
    ours = OpenAIBackend(
        make_backend(planner_settings(standin.openai_url)).client, standin.openai_url, "qwen2.5:1.5b",
        temperature=0.2, max_tokens=256, api_key="sk-local",
    )  # fmt: skip
    client = openai.AsyncOpenAI(base_url=standin.openai_url, api_key="sk-local", max_retries=0, timeout=5)
    try:
        text = await ours.chat(MESSAGES, SCHEMA)
        completion = await client.chat.completions.create(**ours.request_body(MESSAGES, SCHEMA))
    finally:
        await ours.aclose()
        await client.close()
    ours_req, client_req = standin.requests
    assert ours_req.body == client_req.body
    assert ours_req.headers["authorization"] == client_req.headers["authorization"] == "Bearer sk-local"
    assert ours_req.headers["content-type"] == client_req.headers["content-type"] == "application/json"
    # The stand-in's answer is what the official client parses as a chat completion.
    assert completion.choices[0].message.content == text
    assert json.loads(text)["buttons"]


@pytest.mark.parametrize("status", [400, 422, 500])
async def test_openai_steps_down_when_json_schema_is_rejected(
    standin: StandinModelHost, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the status: a 500 naming `response_format` is the format refused, not the host down."""
    standin.reject_json_schema = status
    backend = make_backend(planner_settings(standin.openai_url))
    caplog.set_level(logging.WARNING, logger="services.llm_planner.backends.openai_compat")
    try:
        await backend.chat(MESSAGES, SCHEMA)
        await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    formats = [r.body.get("response_format") for r in standin.requests]
    with_schema = {"type": "json_object", "schema": SCHEMA}
    assert formats == [formats[0], with_schema, with_schema]
    assert formats[0]["type"] == "json_schema"
    assert len([r for r in caplog.records if "rejected response_format" in r.getMessage()]) == 1


async def test_openai_steps_down_one_step_at_a_time_to_no_constraint(
    standin: StandinModelHost, caplog: pytest.LogCaptureFixture
) -> None:
    """A host that refuses every format is asked with less each time, down to none; each step said once."""
    standin.reject_formats = {"json_schema", "json_object"}
    backend = make_backend(planner_settings(standin.openai_url))
    caplog.set_level(logging.WARNING, logger="services.llm_planner.backends.openai_compat")
    try:
        await backend.chat(MESSAGES, SCHEMA)
        await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    formats = [r.body.get("response_format") for r in standin.requests]
    assert formats == [formats[0], {"type": "json_object", "schema": SCHEMA}, {"type": "json_object"}, None, None]
    steps = [r.getMessage() for r in caplog.records if "rejected response_format" in r.getMessage()]
    assert [s.split("; ")[1].split(":")[0] for s in steps] == [
        "using 'json_with_schema' from now on",
        "using 'json' from now on",
        "using 'none' from now on",
    ]


async def test_a_500_that_does_not_name_the_format_is_the_host_down(standin: StandinModelHost) -> None:
    standin.script.append(Reply(status=500))
    backend = make_backend(planner_settings(standin.openai_url))
    try:
        with pytest.raises(BackendUnavailable):
            await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    assert [r.body["response_format"]["type"] for r in standin.requests] == ["json_schema"]


@pytest.mark.parametrize("api", ["ollama", "openai"])
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=500), BackendUnavailable),
        (Reply(status=503), BackendUnavailable),
        (Reply(status=429), BackendUnavailable),
        (Reply(status=400), BackendRejected),
        (Reply(status=401), BackendRejected),
    ],
)
async def test_http_errors_are_classified(standin: StandinModelHost, api: str, reply: Reply, error: type) -> None:
    standin.push(reply)
    url = standin.ollama_url if api == "ollama" else standin.openai_url
    backend = make_backend(planner_settings(url))
    try:
        with pytest.raises(error, match=str(reply.status)):
            await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()


async def test_unknown_ollama_model_says_how_to_pull_it(standin: StandinModelHost) -> None:
    standin.known_models = {"llama3.2:1b"}
    backend = make_backend(planner_settings(standin.ollama_url))
    try:
        with pytest.raises(BackendRejected, match=r"ollama pull smollm2:1\.7b"):
            await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()


@pytest.mark.parametrize("api", ["ollama", "openai"])
async def test_a_slow_host_times_out(standin: StandinModelHost, api: str) -> None:
    standin.push(Reply(delay_s=1.0))
    url = standin.ollama_url if api == "ollama" else standin.openai_url
    backend = make_backend(planner_settings(url, llm_timeout_s=0.2))
    started = time.monotonic()
    try:
        with pytest.raises(BackendTimeout):
            await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize("api", ["ollama", "openai"])
async def test_a_host_that_is_down_is_unavailable_fast(standin: StandinModelHost, api: str) -> None:
    url = standin.ollama_url if api == "ollama" else standin.openai_url
    standin.stop()
    backend = make_backend(planner_settings(url))
    started = time.monotonic()
    try:
        with pytest.raises(BackendUnavailable, match="ConnectError"):
            await backend.chat(MESSAGES, SCHEMA)
    finally:
        await backend.aclose()
    assert time.monotonic() - started < 0.5


async def test_answers_of_the_wrong_shape_are_protocol_errors(standin: StandinModelHost) -> None:
    @standin.app.post("/bad/api/chat")
    async def bad() -> dict[str, str]:
        return {"response": "no message field"}

    @standin.app.post("/bad/v1/chat/completions")
    async def bad_openai() -> dict[str, list[str]]:
        return {"choices": []}

    ollama = OllamaBackend(
        make_backend(planner_settings(standin.ollama_url)).client,
        standin.ollama_url + "/bad",
        "m",
        temperature=0,
        max_tokens=16,
    )
    oai = OpenAIBackend(
        make_backend(planner_settings(standin.openai_url)).client,
        standin.ollama_url + "/bad/v1",
        "m",
        temperature=0,
        max_tokens=16,
    )
    try:
        with pytest.raises(BackendProtocolError, match=r"message\.content"):
            await ollama.chat(MESSAGES, SCHEMA)
        with pytest.raises(BackendProtocolError, match="choices"):
            await oai.chat(MESSAGES, SCHEMA)
    finally:
        await asyncio.gather(ollama.aclose(), oai.aclose())
