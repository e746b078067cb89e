"""The planner's cost to the game: emulator steps/s with and without a planner answering every 30 steps.

The model host is the stand-in (it answers at once), so what is measured is the planner's
own machinery and the plans' effect on the step, not a model's speed; the planner's
latency excluding model time comes from its heartbeat.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import background, health, play, steps_per_s
from shared.redis_server import LocalRedis, free_port


def run(rom: Path, steps: int = 3000, interval: int = 30) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        data = Path(tmp) / "data"
        alone = steps_per_s(play(server.url, data / "a", rom, steps))
        port = free_port()
        host = subprocess.Popen(
            [sys.executable, "-m", "bench.model_host", "--port", str(port)], stdout=subprocess.DEVNULL
        )
        try:
            time.sleep(1.5)
            with background("services.llm_planner", server.url, data, "--llm-url", f"http://127.0.0.1:{port}"):
                time.sleep(2.0)
                frames = play(server.url, data / "b", rom, steps, "--llm-interval", str(interval))
                planner = health(server.url, "llm_planner")
        finally:
            host.terminate()
            host.wait(10)
    with_planner = steps_per_s(frames)
    counters = planner[0].counters if planner else {}
    llm_steps = sum(f.action_source == "llm" for f in frames)
    return {
        "steps_per_s_without": alone,
        "steps_per_s_with": with_planner,
        "ratio": with_planner / alone,
        "llm_interval": interval,
        "plans_answered": counters.get("answered", 0),
        "steps_played_from_plans": llm_steps,
        "overhead_p50_ms": counters.get("overhead_p50_ms"),
        "overhead_p99_ms": counters.get("overhead_p99_ms"),
        "latency_p50_ms": counters.get("latency_p50_ms"),
        "latency_p99_ms": counters.get("latency_p99_ms"),
        "prompt_tokens_p50": counters.get("prompt_tokens_p50"),
        "prompt_tokens_max": counters.get("prompt_tokens_max"),
    }
