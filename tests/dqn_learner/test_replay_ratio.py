"""The replay ratio with the real emulator and learner as processes on the demo cartridge, against a real Redis.

The learner is made slower than the game on purpose (one update of 32 per env step): in
`hold` mode the emulator is held back and the updates keep up with the transitions; a
learner killed with SIGKILL while the emulator is held lets it go within the hold key's TTL
(its heartbeat would take 15 s); in `free` mode the emulator is never held and the learner
falls behind, which is what shows the hold was needed.
"""

import signal
import time
from pathlib import Path

import pytest
import redis

from services.dqn_learner.service import SERVICE
from shared.health import Health
from tests.procs import KEYS, newest_frame, running, start_service, stop, wait_for

pytestmark = pytest.mark.timeout(240)

EMULATOR = "services.emulator"
LEARNER = "services.dqn_learner"
TRAIN_EVERY = 1
LEARNING_STARTS = 64
SLACK = 16
HOLD_TTL_MS = 1_000
HOLD_POLL_MS = 20
EMULATOR_STREAMS = {"CRL_STREAM_HEARTBEAT_INTERVAL": "0.3"}
"""The emulator's heartbeat shows its hold counters quickly. The learner keeps the default heartbeat (5 s,
alive 15 s after its last write), so a killed learner's emulators can only resume through the key's TTL."""


def learner_args(mode: str) -> list[str]:
    return [
        "--instance", "learner",
        "--replay-ratio-mode", mode,
        "--hold-slack", str(SLACK),
        "--hold-ttl-ms", str(HOLD_TTL_MS),
        "--frame-stack", "2",
        "--buffer-capacity", "5000",
        "--learning-starts", str(LEARNING_STARTS),
        "--train-every", str(TRAIN_EVERY),
        "--batch-size", "32",
        "--checkpoint-every", "100000",
        "--stats-interval", "0.5",
    ]  # fmt: skip


def counters(client: redis.Redis, service: str, instance: str) -> dict[str, float]:
    raw = client.get(KEYS.health(service, instance))
    return Health.model_validate_json(raw).counters if raw else {}


def learner(client: redis.Redis) -> dict[str, float]:
    return counters(client, SERVICE, "learner")


def emulator(client: redis.Redis) -> dict[str, float]:
    return counters(client, "emulator", "env0")


def emulator_args(demo_rom: Path) -> list[str]:
    return [
        "--rom", str(demo_rom),
        "--peer-check-interval", "0.2",
        "--hold-poll-ms", str(HOLD_POLL_MS),
        "--progress-interval", "3600",
        "--screen-fps", "0",
    ]  # fmt: skip


def test_hold_keeps_the_ratio_and_a_killed_learner_lets_the_emulator_go(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    process = start_service(LEARNER, redis_url, data, *learner_args("hold"))
    # The learner first: nothing to refill, so every transition is one it saw arrive.
    wait_for(lambda: learner(redis_client), timeout=90, what="the learner's heartbeat")
    with running(EMULATOR, redis_url, data, *emulator_args(demo_rom), **EMULATOR_STREAMS):
        try:
            # well past the warm-up, on a learner three times slower than the game
            wait_for(lambda: learner(redis_client).get("charts_transitions", 0) >= 600, timeout=150, what="600")
            for _ in range(5):  # several heartbeats, each a consistent snapshot of the learner's counters
                seen = learner(redis_client)
                owed = (seen["charts_transitions"] - LEARNING_STARTS) / TRAIN_EVERY
                # frames in flight when the hold engages (the learner looks every 10 ms, the emulator every 20)
                assert seen["charts_updates"] >= owed - 2 * SLACK, seen
                assert seen["charts_updates_dropped"] == 0, seen
                time.sleep(0.3)
            assert seen["holds"] >= 1, seen
            assert seen["samples_per_step"] > 0, seen
            held = wait_for(lambda: emulator(redis_client).get("held_ms", 0) > 0 and emulator(redis_client))
            assert held["holds"] >= 1

            # Kill the learner while the emulator is held: only the key's TTL can let it go now. The learner is
            # frozen first (SIGSTOP) so it cannot let go between the look at the key and the kill.
            while True:
                wait_for(lambda: redis_client.exists(KEYS.hold), timeout=60, what="a hold")
                process.send_signal(signal.SIGSTOP)
                if redis_client.exists(KEYS.hold):
                    break
                process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            process.wait(10)
            step = newest_frame(redis_client).step  # type: ignore[union-attr]
            wait_for(lambda: newest_frame(redis_client).step > step, timeout=30, what="the emulator to step again")  # type: ignore[union-attr]
            resumed_after = time.monotonic() - killed
            assert redis_client.exists(KEYS.health(SERVICE, "learner")), "the learner's heartbeat must still be up"
        finally:
            stop(process, signal.SIGKILL)
    # The design's bound: the key's TTL plus one poll; generous for a loaded machine, far below the
    # heartbeat's 15 s through which the emulator would otherwise have waited.
    assert resumed_after < HOLD_TTL_MS / 1000 + 4.0


def test_free_mode_never_holds_and_reports_the_ratio_it_got(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with running(LEARNER, redis_url, data, *learner_args("free")):
        wait_for(lambda: learner(redis_client), timeout=90, what="the learner's heartbeat")
        with running(EMULATOR, redis_url, data, *emulator_args(demo_rom), **EMULATOR_STREAMS):
            wait_for(lambda: learner(redis_client).get("charts_transitions", 0) >= 600, timeout=150, what="600")
            assert not redis_client.exists(KEYS.hold)
            seen = wait_for(lambda: learner(redis_client).get("samples_per_step", 0) > 0 and learner(redis_client))
            game = emulator(redis_client)
    assert game["holds"] == 0 and game["held_ms"] == 0, game
    assert seen["holds"] == 0, seen
    owed = (seen["charts_transitions"] - LEARNING_STARTS) / TRAIN_EVERY
    assert seen["charts_updates"] < owed - 2 * SLACK, f"the learner kept up without a hold: {seen}"
    assert seen["samples_per_step"] < 32 / TRAIN_EVERY, seen
