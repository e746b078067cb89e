"""The planner against the real SmolLM2-135M-Instruct on llama-cpp-python's server (the embedded model host), not a
stand-in: requests made from the demo cartridge's real states, the planner as a process on a real Redis.

A 135M model's plans are not good ones; what is checked is that every answer is a plan (the schema's grammar
leaves it nothing else to write), that the plans reach `actions:{env}` naming the step, map and episode they
were made for, and that the token cap never cuts an answer off.
"""

import asyncio
from pathlib import Path

import pytest
import redis

from shared.health import Health
from shared.messages import Action, ActionSource, PlanRequest
from shared.streams import Publisher
from tests.llm_planner.conftest import cartridge_requests
from tests.llm_planner.smollm2 import smollm2_server
from tests.procs import KEYS, running, wait_for

pytestmark = pytest.mark.timeout(600)


async def publish_all(redis_url: str, requests: list[PlanRequest]) -> None:
    async with Publisher(redis_url, keys=KEYS) as publisher:
        for request in requests:
            assert await publisher.publish(KEYS.plan_requests, request) is not None


def test_plans_of_the_real_smollm2_reach_actions_for_requests_from_the_cartridges_states(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # four envs, each one request from a different point of the walkthrough (house, town, text box, route)
    states = cartridge_requests(demo_rom, every=9, count=4)
    requests = [r.model_copy(update={"env": str(i), "request_id": f"smol-{i}"}) for i, r in enumerate(states)]
    with smollm2_server(tmp_path / "model_host.log") as host:
        planner_args = ("--instance", "smol", *host.planner_flags(), "--llm-timeout-s", "120",
                        "--request-budget-s", "150", "--max-request-age-s", "600")  # fmt: skip
        stream_env = {"CRL_STREAM_CLAIM_MIN_IDLE_MS": "200000", "CRL_STREAM_HEARTBEAT_INTERVAL": "0.5"}
        with running("services.llm_planner", redis_url, tmp_path, *planner_args, **stream_env):
            asyncio.run(publish_all(redis_url, requests))

            def plans() -> list[Action]:
                got = [Action.from_fields(f) for r in requests for _, f in redis_client.xrange(KEYS.actions(r.env))]
                return got if len(got) == len(requests) else []

            actions = wait_for(plans, timeout=480, interval=0.5, what="a plan from SmolLM2 for each request")

            def heartbeat() -> Health | None:  # it trails the last plan by up to one interval
                raw = redis_client.get(KEYS.health("llm_planner", "smol"))
                beat = Health.model_validate_json(raw) if raw else None
                return beat if beat is not None and beat.counters.get("answered") == len(requests) else None

            beat = wait_for(heartbeat, timeout=10, what="the planner's heartbeat after the last plan")
    for action, request in zip(actions, requests, strict=True):
        assert action.source is ActionSource.LLM and action.request_id == request.request_id
        assert (action.step, action.map_group, action.map_number) == (
            request.step, request.state.map_group, request.state.map_number
        )  # fmt: skip
        assert action.episode == request.episode == 0
        assert action.buttons and set(action.buttons) <= set(request.legal)
    counters = beat.counters
    # every answer a plan, none cut off by the token cap: no rejection, no repair
    assert counters.get("answered") == 4 and counters.get("planned") == 4, counters
    assert not counters.get("repaired") and not any(k.endswith(".rejected") for k in counters), counters
    assert counters["model_p50_ms"] > 0 and counters["prompt_tokens_p50"] <= 700
