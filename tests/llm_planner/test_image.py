"""The screen as a picture for vision models: attached by the emulator only when asked, sent by each back end in
its API's own field (Ollama `images`, OpenAI `image_url`), left out when the planner's `llm_image` is off."""

import base64
import io
from pathlib import Path

import pytest
import redis
from PIL import Image

from services.emulator.screens import PNG_SIGNATURE
from services.llm_planner.backends import make_backend
from services.llm_planner.plan import AnswerLimits, plan_schema
from services.llm_planner.prompt import PromptBuilder, Templates
from shared.messages import PlanRequest
from tests.entries import as_entry
from tests.llm_planner.conftest import make_request, planner_settings
from tests.procs import KEYS, heartbeat, running, wait_for
from tests.standins.model_host import StandinModelHost

SCREEN = b"\x89PNG\r\n\x1a\n stand-in picture bytes"


def plan_requests(client: redis.Redis) -> list[tuple[dict[bytes, bytes], PlanRequest]]:
    return [(fields, PlanRequest.from_fields(fields)) for _, fields in client.xrange(KEYS.plan_requests)]


@pytest.mark.parametrize("on", [True, False])
def test_plan_requests_carry_the_screen_as_png_only_when_asked(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, on: bool
) -> None:
    heartbeat(redis_client, "llm_planner")  # a planner is alive: the emulator asks for plans
    args = ["--rom", str(demo_rom), "--llm-interval", "5", "--peer-check-interval", "0.1"]
    with running("services.emulator", redis_url, tmp_path / "data", *args, CRL_LLM_IMAGE=str(on).lower()):
        got = wait_for(lambda: len(r := plan_requests(redis_client)) >= 2 and r, timeout=60, what="plan requests")
    for fields, request in got:
        if on:
            assert request.screen_png.startswith(PNG_SIGNATURE)
            picture = Image.open(io.BytesIO(request.screen_png))
            assert picture.size == (160, 144) and picture.mode == "RGB"
            assert any(low < high for low, high in picture.getextrema())  # the game's screen, not a blank
        else:
            assert request.screen_png == b"" and b"screen_png" not in fields


def test_a_request_without_the_field_reads_as_no_picture_and_one_with_it_round_trips() -> None:
    assert PlanRequest.from_fields(as_entry(make_request(screen_png=SCREEN))).screen_png == SCREEN
    without = as_entry(make_request())
    assert b"screen_png" not in without and PlanRequest.from_fields(without).screen_png == b""


@pytest.mark.parametrize("api", ["ollama", "openai"])
@pytest.mark.parametrize("images", [True, False])
async def test_each_back_end_sends_the_picture_in_its_apis_field(
    standin: StandinModelHost, api: str, images: bool
) -> None:
    request = make_request(screen_png=SCREEN)
    messages = PromptBuilder(Templates.load(), AnswerLimits(8, 64), 16, images=images).messages(request)
    url = standin.ollama_url if api == "ollama" else standin.openai_url
    backend = make_backend(planner_settings(url))
    try:
        await backend.chat(messages, plan_schema(request.legal, AnswerLimits(8, 64)))
    finally:
        await backend.aclose()
    system, user = standin.requests[0].body["messages"]
    assert system == {"role": "system", "content": messages[0]["content"]}
    encoded = base64.b64encode(SCREEN).decode()
    if not images:
        assert user == {"role": "user", "content": messages[1]["content"]}
    elif api == "ollama":
        assert user == {"role": "user", "content": messages[1]["content"], "images": [encoded]}
    else:
        assert user == {
            "role": "user",
            "content": [
                {"type": "text", "text": messages[1]["content"]},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}", "detail": "low"}},
            ],
        }
