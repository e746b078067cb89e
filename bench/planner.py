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

TARGET_RATIO = 0.95
"""The emulator keeps at least this share of its speed with a planner answering every `interval` steps."""


def run(rom: Path, steps: int = 3000, interval: int = 30) -> dict[str, Any]:
    """Three runs of the emulator: alone, with the planner, and with the planner and the screen attached to each
    plan request as PNG (`--llm-image`, what a vision model gets)."""
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        data = Path(tmp) / "data"
        alone = steps_per_s(play(server.url, data / "a", rom, steps))
        port = free_port()
        host = subprocess.Popen(
            [sys.executable, "-m", "tests.standins.model_host", "--port", str(port)], stdout=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            time.sleep(1.5)
            with background("services.llm_planner", server.url, data, "--llm-url", url):
                time.sleep(2.0)
                frames = play(server.url, data / "b", rom, steps, "--llm-interval", str(interval))
                planner = health(server.url, "llm_planner")
            with background("services.llm_planner", server.url, data, "--llm-url", url, "--llm-image"):
                time.sleep(2.0)
                pictured = play(server.url, data / "c", rom, steps, "--llm-interval", str(interval), "--llm-image")
        finally:
            host.terminate()
            host.wait(10)
    with_planner = steps_per_s(frames)
    with_image = steps_per_s(pictured)
    counters = planner[0].counters if planner else {}
    llm_steps = sum(f.action_source == "llm" for f in frames)
    return {
        "steps_per_s_without": alone,
        "steps_per_s_with": with_planner,
        "ratio": with_planner / alone,
        "steps_per_s_with_image": with_image,
        "ratio_with_image": with_image / alone,
        "target_ratio": TARGET_RATIO,
        "meets_target": with_planner / alone >= TARGET_RATIO and with_image / alone >= TARGET_RATIO,
        "llm_interval": interval,
        "plans_answered": counters.get("answered", 0),
        "steps_played_from_plans": llm_steps,
        "steps_played_from_plans_with_image": sum(f.action_source == "llm" for f in pictured),
        "overhead_p50_ms": counters.get("overhead_p50_ms"),
        "overhead_p99_ms": counters.get("overhead_p99_ms"),
        "latency_p50_ms": counters.get("latency_p50_ms"),
        "latency_p99_ms": counters.get("latency_p99_ms"),
        "prompt_tokens_p50": counters.get("prompt_tokens_p50"),
        "prompt_tokens_max": counters.get("prompt_tokens_max"),
    }
