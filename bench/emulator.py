"""The emulator's figures: the bare PyBoy loop (the limit), the state read, the service with Redis, and the
Gymnasium env (the same game core without the service); and the bare loop on each of the demo cartridge's
worlds, alternating, so the Johto world's frames are shown to cost what the tiny one's do.

Every service figure is a ratio to the bare loop measured in the same run, because absolute
speeds drift on shared machines.
"""

import functools
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import gym_env
from bench.harness import play, steps_per_s
from cartridge.build import ensure_built
from cartridge.worlds import WORLDS
from shared.buttons import BUTTONS, Button
from shared.game.machine import Machine
from shared.messages import ActionSource
from shared.redis_server import LocalRedis
from shared.rom import inspect_rom
from tests.standins.learner import StandInLearner

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


def state_read(rom: Path, reads: int = 1000) -> dict[str, float]:
    """One state read as the service makes it: right after a step (the CPU's caches cold), through PyBoy's
    public `memory`."""
    machine = Machine(inspect_rom(rom), HOLD, STEP)
    machine.boot()
    times: list[float] = []
    for _ in range(reads):
        machine.step(None)
        start = time.perf_counter()
        machine.state()
        times.append(time.perf_counter() - start)
    machine.close()
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


def run(rom: Path, steps: int = 3000, rounds: int = 5) -> dict[str, Any]:
    """The service alone and in lockstep, and the Gymnasium env, `rounds` times in turn, each between two bare
    loops (`bracketed`).

    The figures are the medians over the rounds, with the lowest and highest ratio beside them.
    """
    read = state_read(rom)
    by_world = bare_by_world(steps)
    kinds: dict[str, Measurement] = {
        "service_alone": functools.partial(_service_run, rom, steps, False),
        "service_lockstep_standin": functools.partial(_service_run, rom, steps, True),
        "gym_env": functools.partial(gym_env.measure, rom, steps, HOLD, STEP),
    }
    bares, pairs = bracketed(rom, steps, [measure for _ in range(rounds) for measure in kinds.values()])
    base = _median_of(bares)
    return {
        "rounds": rounds,
        "bare": base,
        "bare_by_world": by_world,
        "state_read": {**read, "ratio_to_step": read["read_us_p50"] / 1000 / base["step_ms"]},
        **{name: against_bare(pairs[i :: len(kinds)]) for i, name in enumerate(kinds)},
    }


WORLD_RATIO_RANGE = (0.8, 1.25)
"""The Johto world's bare steps/s over the tiny one's must lie here: its frames as busy as a real game's, not idle."""


def bare_by_world(steps: int = 3000, rounds: int = 6) -> dict[str, Any]:
    """The bare loop on each world, in turn for `rounds` rounds (a shared machine's drift falls on both alike): the
    median steps/s of each, and of each round's johto/tiny ratio."""
    roms = {name: ensure_built(world=name) for name in WORLDS}
    runs: dict[str, list[float]] = {name: [] for name in roms}
    for _ in range(rounds):
        for name, world_rom in roms.items():
            runs[name].append(bare(world_rom, steps)["steps_per_s"])
    ratios = sorted(j / t for j, t in zip(runs["johto"], runs["tiny"], strict=True))
    ratio = statistics.median(ratios)
    return {
        "rounds": rounds,
        **{f"{name}_steps_per_s": statistics.median(values) for name, values in runs.items()},
        "johto_over_tiny": ratio,
        "johto_over_tiny_lowest": ratios[0],
        "johto_over_tiny_highest": ratios[-1],
        "within_range": WORLD_RATIO_RANGE[0] <= ratio <= WORLD_RATIO_RANGE[1],
    }


Measurement = Callable[[], dict[str, float]]
Pair = tuple[dict[str, float], dict[str, float]]
"""(the bare loop's figures around a run, the run's figures)"""


def bracketed(rom: Path, steps: int, runs: list[Measurement]) -> tuple[list[dict[str, float]], list[Pair]]:
    """Every run between two bare loops, and paired with their mean.

    A shared machine's speed drifts by 10-20 % from one second to the next: one bare run
    against a service run after it says as much about the drift as about the service. A bare
    loop just before and one just after cancel a steady drift. Returns every bare run, and
    each run's figures paired with the mean of the bare runs on either side of it.
    """
    bares = [bare(rom, steps)]
    pairs = []
    for measure in runs:
        figures = measure()
        bares.append(bare(rom, steps))
        pairs.append((_mean_of(bares[-2:]), figures))
    return bares, pairs


def against_bare(pairs: list[Pair]) -> dict[str, float]:
    """The median of a service's figures over its runs, its ratio to the bare loop around each run, and the
    extra time it spends per step beyond the bare loop's (the figure that carries over to another cartridge)."""
    ratios = sorted(run["steps_per_s"] / base["steps_per_s"] for base, run in pairs)
    extra_us = [(1 / run["steps_per_s"] - 1 / base["steps_per_s"]) * 1e6 for base, run in pairs]
    return {
        **_median_of([run for _, run in pairs]),
        "ratio_to_bare": statistics.median(ratios),
        "ratio_lowest": ratios[0],
        "ratio_highest": ratios[-1],
        "extra_us_per_step": statistics.median(extra_us),
    }


def _mean_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.fmean(run[key] for run in runs) for key in runs[0]}


def _median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}
