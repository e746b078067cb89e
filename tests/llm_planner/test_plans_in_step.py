"""Plans in step with the game: the emulator, the planner and the stand-in model host as real processes.

At most one plan request per env is open (a planning point that finds one open is remembered and sent once
the open one is answered, by a plan or the planner's `NoPlan`, or given up); a plan made for another map,
another episode or too many steps ago is refused as stale; with `--llm-wait` the game waits at a planning
point for its plan; the frames of a plan's steps carry its id.
"""

import itertools
from pathlib import Path

import pytest
import redis

from shared.buttons import Button
from shared.health import Health
from shared.messages import Action, ActionSource, ControlCommand, Frame, PlanRequest
from tests.procs import KEYS, events, frames, heartbeat, newest_frame, open_requests, running, wait_for
from tests.standins.model_host import Reply, StandinModelHost

pytestmark = pytest.mark.timeout(120)

PLANNER_ARGS = ("--llm-retries", "0", "--request-budget-s", "5")
STREAM_ENV = {"CRL_STREAM_READ_BLOCK_MS": "100", "CRL_STREAM_HEARTBEAT_INTERVAL": "0.3"}
EMULATOR_ARGS = ("--progress-interval", "3600", "--peer-check-interval", "0.2", "--stuck-patience", "100000")


def emulator_counters(client: redis.Redis) -> dict[str, float]:
    raw = client.get(KEYS.health("emulator", "env0"))
    return Health.model_validate_json(raw).counters if raw else {}


def requests(client: redis.Redis) -> list[PlanRequest]:
    return [PlanRequest.from_fields(fields) for _, fields in client.xrange(KEYS.plan_requests)]


def test_one_request_is_open_at_a_time_and_what_came_meanwhile_is_asked_once_it_is_answered(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, standin: StandinModelHost
) -> None:
    """A slow model (0.4 s an answer, 40 steps or so) and a planning point every 5 steps; every other request gets
    two unusable answers, the first and its repair (its `NoPlan` closes it as a plan does)."""
    standin.default = Reply(delay_s=0.4)
    bad = Reply(text="not json", delay_s=0.2)
    standin.push(*[Reply(delay_s=0.4), bad, bad] * 4)
    data = tmp_path / "data"
    with (
        running("services.llm_planner", redis_url, data, "--llm-url", standin.ollama_url, *PLANNER_ARGS,
                **STREAM_ENV),
        running("services.emulator", redis_url, data, "--rom", str(demo_rom), *EMULATOR_ARGS, "--llm-interval", "5"),
    ):  # fmt: skip
        wait_for(lambda: len(requests(redis_client)) >= 8, timeout=60, what="eight plan requests")
        counters = wait_for(
            lambda: (c := emulator_counters(redis_client)).get("plan_no_plans", 0) >= 2 and c,
            what="NoPlans closing requests",
        )
    most, unanswered = open_requests(redis_client)
    assert most == 1 and len(unanswered) <= 1  # only the newest may still have been waiting at the stop
    sent = requests(redis_client)
    assert counters["plan_points_deferred"] >= 2  # planning points that found a request open were remembered
    assert counters["plan_requests_given_up"] == 0 and counters["plan_answers"] >= 2
    episode_of = {f.step: f.episode for f in frames(redis_client)}
    assert all(r.episode == episode_of[r.step] for r in sent) and len({r.request_id for r in sent}) == len(sent)
    # a remembered point goes out at the first step after the answer, with the state of that step
    steps = [r.step for r in sent]
    assert all(b - a > 5 for a, b in itertools.pairwise(steps)), steps  # the model's time, not the interval


def test_an_unanswered_request_is_given_up_after_its_time(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    heartbeat(redis_client, "llm_planner")  # a planner alive that never answers (its answer lost)
    args = ("--rom", str(demo_rom), *EMULATOR_ARGS, "--llm-interval", "1", "--llm-request-timeout-s", "0.5")
    with running("services.emulator", redis_url, tmp_path / "data", *args):
        wait_for(lambda: len(requests(redis_client)) >= 3, timeout=30, what="three requests")
        wait_for(lambda: emulator_counters(redis_client).get("plan_requests_given_up", 0) >= 2, what="the heartbeat")
    sent = requests(redis_client)
    gaps = [b.ts - a.ts for a, b in itertools.pairwise(sent)]
    assert all(gap >= 0.5 for gap in gaps), gaps  # an interval of 1 step, and still one request at a time


def plan_for(frame: Frame, **fields: object) -> Action:
    values: dict[str, object] = {
        "env": "0", "step": frame.step, "source": ActionSource.LLM, "buttons": (Button.DOWN,) * 3, "ttl_steps": 20,
        "goal": "test", "request_id": "test-plan", "map_group": frame.state.map_group,
        "map_number": frame.state.map_number, "episode": frame.episode,
    }  # fmt: skip
    values.update(fields)
    return Action.model_validate(values)


def test_a_plan_for_another_map_episode_or_too_long_ago_is_refused_as_stale_and_one_that_fits_plays(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    args = ("--rom", str(demo_rom), *EMULATOR_ARGS, "--llm-plan-max-age", "40")
    with running("services.emulator", redis_url, tmp_path / "data", *args):
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > 50, what="50 steps")
        # paused, the player stays where the plans are checked against (plans are still taken while paused)
        redis_client.xadd(KEYS.control("0"), ControlCommand(id="pause", env="0", command="pause").to_fields())
        wait_for(lambda: events(redis_client, "control_ack"), what="the pause")
        now = newest_frame(redis_client)
        assert now is not None
        group, number = now.state.map_group, now.state.map_number
        stale = [
            plan_for(now, request_id="other-map", map_group=group, map_number=number + 1),
            plan_for(now, request_id="other-episode", episode=now.episode + 1),
            plan_for(now, request_id="too-old", step=0),
        ]
        for plan in stale:
            redis_client.xadd(KEYS.actions("0"), plan.to_fields())
        refused = wait_for(lambda: len(e := events(redis_client, "plan_stale")) >= 3 and e, what="three refusals")
        redis_client.xadd(KEYS.actions("0"), plan_for(now, request_id="fits").to_fields())
        redis_client.xadd(KEYS.control("0"), ControlCommand(id="resume", env="0", command="resume").to_fields())
        played = wait_for(
            lambda: len(p := [f for f in frames(redis_client) if f.plan == "fits"]) >= 3 and p, what="the plan"
        )
        counters = wait_for(
            lambda: (c := emulator_counters(redis_client)).get("source_plans_received") and c, what="the heartbeat"
        )
    assert {e.data["request_id"]: e.data["kind"] for e in refused} == {
        "other-map": "map", "other-episode": "episode", "too-old": "age"
    }  # fmt: skip
    assert all(e.level == "warning" and e.env == "0" for e in refused)
    assert (counters["source_stale_plans"], counters["source_stale_plans_map"], counters["source_stale_plans_episode"],
            counters["source_stale_plans_age"]) == (3, 1, 1, 1)  # fmt: skip
    assert [f.action for f in played] == [Button.DOWN] * 3 and all(f.action_source is ActionSource.LLM for f in played)
    assert not [f for f in frames(redis_client) if f.plan in {"other-map", "other-episode", "too-old"}]


def test_with_llm_wait_the_game_waits_at_a_planning_point_and_plays_the_plan_from_the_next_step(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path, standin: StandinModelHost
) -> None:
    standin.default = Reply(text='{"goal": "down", "buttons": ["down", "down"], "ttl": 2}', delay_s=0.3)
    data = tmp_path / "data"
    emulator_args = ("--rom", str(demo_rom), *EMULATOR_ARGS, "--llm-interval", "50", "--llm-wait-ms", "3000")
    with (
        running("services.llm_planner", redis_url, data, "--llm-url", standin.ollama_url, *PLANNER_ARGS,
                **STREAM_ENV),
        running("services.emulator", redis_url, data, *emulator_args),
    ):  # fmt: skip
        wait_for(lambda: len(requests(redis_client)) >= 3, timeout=60, what="three plan requests")
        counters = wait_for(
            lambda: (c := emulator_counters(redis_client)).get("plan_waits_met", 0) >= 2 and c, what="waits met"
        )
        sent = requests(redis_client)[:2]
        by_step = {f.step: f for f in frames(redis_client)}
    for request in sent:  # the plan came while the game waited: its first button is the very next step's
        after = [by_step[request.step + 1], by_step[request.step + 2]]
        assert [f.plan for f in after] == [request.request_id] * 2, [(f.step, f.action_source) for f in after]
        assert [f.action for f in after] == [Button.DOWN, Button.DOWN]
    assert counters["plan_wait_ms"] >= 2 * 250  # it waited about the model's 0.3 s each time
