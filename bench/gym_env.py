"""The Gymnasium env's step loop: what a user of SB3 or CleanRL gets from the game, before any learner.

Random actions over the eight buttons, the same 24-frame step as the bare loop; the env does
what the core does (rules, read, facts, reward) and builds the observation and `info`, no more.
"""

import random
import tempfile
import time
from pathlib import Path

from crystal_rl.env import CrystalEnv


def measure(rom: Path, steps: int = 3000, hold: int = 8, step: int = 24, seed: int = 0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as cache:
        env = CrystalEnv(rom, hold_frames=hold, step_frames=step, boot_cache_dir=cache)
        try:
            env.reset(seed=seed)
            rng = random.Random(seed)
            actions = [rng.randrange(len(env.buttons)) for _ in range(steps)]
            start = time.perf_counter()
            for action in actions:
                _, _, terminated, truncated, _ = env.step(action)
                if terminated or truncated:
                    env.reset()
            elapsed = time.perf_counter() - start
        finally:
            env.close()
    return {"steps_per_s": steps / elapsed, "step_ms": elapsed / steps * 1000}
