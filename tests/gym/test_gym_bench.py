"""The bench's measurement of the env's step loop runs and gives a speed."""

from pathlib import Path

import pytest

from bench.gym_env import measure


def test_the_env_bench_measures_steps_per_second(demo_rom: Path) -> None:
    figures = measure(demo_rom, steps=60)
    assert set(figures) == {"steps_per_s", "step_ms"}
    assert figures["steps_per_s"] > 0 and figures["step_ms"] == pytest.approx(1000 / figures["steps_per_s"])
