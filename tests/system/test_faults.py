"""Fault tolerance, proven with real processes: kill -9 each service in turn, kill the emulator, stop Redis.

Each test runs the whole system under `crystal-rl run` on the demo cartridge, breaks one thing,
and checks that the game went on, the supervisor restarted what died, the restarted service
picked up where it was (checkpoint, save state, pending entries) and its work reached the
emulator again — then the invariants every scenario must leave (`check_invariants`). The
numbers (restart times, stalls, steps lost) are printed for the record (`pytest -s`).
"""

import json
import time
from pathlib import Path

import pytest
import redis

from services.emulator.persistence import MAX_SAVES_IN_FLIGHT
from shared.messages import Action, ActionSource, Frame
from shared.redis_server import LocalRedis
from tests.procs import KEYS, wait_for
from tests.standins.model_host import Reply
from tests.system.harness import (
    AUTOSAVE_EVERY,
    StepWatch,
    SystemRun,
    check_invariants,
    events,
    frames_since,
    health,
    inject_malformed,
    kill9,
    newest_step,
    pid_of,
    restarted_pid,
)


def now_ms() -> int:
    return int(time.time() * 1000)


def source_seen(client: redis.Redis, source: ActionSource, since_ms: int) -> bool:
    return any(f.action_source == source for f in frames_since(client, "0", since_ms))


def played_after_new_action(client: redis.Redis, source: ActionSource, since_ms: int) -> bool:
    """An action of `source` published after `since_ms` (by the restarted process), then a frame playing one."""
    rows = client.xrange(KEYS.actions("0"), min=f"{since_ms}-0")
    first = next(
        (raw for raw, f in rows if f.get(b"kind") == b"action" and Action.from_fields(f).source == source), None
    )
    if first is None:
        return False
    return any(f.action_source == source for f in frames_since(client, "0", int(first.decode().split("-")[0])))


def learner_counter(client: redis.Redis, name: str) -> float:
    found = health(client, "dqn_learner")
    return float(found[0].counters.get(name, 0)) if found else 0.0


def learner_pending(client: redis.Redis) -> int:
    """Frames delivered to the learner group and not yet acknowledged, over every env's stream."""
    total = 0
    for stream in client.scan_iter(match=KEYS.frames("*")):
        try:
            total += int(client.xpending(stream, "learner")["pending"])
        except redis.ResponseError:  # no group on this stream (yet)
            continue
    return total


def planner_counter(client: redis.Redis, name: str) -> float:
    found = health(client, "llm_planner")
    return float(found[0].counters.get(name, 0)) if found else 0.0


@pytest.mark.timeout(300)
def test_kill_9_learner_planner_dashboard_in_turn_the_game_goes_on(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    run = SystemRun(redis_url, tmp_path / "data")
    numbers: dict[str, dict[str, float]] = {}
    try:
        run.wait_all_up(redis_client)
        wait_for(lambda: source_seen(redis_client, ActionSource.DQN, 0), 60, what="DQN actions played")
        wait_for(lambda: source_seen(redis_client, ActionSource.LLM, 0), 60, what="LLM plans played")
        # the learner has checkpointed, so the restart has something to resume from
        wait_for(lambda: list((run.data_dir / "dqn_learner").rglob("*.pt")), 90, what="a learner checkpoint")
        malformed = inject_malformed(redis_client)
        with StepWatch(redis_url) as watch:
            for service in ("dqn_learner", "llm_planner", "dashboard"):
                old = pid_of(redis_client, service)
                before_restarts = len(events(redis_client, "service_restarted"))
                if service == "llm_planner":
                    # kill it in the middle of a request: a slow answer, taken, then SIGKILL
                    run.model_host.push(Reply(delay_s=5.0))
                    wait_for(lambda: not run.model_host.script, 30, what="the planner asking the slow model")
                    time.sleep(0.3)
                step_at_kill = newest_step(redis_client)
                killed_at = time.monotonic()
                kill9(old)
                left_pending = learner_pending(redis_client) if service == "dqn_learner" else 0
                new = wait_for(lambda s=service, o=old: restarted_pid(redis_client, s, o), 60, 0.05,  # type: ignore[misc]
                               what=f"{service} restarted")  # fmt: skip
                back_at = time.monotonic()
                # the supervisor announces the restart after starting the child, which may say it is up first
                restarted = wait_for(lambda b=before_restarts: events(redis_client, "service_restarted")[b:], 30,  # type: ignore[misc]
                                     what=f"{service}'s restart announced")  # fmt: skip
                assert [e.data["service"] for e in restarted] == [service], restarted
                assert restarted[0].data["exit_code"] == -9 and new != old
                # its work reaches the emulator again
                back_ms = now_ms()
                if service == "dqn_learner":
                    wait_for(lambda b=back_ms: played_after_new_action(redis_client, ActionSource.DQN, b), 60,
                             what="DQN actions of the new learner played")  # fmt: skip
                    assert "resumed from" in run.log("dqn_learner", "0").split("start #2")[-1]
                    if left_pending:  # the kill landed between a read and its ack: the new learner claims them
                        claimed = lambda: learner_counter(redis_client, "claimed") >= 1  # noqa: E731
                        wait_for(claimed, 30, what="pending frames claimed")
                elif service == "llm_planner":
                    wait_for(lambda b=back_ms: played_after_new_action(redis_client, ActionSource.LLM, b), 60,
                             what="LLM plans of the new planner played")  # fmt: skip
                    wait_for(lambda: planner_counter(redis_client, "claimed") >= 1, 30,
                             what="the killed planner's request claimed")  # fmt: skip
                else:
                    wait_for(run.dashboard_answers, 30, what="the dashboard answering again")
                    shown = run.dashboard("/api/events?kind=service_restarted")
                    wait_for(lambda: len(run.dashboard("/api/events?kind=service_restarted")) >= 3, 15,
                             what="the three restarts on the dashboard")  # fmt: skip
                    assert {e["data"]["service"] for e in shown} <= {"dqn_learner", "llm_planner", "dashboard"}
                recovered_at = time.monotonic()
                time.sleep(1.0)
                stall = watch.longest_stall(killed_at - 0.5, time.monotonic())
                step_after = newest_step(redis_client)
                assert step_after is not None and step_at_kill is not None and step_after > step_at_kill
                assert stall < 3.0, f"the step counter stalled {stall:.1f} s while {service} was down"
                numbers[service] = {
                    "restart_s": round(back_at - killed_at, 2),
                    "work_back_s": round(recovered_at - killed_at, 2),
                    "longest_stall_s": round(stall, 2),
                    "steps_meanwhile": step_after - step_at_kill,
                }
            assert not watch.decreased()
        numbers["invariants"] = check_invariants(redis_client, malformed)  # type: ignore[assignment]
        assert all(h.pid for h in health(redis_client, "emulator"))
    finally:
        code = run.stop()
        print(f"\nfault numbers (kill -9 in turn): {numbers}")
    assert code == 0, run.output()[-3000:]
    assert "Traceback" not in run.output()
    # SIGTERM to the run reached every service, and each saved what it owns before exiting
    assert "env 0 stopped at step" in run.log("emulator", "env0")
    assert "stopped at" in run.log("dqn_learner", "0").split("start #2")[-1]
    assert "dashboard stopped (SIGTERM)" in run.log("dashboard", "0").split("start #2")[-1]


@pytest.mark.timeout(240)
def test_kill_9_emulator_resumes_from_its_newest_save_state(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    run = SystemRun(redis_url, tmp_path / "data")
    numbers: dict[str, float] = {}
    try:
        run.wait_all_up(redis_client)
        wait_for(lambda: (newest_step(redis_client) or 0) > 3 * AUTOSAVE_EVERY + 30, 90, what="a few save states")
        malformed = inject_malformed(redis_client)
        before = health(redis_client, "emulator")[0]
        old_pid = before.pid
        states = run.data_dir / "states" / "env0"
        killed_at = time.monotonic()
        step_at_kill = newest_step(redis_client)
        kill9(old_pid)
        restart_ms = now_ms()
        # a state counts once its sidecar is written (the emulator trusts it only then; a kill can fall between)
        newest_save = max(int(p.stem.split("-")[1]) for p in states.glob("auto-*.json"))
        new = wait_for(lambda: restarted_pid(redis_client, "emulator", old_pid), 60, 0.05, what="emulator restarted")
        back_at = time.monotonic()
        first = wait_for(lambda: [f for f in frames_since(redis_client, "0", 0) if f.step == newest_save + 1], 60,
                         what="the first frame after the restart")  # fmt: skip
        resumed_step = newest_save
        # saves are written while the game goes on: the newest may still be in flight at the kill (up to
        # MAX_SAVES_IN_FLIGHT of them), and then the one before it is where the game resumes
        assert step_at_kill is not None
        assert resumed_step >= step_at_kill - (MAX_SAVES_IN_FLIGHT + 1) * AUTOSAVE_EVERY
        assert first[-1].step > 0
        # stats continue from the save state, not from zero: the new total is the saved total plus the new rewards
        saved = json.loads((states / f"auto-{newest_save:09d}.json").read_text())
        saved_total = float(saved["stats"]["total_reward"])
        after = wait_for(
            lambda: [h for h in health(redis_client, "emulator") if h.pid == new and h.counters["step"] > resumed_step],
            10,
            what="the new emulator's heartbeat past the resumed step",
        )[0].counters

        def new_process_frames() -> list[Frame]:
            """Frames since the kill, from the new process's first (the resumed step's) on: what the killed process
            wrote just before the kill reaches Redis after it, and a CI run counted two such frames as new ones."""
            since = frames_since(redis_client, "0", restart_ms)
            return since[next((i for i, f in enumerate(since) if f.step <= resumed_step), len(since)) :]

        def new_frames() -> list[Frame]:
            got = [f for f in new_process_frames() if resumed_step < f.step <= after["step"]]
            return got if len(got) == after["step"] - resumed_step else []

        played = wait_for(new_frames, 10, what="the new process's frames up to its heartbeat's step")
        restart_ms = int(played[0].ts * 1000)  # the new process's own clock: its actions come after this
        assert float(after["total_reward"]) == pytest.approx(saved_total + sum(f.reward for f in played), abs=0.02)
        assert saved_total != 0.0
        log = run.log("emulator", "env0").split("start #2")[-1]
        assert "resumed from save state" in log
        # the learner and the planner work with the new emulator
        wait_for(lambda: source_seen(redis_client, ActionSource.DQN, restart_ms), 60, what="DQN actions again")
        wait_for(lambda: source_seen(redis_client, ActionSource.LLM, restart_ms), 60, what="LLM plans again")
        restarted = events(redis_client, "service_restarted")
        assert [e.data["service"] for e in restarted] == ["emulator"]
        numbers = {
            "restart_s": round(back_at - killed_at, 2),
            "step_at_kill": step_at_kill,
            "resumed_at_step": resumed_step,
            "steps_lost": step_at_kill - resumed_step,
        }
        numbers.update(check_invariants(redis_client, malformed))
    finally:
        code = run.stop()
        print(f"\nfault numbers (kill -9 emulator): {numbers}")
    assert code == 0, run.output()[-3000:]


@pytest.mark.timeout(240)
def test_redis_down_for_10_s_everything_reconnects_and_nobody_exits(
    redis_server: LocalRedis, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    run = SystemRun(redis_url, tmp_path / "data")
    numbers: dict[str, float] = {}
    try:
        run.wait_all_up(redis_client)
        wait_for(lambda: source_seen(redis_client, ActionSource.DQN, 0), 60, what="DQN actions played")
        wait_for(lambda: source_seen(redis_client, ActionSource.LLM, 0), 60, what="LLM plans played")
        malformed = inject_malformed(redis_client)
        pids = {s: sorted(h.pid for h in health(redis_client, s))
                for s in ("emulator", "dqn_learner", "llm_planner", "supervisor")}  # fmt: skip
        step_before = newest_step(redis_client)
        assert step_before is not None
        redis_client.close()
        down_ms = now_ms()
        redis_server.stop()
        time.sleep(10)
        assert run.process.poll() is None
        redis_server.start()
        up_at, up_ms = time.monotonic(), now_ms()

        def all_back() -> bool:
            now = time.time()
            for service, before in pids.items():
                found = health(redis_client, service)
                if sorted(h.pid for h in found) != before or any(now - h.ts > 2.0 for h in found):
                    return False
            return run.dashboard_answers()

        wait_for(all_back, 60, 0.2, what="every service's heartbeat fresh again, same pids")
        reconnected_s = time.monotonic() - up_at

        # the emulator kept playing through the outage: its buffered frames carry the outage's timestamps
        # (flushed once the publisher's backoff lets it try again: up to backoff_max after Redis is back)
        def played_during() -> list[Frame]:
            got = [f for f in frames_since(redis_client, "0", down_ms) if down_ms / 1000 + 1 < f.ts < up_ms / 1000]
            return got if got and got[-1].step > got[0].step + 50 else []

        during = wait_for(played_during, 30, 0.2, what="the steps played while Redis was down")
        # and afterwards the learner and the planner drive it again
        wait_for(lambda: source_seen(redis_client, ActionSource.DQN, up_ms), 60, what="DQN actions after")
        wait_for(lambda: source_seen(redis_client, ActionSource.LLM, up_ms), 60, what="LLM plans after")
        assert events(redis_client, "service_restarted") == []
        numbers = {
            "reconnected_s": round(reconnected_s, 2),
            "steps_during_outage": during[-1].step - during[0].step,
            "frames_buffered_and_flushed": len(during),
        }
        numbers.update(check_invariants(redis_client, malformed))
    finally:
        code = run.stop()
        print(f"\nfault numbers (Redis down 10 s): {numbers}")
    assert code == 0, run.output()[-3000:]
