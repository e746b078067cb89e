"""The emulator's figures: the bare PyBoy loop (the limit), the state read, and the service with Redis.

Every service figure is a ratio to the bare loop measured in the same run, because absolute
speeds drift on shared machines.
"""

import random
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench.harness import play, steps_per_s
from bench.standins import StandInLearner
from shared.buttons import BUTTONS, Button
from shared.game.reader import read_state
from shared.messages import ActionSource
from shared.redis_server import LocalRedis

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pyboy import PyBoy

HOLD, STEP = 8, 24


def _booted(rom: Path) -> PyBoy:
    pyboy = PyBoy(str(rom), window="null", sound_emulated=False, log_level="ERROR")
    pyboy.rtc_lock_experimental(True)
    pyboy.tick(600, False)
    return pyboy


def bare(rom: Path, steps: int = 3000, seed: int = 0) -> dict[str, float]:
    """PyBoy alone: press, hold 8 frames, release, 16 more frames, render only the last one."""
    pyboy = _booted(rom)
    rng = random.Random(seed)
    buttons = [rng.choice(BUTTONS).value for _ in range(steps)]
    start = time.perf_counter()
    for button in buttons:
        pyboy.button_press(button)
        pyboy.tick(HOLD, False)
        pyboy.button_release(button)
        pyboy.tick(STEP - HOLD - 1, False)
        pyboy.tick(1, True)
    elapsed = time.perf_counter() - start
    pyboy.stop(save=False)
    return {"steps_per_s": steps / elapsed, "frames_per_s": steps * STEP / elapsed, "step_ms": elapsed / steps * 1000}


def state_read(rom: Path, reads: int = 3000) -> dict[str, float]:
    """One `read_state`: two bulk reads of banked WRAM and the decoding into a `GameState`."""
    pyboy = _booted(rom)
    read_state(pyboy.memory)
    times = []
    for _ in range(reads):
        start = time.perf_counter()
        read_state(pyboy.memory)
        times.append(time.perf_counter() - start)
    pyboy.stop(save=False)
    return {"read_us_p50": statistics.median(times) * 1e6, "read_us_mean": statistics.fmean(times) * 1e6}


def _service_run(rom: Path, steps: int, learner: bool) -> dict[str, float]:
    """The emulator service as a process publishing to a fresh Redis; steps/s over the steady part of the run."""
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        standin = StandInLearner(server.url, Button.LEFT) if learner else None
        if standin is not None:
            standin.__enter__()
        try:
            frames = play(server.url, Path(tmp) / "data", rom, steps)
        finally:
            if standin is not None:
                standin.__exit__()
    result = {
        "steps_per_s": steps_per_s(frames),
        "frame_json_bytes": len(frames[-1].model_dump_json(exclude={"screen"})),
    }
    if learner:
        warm = frames[min(300, len(frames) // 5) :]
        answered = sum(f.action_source == ActionSource.DQN for f in warm[1:])
        result["dqn_share"] = answered / max(1, len(warm) - 1)
        result["deadline_misses"] = len(warm) - 1 - answered
    return result


def run(rom: Path, steps: int = 3000) -> dict[str, Any]:
    base = bare(rom, steps)
    read = state_read(rom)
    alone = _service_run(rom, steps, learner=False)
    lockstep = _service_run(rom, steps, learner=True)
    return {
        "bare": base,
        "state_read": {**read, "ratio_to_step": read["read_us_p50"] / 1000 / base["step_ms"]},
        "service_alone": {**alone, "ratio_to_bare": alone["steps_per_s"] / base["steps_per_s"]},
        "service_lockstep_standin": {**lockstep, "ratio_to_bare": lockstep["steps_per_s"] / base["steps_per_s"]},
    }
