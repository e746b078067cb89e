"""Where a process spends its time: py-spy's samples of it, summed per function (`make bench ARGS="--profile"`).

py-spy (`pip install py-spy`) samples the stacks of a running Python process from outside it, with
no change to the process; run as root or with ptrace allowed. Its raw output (one line per
distinct stack, `frame;frame;...;frame count`) is kept beside the results, and summed here two
ways: by the function a sample was in (its own time) and by every function on the stack (the
time under it), each as a share of the process's samples.
"""

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RATE = 100
"""Samples a second."""
TOP = 15


def executable() -> str | None:
    """py-spy beside this Python (a venv's), else on the PATH; None when it is not installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def sampled(pid: int, out: Path, native: bool = False) -> Iterator[None]:
    """py-spy records `pid` while the block runs (every thread, idle ones left out) into `out` (raw stacks)."""
    spy = executable()
    if spy is None:
        raise RuntimeError("py-spy is not installed: pip install py-spy")
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", str(RATE), "--function",
               "--nonblocking", "--threads", "--output", str(out)]  # fmt: skip
    if native:
        command.append("--native")
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        try:
            recorder.wait(30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return [frame for frame in stack.split(";") if frame], int(count)


def _name(frame: str) -> str:
    """`function (path/file.py:line)` without the line: one entry a function."""
    function, _, where = frame.partition(" (")
    return f"{function} ({where.rsplit(':', 1)[0]})" if where else function


def summary(raw: Path) -> dict[str, Any]:
    """The samples of one process: per thread, and its functions' own and inclusive shares (top `TOP`)."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        thread, frames = (frames[0], frames[1:]) if frames and frames[0].startswith("thread") else ("", frames)
        total += count
        threads[thread] += count
        if frames:
            own[_name(frames[-1])] += count
            for name in {_name(frame) for frame in frames}:
                under[name] += count

    def shares(counter: Counter[str]) -> dict[str, float]:
        return {name: round(count / total, 4) for name, count in counter.most_common(TOP)} if total else {}

    return {
        "samples": total,
        "seconds": round(total / RATE, 1),
        "threads": shares(threads),
        "own": shares(own),
        "inclusive": shares(under),
    }
