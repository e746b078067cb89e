"""A real llama.cpp-based OpenAI-compatible server for tests: llama-cpp-python's `llama_cpp.server` as a process,
serving the tiny model the test writes (`tiny_gguf.py`), on a free port.

llama-cpp-python builds from source (minutes on two cores); `make setup` and `.ci/run` build its
wheel once into a cache and install the `llama` extra from it. Without it the tests that need the
server are skipped with the command that installs it, except under CI, where that is a failure.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from crystal_rl.model_host import answers
from shared.redis_server import free_port
from tests.llm_planner.tiny_gguf import CONTEXT, write_tiny_model
from tests.procs import stop

INSTALL = (
    "make setup (or: CMAKE_ARGS=-DGGML_NATIVE=OFF .venv/bin/pip install 'llama-cpp-python[server]==0.3.36' "
    "'gguf==0.19.0'; the build takes a few minutes)"
)


def require_llama_server() -> None:
    """Skip (fail under CI) with the install command when llama-cpp-python's server or gguf is missing."""
    try:
        import gguf  # noqa: F401
        import llama_cpp.server.app  # noqa: F401
    except ImportError as exc:
        message = f"llama-cpp-python's server is not installed ({exc}): {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must install it: .ci/run)")
        pytest.skip(message)


@dataclass(frozen=True)
class LlamaServer:
    port: int
    log: Path

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def llama_server(directory: Path, startup_s: float = 120.0) -> Iterator[LlamaServer]:
    """`python -m llama_cpp.server` on the tiny model, until the block ends (SIGTERM, then SIGKILL)."""
    require_llama_server()
    model = write_tiny_model(directory / "tiny.gguf")
    port = free_port()
    log = directory / "llama-server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "tiny",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CONTEXT), "--n_threads", "1",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(port, log)
    try:
        deadline = time.monotonic() + startup_s
        while not answers(server.openai_url, timeout=1.0):
            if process.poll() is not None:
                raise AssertionError(f"llama_cpp.server exited with {process.returncode}:\n{server.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                tail = server.log_text()[-3000:]
                raise AssertionError(f"llama_cpp.server did not answer in {startup_s:.0f} s:\n{tail}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process, timeout=15)
