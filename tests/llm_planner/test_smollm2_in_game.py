"""The real SmolLM2-135M-Instruct in the game (the embedded model host, not a stand-in): the emulator, the
planner and llama-cpp-python's server as processes on a real Redis and the demo cartridge.

Its plans reach the game (frames played by them, source `llm`); over a 2,000-step run of two envs neither ever
has more than one plan request open, though the model takes seconds an answer and the game asks every 30 steps;
a plan the model made for another map than the player's is refused as stale. The runs are as short as still
says so: the model is slow on two cores, and these join the CI suite.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from crystal_rl.model_host import EmbeddedHost
from shared.messages import Action, ActionSource, ControlCommand, NoPlan, PlanRequest
from shared.streams import Decoder
from tests.llm_planner.conftest import cartridge_requests
from tests.llm_planner.smollm2 import smollm2_server
from tests.procs import KEYS, events, frames, newest_frame, open_requests, running, start_service, stop, wait_for

pytestmark = pytest.mark.timeout(600)

STREAM_ENV = {
    "CRL_STREAM_READ_BLOCK_MS": "100",
    "CRL_STREAM_HEARTBEAT_INTERVAL": "0.5",
    "CRL_STREAM_CLAIM_MIN_IDLE_MS": "200000",
}
EMULATOR_ARGS = ("--progress-interval", "3600", "--peer-check-interval", "0.2")
ANSWERS: Decoder[Action | NoPlan] = Decoder(Action, NoPlan)


def plans(client: redis.Redis, env: str) -> list[Action]:
    """The plans on `actions:{env}` (not the `NoPlan` answers beside them)."""
    answers = (ANSWERS.decode(fields) for _, fields in client.xrange(KEYS.actions(env)))
    return [a for a in answers if isinstance(a, Action)]


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedHost]:
    with smollm2_server(tmp_path_factory.mktemp("smollm2") / "model_host.log") as host:
        yield host


def planner_args(host: EmbeddedHost) -> tuple[str, ...]:
    """The planner as `crystal-rl run` gives it the embedded host, with room for a slow shared machine."""
    return ("--instance", "smol", *host.planner_flags(), "--llm-timeout-s", "120", "--request-budget-s", "150")


def test_smollm2s_plans_play_in_two_envs_with_never_more_than_one_request_open_in_either(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, smollm2: EmbeddedHost
) -> None:
    """Two envs of 1,000 steps each (about 2 minutes here; 12 requests and 3 plans played in the run that set
    these figures). A request is given up only after 300 s, longer than the run, so an open one is an unanswered
    one; each env waits up to 2 s at a planning point, so plans land while the map they were made for is still the
    player's, and the run is not over before the model has said anything."""
    data = tmp_path / "data"
    emulator_args = ("--rom", str(demo_rom), *EMULATOR_ARGS, "--max-steps", "1000", "--llm-wait-ms", "2000",
                     "--llm-request-timeout-s", "300")  # fmt: skip
    with running("services.llm_planner", redis_url, data, *planner_args(smollm2), **STREAM_ENV):
        wait_for(lambda: redis_client.exists(KEYS.health("llm_planner", "smol")), timeout=60, what="the planner")
        envs = [start_service("services.emulator", redis_url, data, *emulator_args, "--env", env) for env in "01"]
        try:
            for process in envs:
                assert process.wait(timeout=540) == 0
        finally:
            for process in envs:
                stop(process)
    for env in "01":
        played = frames(redis_client, env)
        assert len(played) >= 1000
        most, unanswered = open_requests(redis_client, env)
        assert most == 1, f"env {env}: {most} plan requests open at once"
        assert len(unanswered) <= 1  # only the last may have been open at the end
    sent = [PlanRequest.from_fields(f) for _, f in redis_client.xrange(KEYS.plan_requests)]
    ids = {r.request_id for r in sent}
    by_plans = [f for env in "01" for f in frames(redis_client, env) if f.action_source is ActionSource.LLM]
    assert by_plans, "no step was played by a SmolLM2 plan"
    assert {f.plan for f in by_plans} <= ids  # each played plan answers one of the run's own requests
    assert all(p.source is ActionSource.LLM and p.env == env for env in "01" for p in plans(redis_client, env))


def test_a_smollm2_plan_made_for_another_map_than_the_players_is_refused_as_stale(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, smollm2: EmbeddedHost
) -> None:
    """The game paused on one map; a request from the cartridge's real state on another map, for this env, step
    and episode, goes to the planner; the model's plan comes back for that map and the emulator refuses it."""
    data = tmp_path / "data"
    emulator_args = ("--rom", str(demo_rom), *EMULATOR_ARGS, "--llm-interval", "100000")
    with (
        running("services.llm_planner", redis_url, data, *planner_args(smollm2), **STREAM_ENV),
        running("services.emulator", redis_url, data, *emulator_args),
    ):
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > 20, timeout=120, what="20 steps")
        redis_client.xadd(KEYS.control("0"), ControlCommand(id="pause", env="0", command="pause").to_fields())
        wait_for(lambda: events(redis_client, "control_ack"), what="the pause")
        now = newest_frame(redis_client)
        assert now is not None
        here = (now.state.map_group, now.state.map_number)
        elsewhere = next(r for r in cartridge_requests(demo_rom, every=9, count=6)
                         if (r.state.map_group, r.state.map_number) != here)  # fmt: skip
        request = elsewhere.model_copy(
            update={"request_id": "other-map", "step": now.step, "episode": now.episode, "ts": now.ts}
        )
        redis_client.xadd(KEYS.plan_requests, request.to_fields())
        refused = wait_for(
            lambda: [e for e in events(redis_client, "plan_stale") if e.data.get("request_id") == "other-map"],
            timeout=300,
            interval=0.5,
            what="the plan for another map refused",
        )
    plan = next(p for p in plans(redis_client, "0") if p.request_id == "other-map")
    assert plan.source is ActionSource.LLM and (plan.map_group, plan.map_number) != here  # the model's, for there
    assert refused[0].data["kind"] == "map" and refused[0].env == "0"
    assert not [f for f in frames(redis_client) if f.plan == "other-map"]
