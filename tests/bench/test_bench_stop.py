"""A bench stopped with SIGTERM stops the processes it started, and an arm whose emulator hangs fails saying so."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench import learning_system
from services.dqn_learner.settings import LearnerSettings
from shared.settings import GameSettings

REPO = Path(__file__).resolve().parents[2]


def _parents() -> dict[int, int]:
    """Every process now: pid → its parent's pid."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone while read
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(root: int) -> set[int]:
    parents, found = _parents(), {root}
    while grown := {pid for pid, parent in parents.items() if parent in found} - found:
        found |= grown
    return found - {root}


def _command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_bench_stopped_with_sigterm_stops_the_services_and_redis_it_started() -> None:
    command = [sys.executable, "-m", "bench", "--world", "tiny", "--only", "learning", "--budget", "20000",
               "--seeds", "1", "--eval-episodes", "1", "--agents", "system"]  # fmt: skip
    bench = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 180
        while not any("services.emulator" in _command(pid) for pid in seen):
            assert time.monotonic() < deadline, "the bench never started its emulator"
            assert bench.poll() is None, f"the bench exited early with code {bench.returncode}"
            seen |= _descendants(bench.pid)
            time.sleep(0.2)
        seen |= _descendants(bench.pid)
        assert any("services.dqn_learner" in _command(pid) for pid in seen)
        bench.send_signal(signal.SIGTERM)
        assert bench.wait(90) == 128 + signal.SIGTERM
        left = {pid: _command(pid) for pid in seen if _alive(pid)}
        assert not left, f"still running after the bench stopped: {left}"
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()


def test_an_arm_whose_emulator_hangs_fails_saying_so_instead_of_waiting_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A game that crashes inside a frame never returns from it: stopped with SIGSTOP, the emulator here is as
    hung as that, and the arm fails after `HUNG_S` without a step, naming the step it stopped at."""
    monkeypatch.setattr(learning_system, "HUNG_S", 3.0)
    game = GameSettings(data_dir=tmp_path / "game", world="tiny")
    stopped: list[int] = []

    def freeze_the_emulator() -> None:
        deadline = time.monotonic() + 120
        while not stopped and time.monotonic() < deadline:
            for pid in _descendants(os.getpid()):
                if "services.emulator" in _command(pid):
                    time.sleep(3)  # some steps first
                    os.kill(pid, signal.SIGSTOP)
                    stopped.append(pid)
                    return
            time.sleep(0.2)

    freezer = threading.Thread(target=freeze_the_emulator, daemon=True)
    freezer.start()
    with pytest.raises(RuntimeError, match=r"the emulator made no step in 3 s, at step [\d,]+: hung"):
        learning_system.train(game, LearnerSettings(learning_starts=100), 100_000, 0, tmp_path / "arm",
                              lambda _: None, 0.0, 0.0, "system", None)  # fmt: skip
    assert stopped and not _alive(stopped[0])  # and the hung process was not left behind
