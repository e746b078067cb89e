"""A save state taken between two steps without stopping the game for it.

PyBoy writes a state one byte per Python call: 211 KB take 22 ms, a dozen steps' worth, and
the step loop would stand still for each milestone and interval save. `fork()` instead
copies the process as it stands between two steps (about 2 ms for the emulator; the pages
are shared copy-on-write): the copy writes the state into a pipe and exits, and the
emulator reads the pipe on its save-state thread while the game goes on.

The child does nothing but that one write: no event loop, no Redis, no logging, no exit
handlers (`os._exit`). It ignores Ctrl-C, which reaches the whole process group, so that a
save under way when the user stops the run still completes. Where `fork()` is not safe to
use (anything but Linux) the state is written in-process, as PyBoy does it.
"""

import contextlib
import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable

from shared.errors import SaveStateError

FORKS = sys.platform == "linux"

Pending = Callable[[], bytes]
"""Waits for the state's bytes (on any thread); call it exactly once, or the child is never reaped."""


def snapshot(write_state: Callable[[], bytes]) -> Pending:
    """The bytes `write_state` gives now, made by a forked copy of this process."""
    if not FORKS:
        data = write_state()
        return lambda: data
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(read_end, write_end, write_state)
    os.close(write_end)
    return functools.partial(_collect, pid, read_end)


def _child(read_end: int, write_end: int, write_state: Callable[[], bytes]) -> None:
    status = 1
    try:
        os.close(read_end)
        with contextlib.suppress(ValueError):  # (raised off the main thread, where there is nothing to undo)
            signal.set_wakeup_fd(-1)  # the parent's loop listens there; this process's signals are not its business
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with open(write_end, "wb") as pipe:
            pipe.write(write_state())
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _collect(pid: int, read_end: int) -> bytes:
    with open(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not data:
        how = f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
        raise SaveStateError(f"the process writing the save state failed ({how}, {len(data)} bytes written)")
    return data


def once(pending: Pending) -> Pending:
    """`pending` that may be called more than once (the save's file and the archive share one fork): the first
    call collects the bytes, later ones get the same bytes, or the same error. Calls run one at a time (on the
    emulator's save-state thread)."""
    outcome: list[bytes | BaseException] = []

    def collect() -> bytes:
        if not outcome:
            try:
                outcome.append(pending())
            except BaseException as exc:
                outcome.append(exc)
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    return collect
