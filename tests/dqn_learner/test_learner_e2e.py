"""The learner and the real emulator service as processes on the demo cartridge, against a real Redis.

Actions flow back and are executed (frames say source `dqn`); a learner killed with
SIGKILL and restarted resumes from its checkpoint, refills its buffer and claims the
frames its predecessor had read but not acknowledged; SIGTERM checkpoints and exits 0.
"""

import signal
from pathlib import Path

import pytest
import redis

from services.dqn_learner.checkpoints import list_checkpoints
from services.dqn_learner.service import GROUP, SERVICE
from shared.health import Health
from shared.messages import ActionSource
from tests.procs import KEYS, frames, newest_frame, running, start_service, stop, wait_for

pytestmark = pytest.mark.timeout(150)

EMULATOR = "services.emulator"
LEARNER = "services.dqn_learner"
FAST_STREAMS = {
    "CRL_STREAM_HEARTBEAT_INTERVAL": "0.3",
    "CRL_STREAM_CLAIM_MIN_IDLE_MS": "500",
    "CRL_STREAM_CLAIM_INTERVAL": "0.5",
    "CRL_STREAM_DISCOVER_INTERVAL": "0.2",
}


def learner_args(instance: str) -> list[str]:
    # free: this is about actions, resume and claims; on a loaded machine a hold would pace the game to training
    # (tests/dqn_learner/test_replay_ratio.py is about that)
    return [
        "--instance", instance,
        "--replay-ratio-mode", "free",
        "--train-priority", "normal",  # free mode's own is idle: starved of CPU on a busy machine, it never checkpoints
        "--frame-stack", "2",
        "--buffer-capacity", "5000",
        "--learning-starts", "64",
        "--train-every", "2",
        "--checkpoint-every", "25",
        "--stats-interval", "0.5",
        "--epsilon-decay-frames", "500",
    ]  # fmt: skip


def learner_health(client: redis.Redis, instance: str) -> dict[str, float]:
    raw = client.get(KEYS.health(SERVICE, instance))
    return Health.model_validate_json(raw).counters if raw else {}


def dqn_steps(client: redis.Redis, after: int = -1) -> int:
    return sum(f.action_source == ActionSource.DQN for f in frames(client) if f.step > after)


def test_actions_flow_back_and_a_killed_learner_resumes_and_claims(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    checkpoints = data / SERVICE / "checkpoints"
    emulator_args = ["--rom", str(demo_rom), "--peer-check-interval", "0.2", "--progress-interval", "3600"]
    with running(EMULATOR, redis_url, data, *emulator_args, **FAST_STREAMS):
        first = start_service(LEARNER, redis_url, data, *learner_args("first"), **FAST_STREAMS)
        try:
            wait_for(lambda: dqn_steps(redis_client) >= 100, timeout=60, what="100 steps played by the DQN")
            wait_for(lambda: list_checkpoints(checkpoints), timeout=60, what="a checkpoint")
        finally:
            stop(first, signal.SIGKILL)
        saved = int(list_checkpoints(checkpoints)[0].name.split("-")[1].split(".")[0])
        assert saved >= 25

        # The window SIGKILL can hit: entries read by the learner's consumer, not yet acknowledged.
        wait_for(lambda: not redis_client.exists(KEYS.health(SERVICE, "first")), what="the heartbeat to expire")
        wait_for(lambda: redis_client.xlen(KEYS.frames("0")) > 0)
        redis_client.xreadgroup(GROUP, "first", {KEYS.frames("0"): ">"}, count=5)
        pending = redis_client.xpending(KEYS.frames("0"), GROUP)["pending"]
        assert pending >= 5

        restart_step = newest_frame(redis_client).step  # type: ignore[union-attr]
        second = start_service(LEARNER, redis_url, data, *learner_args("second"), **FAST_STREAMS)
        try:
            counters = wait_for(
                lambda: (c := learner_health(redis_client, "second")).get("claimed", 0) >= pending and c,
                timeout=60,
                what="the restarted learner to claim the pending frames",
            )
            assert counters["charts_updates"] >= saved  # resumed from the checkpoint, not from zero
            assert counters["counters_refilled"] > 100  # the buffer came back from the retained window
            wait_for(lambda: redis_client.xpending(KEYS.frames("0"), GROUP)["pending"] == 0, what="no pending")
            wait_for(lambda: dqn_steps(redis_client, after=restart_step) >= 50, timeout=60, what="DQN steps again")
            final = wait_for(  # the emulators' counters arrive with the learner's next stats turn
                lambda: (c := learner_health(redis_client, "second")).get("emulator_deadline_waits", 0) > 0 and c,
                what="the emulator's counters in the learner's heartbeat",
            )
        finally:
            code = stop(second, signal.SIGTERM)
        assert code == 0
    # The emulator's deadline counters reach the learner's stats through its heartbeat.
    assert final["emulator_deadline_waits"] > 0 and "emulator_deadline_missed" in final
    assert final["counters_actions_sent"] > 0 and final["latency_inference_ms_p99"] > 0
    log = (data / "dqn_learner.log").read_text()
    assert f"resumed from checkpoint-{saved:010d}.pt" in log
    assert int(list_checkpoints(checkpoints)[0].name.split("-")[1].split(".")[0]) >= saved
