"""The emulator, the planner and the stand-in model host as real processes: plans are played, and
the game goes on while the model host is down, and gets plans again once it is back."""

from pathlib import Path

import pytest
import redis

from shared.messages import Action, ActionSource
from tests.procs import KEYS, events, frames, newest_frame, running, wait_for
from tests.standins.model_host import Reply, StandinModelHost

pytestmark = pytest.mark.timeout(120)

PLANNER_ARGS = ("--llm-retries", "0", "--breaker-failures", "2", "--breaker-reset-s", "1", "--request-budget-s", "2")
STREAM_ENV = {"CRL_STREAM_READ_BLOCK_MS": "100", "CRL_STREAM_HEARTBEAT_INTERVAL": "0.5"}


def llm_frames(client: redis.Redis, after_step: int = -1) -> list[int]:
    return [f.step for f in frames(client) if f.action_source == ActionSource.LLM and f.step > after_step]


def test_the_emulator_plays_the_plans_and_goes_on_without_them(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, standin: StandinModelHost
) -> None:
    data = tmp_path / "data"
    planner_args = ("--llm-url", standin.ollama_url, "--instance", "e2e", *PLANNER_ARGS)
    emulator_args = ("--rom", str(demo_rom), "--progress-interval", "3600", "--llm-interval", "10")
    with (
        running("services.llm_planner", redis_url, data, *planner_args, **STREAM_ENV),
        running("services.emulator", redis_url, data, *emulator_args),
    ):
        # Plans arrive in actions:0 from the planner, and the emulator presses their buttons.
        wait_for(lambda: llm_frames(redis_client), timeout=60, what="a frame played from an LLM plan")
        plans = [Action.from_fields(f) for _, f in redis_client.xrange(KEYS.actions("0"))]
        plans = [p for p in plans if p.source == ActionSource.LLM]
        assert plans and all(p.request_id and p.goal == "stand-in plan: walk right and up" for p in plans)
        planned = {b for p in plans for b in p.buttons}
        assert {f.action for f in frames(redis_client) if f.action_source == ActionSource.LLM} <= planned

        # The model host goes down: the planner says so, the game goes on with other sources.
        standin.stop()
        wait_for(lambda: events(redis_client, "backend_down"), timeout=30, what="backend_down event")
        down_at = newest_frame(redis_client).step  # type: ignore[union-attr]
        wait_for(lambda: newest_frame(redis_client).step > down_at + 100, timeout=30, what="steps while down")  # type: ignore[union-attr]
        late = [f for f in frames(redis_client) if f.step > down_at + 70]  # past the last plan's ttl
        assert late and all(f.action_source != ActionSource.LLM for f in late)

        # It comes back: planning resumes by itself.
        back_at = newest_frame(redis_client).step  # type: ignore[union-attr]
        standin.start()
        wait_for(lambda: events(redis_client, "backend_up"), timeout=30, what="backend_up event")
        wait_for(lambda: llm_frames(redis_client, back_at), timeout=30, what="LLM frames after the outage")


def test_a_plan_of_one_button_valid_for_one_step_is_played(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, standin: StandinModelHost
) -> None:
    """A ttl counts from the step after the plan arrives: a plan with ttl equal to its buttons loses none of them."""
    standin.default = Reply(text='{"goal": "press a once", "buttons": ["a"], "ttl": 1}')
    data = tmp_path / "data"
    planner_args = ("--llm-url", standin.ollama_url, "--instance", "e2e", *PLANNER_ARGS)
    emulator_args = ("--rom", str(demo_rom), "--progress-interval", "3600", "--llm-interval", "10")
    with (
        running("services.llm_planner", redis_url, data, *planner_args, **STREAM_ENV),
        running("services.emulator", redis_url, data, *emulator_args),
    ):
        wait_for(lambda: len(llm_frames(redis_client)) >= 3, timeout=60, what="three one-step plans played")
