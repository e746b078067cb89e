"""Redis stops in the middle of a run: the game keeps playing, buffers, reconnects, and the streams continue."""

import time
from pathlib import Path

import pytest
import redis

from shared.health import Health
from shared.redis_server import LocalRedis
from tests.procs import KEYS, frames, newest_frame, running, wait_for


@pytest.mark.timeout(120)
def test_emulator_plays_through_a_redis_outage(demo_rom: Path, redis_server: LocalRedis, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_server.url)
    args = ["--rom", str(demo_rom), "--progress-interval", "1"]
    with running("services.emulator", redis_server.url, tmp_path / "data", *args) as process:
        wait_for(lambda: (f := newest_frame(client)) and f.step > 30, what="30 steps")
        redis_server.stop()
        time.sleep(3)
        assert process.poll() is None, "the emulator died with Redis"
        redis_server.start()
        client = redis.Redis.from_url(redis_server.url)
        before = newest_frame(client)
        assert before is not None  # the stream survived (append-only file)
        wait_for(lambda: (f := newest_frame(client)) and f.step > before.step + 50, timeout=30, what="steps again")

        def counters() -> dict[str, int | float]:
            raw = client.get(KEYS.health("emulator", "env0"))
            return Health.model_validate_json(raw).counters if raw else {}

        seen = wait_for(lambda: (c := counters()) and c.get("reconnects", 0) >= 1 and c, timeout=20, what="heartbeat")
        assert seen["buffered"] > 0 and seen["connection_errors"] > 0
        steps = [f.step for f in frames(client)]
        assert steps == sorted(set(steps)), "frames were flushed out of order, or twice"
    log = (tmp_path / "data" / "emulator.log").read_text()
    # the progress line kept coming while Redis was away: the game did not wait for it
    assert log.count("steps/s") >= 3
