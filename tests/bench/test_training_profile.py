"""py-spy's samples of a real process summed per function, and the training suite's rates and ratio."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.profiles import sampled, summary

BUSY = """
import time
def spin_here():
    end = time.perf_counter() + 30
    while time.perf_counter() < end:
        sum(range(1000))
spin_here()
"""


def test_a_busy_process_is_sampled_and_its_busy_function_leads(tmp_path: Path) -> None:
    script = tmp_path / "busy.py"
    script.write_text(BUSY)
    process = subprocess.Popen([sys.executable, str(script)])
    out = tmp_path / "busy.txt"
    try:
        time.sleep(0.3)
        with sampled(process.pid, out):
            time.sleep(1.5)
    finally:
        process.kill()
        process.wait()
    got = summary(out)
    assert got["samples"] > 50 and got["seconds"] > 0.5
    assert got["inclusive"]["spin_here (busy.py)"] > 0.9
    assert next(iter(got["own"])) == "spin_here (busy.py)"
    assert abs(sum(got["threads"].values()) - 1.0) < 0.01


def test_the_training_suite_gives_both_rates_and_their_ratio_at_the_held_replay_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short run: SB3 in-process, the system with one env and each variant (SB3's targets, the look-ahead thread,
    both); the system's replay ratio (batch 32 every 4 steps: 8 samples a step) holds while it is measured."""
    from bench import report, training

    monkeypatch.setenv("CRL_WORLD", "tiny")  # the world `make bench --world tiny` gives every suite
    got = training.run(2_000, lambda line: None, envs=(1,), learning_starts=500)
    sb3, system = got["sb3"]["steps_per_s"], got["system"]["1"]["steps_per_s"]
    assert sb3 > 0 and system > 0 and got["system_same_targets"]["steps_per_s"] > 0
    assert got["ratio_lookahead"] == round(got["system_lookahead"]["steps_per_s"] / sb3, 3)
    assert got["ratio"] == round(system / sb3, 3)
    for arm in (got["system"]["1"], *(got[f"system_{variant}"] for variant in training.VARIANTS)):
        assert 7.0 <= arm["samples_per_step"] <= 9.0  # over the measured window, from heartbeats through the run
        assert arm["updates"] == (2_000 - 500) // 4  # read after the run's end, not from a heartbeat before it
    assert got["sb3"]["updates"] == (2_000 - 500) // 4
    table = "\n".join(report.bench_tables({"figures": {"training": got}}, "bench.json"))
    for variant, (_, label) in training.VARIANTS.items():  # a row and a ratio for each, as the run named them
        assert f"| the system with {label}, 1 env | {got[f'system_{variant}']['steps_per_s']} |" in table
        assert f"with {label}: {got[f'ratio_{variant}']}" in table
