"""Supervised child processes: start each service, restart it after a growing delay when it dies, stop all cleanly.

Why a supervisor rather than "start and hope": the design promises that the game survives any
service being killed. On a workstation nothing else restarts a dead learner or planner, so
`crystal-rl run` does it, and says so twice: a log line here and an `Event` of kind
`service_restarted` in `events` (the dashboard shows it). The supervisor's own heartbeat
(`health:supervisor:{instance}`) carries the restart counters.

Children run in their own process group, so a Ctrl-C in the terminal reaches only the
supervisor, which then sends SIGTERM to every child and waits for each to save what it owns
(a child killed by a Ctrl-C of its own would race the supervisor into restarting it).
"""

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shared.keys import Keys
from shared.messages import Event
from shared.runtime import Runtime
from shared.streams import Backoff, Publisher, StreamSettings

log = logging.getLogger(__name__)

SERVICE = "supervisor"
FATAL_EXIT = 2
"""Services exit with 2 on a `CrystalRLError` at start (bad ROM, bad settings): restarting cannot help."""


@dataclass(frozen=True)
class RestartPolicy:
    """When a dead child is started again: after a delay doubled at each death in a row, up to `cap`."""

    initial: float = 1.0
    """Seconds before the first restart (and before the next one after a stable run)."""
    cap: float = 30.0
    """Longest delay between two restarts of a child that keeps dying."""
    stable_after: float = 60.0
    """A child that ran this long before dying is restarted after `initial` again (it was healthy)."""

    def delays(self) -> Backoff:
        """One child's restart delays. Without jitter: children die and restart each on their own."""
        return Backoff(self.initial, self.cap, jitter=0.0)


@dataclass(frozen=True)
class ChildSpec:
    """One supervised process: which service, which instance, and how to start it."""

    service: str
    """Service name as in heartbeats (`emulator`, `llm_planner`, `dqn_learner`, `dashboard`)."""
    instance: str
    """Instance label, unique per service in this run (`env0`, `0`)."""
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables added to (and overriding) the supervisor's environment."""
    fatal_on_exit_zero: bool = False
    """When this child exits with 0 by itself (an emulator done with `--actions N`), its work is done; when every
    such child's is, the run is over."""

    @property
    def name(self) -> str:
        return f"{self.service}/{self.instance}"


@dataclass
class ChildState:
    """What the supervisor knows about one child; read by the progress report and the tests' logs."""

    spec: ChildSpec
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    starts: int = 0
    restarts: int = 0
    restart_delays: Backoff = field(default_factory=lambda: RestartPolicy().delays())
    """Its delays before a restart; `attempt` is how many times in a row it died."""
    last_exit: int | None = None
    last_restart_s: float | None = None
    """Seconds from the death of the child to its new process being started (the backoff included)."""
    finished: bool = False
    """It did its work and exited with 0 (an emulator done with `--actions N`); the run ends when all such have."""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class RunFinished(Exception):
    """Raised inside the supervisor when the run is over (a child finished its work, or failed fatally)."""


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor dies, so no orphan keeps playing (Linux)."""
    os.setsid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Supervisor:
    """Starts every `ChildSpec`, restarts any that dies, and stops them all on `stop()`.

    `run()` returns the exit code of the run: 0 when stopped or when every `fatal_on_exit_zero`
    child finished, the child's code when one failed in a way a restart cannot fix.
    """

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        redis_url: str,
        keys: Keys,
        log_dir: Path,
        base_env: Mapping[str, str] | None = None,
        restart: RestartPolicy | None = None,
        stop_timeout: float = 20.0,
        streams: StreamSettings | None = None,
        instance: str | None = None,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.specs = list(specs)
        self.redis_url = redis_url
        self.keys = keys
        self.log_dir = log_dir
        self.base_env = dict(os.environ if base_env is None else base_env)
        self.restart = restart or RestartPolicy()
        self.stop_timeout = stop_timeout
        self.streams = streams or StreamSettings()
        self.instance = instance or f"{socket.gethostname()}-{os.getpid()}"
        self.on_change = on_change or (lambda line: None)
        """Called with one human line per restart or failure (the CLI prints it)."""
        self.children = [
            ChildState(spec, log_dir / f"{spec.service}-{spec.instance}.log", restart_delays=self.restart.delays())
            for spec in self.specs
        ]
        self.exit_code = 0
        self.failure: str | None = None
        self._stopping = asyncio.Event()
        self._publisher: Publisher | None = None

    # -- public -----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask `run()` to stop every child (SIGTERM, then SIGKILL after `stop_timeout`) and return."""
        self._stopping.set()

    @property
    def restarts(self) -> int:
        return sum(c.restarts for c in self.children)

    def counters(self) -> dict[str, int | float]:
        """The supervisor's heartbeat: restarts and pid per child (0 while down), how many children are up.

        The pid matters for a service that writes no heartbeat of its own (the dashboard).
        """
        values: dict[str, int | float] = {
            "children": len(self.children),
            "children_up": sum(c.running for c in self.children),
            "restarts": self.restarts,
        }
        for child in self.children:
            label = f"{child.spec.service}_{child.spec.instance}"
            values[f"restarts_{label}"] = child.restarts
            values[f"pid_{label}"] = child.pid if child.running and child.pid is not None else 0
        return values

    async def run(self) -> int:
        """Supervise until `stop()` or the run is over; the signals are the caller's (`crystal-rl run` has them)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        runtime = Runtime(
            SERVICE,
            self.instance,
            redis_url=self.redis_url,
            keys=self.keys,
            streams=self.streams,
            stop=self._stopping,
            signals=False,
        )
        self._publisher = runtime.publisher()
        heartbeat = runtime.heartbeat(self.counters)
        async with runtime:
            watchers = [asyncio.create_task(self._watch(c), name=f"watch:{c.spec.name}") for c in self.children]
            stopping = asyncio.create_task(self._stopping.wait(), name="stopping")
            await asyncio.wait([*watchers, stopping], return_when=asyncio.FIRST_COMPLETED)
            self._stopping.set()
            heartbeat.status = "stopping"
            for task in watchers:
                task.cancel()
            for task in watchers:
                with contextlib.suppress(asyncio.CancelledError, RunFinished):
                    await task
            stopping.cancel()
            await self._stop_all()
        return self.exit_code

    # -- one child --------------------------------------------------------------------------------

    async def _watch(self, child: ChildState) -> None:
        """Keep one child alive until the run stops; raise RunFinished when its exit ends the run."""
        await self._start(child)
        while True:
            assert child.process is not None
            code = await child.process.wait()
            died_at = time.monotonic()
            ran_for = died_at - child.started_at
            child.last_exit = code
            if self._stopping.is_set():
                return
            if code == 0 and child.spec.fatal_on_exit_zero:
                child.finished = True
                log.info("%s finished", child.spec.name)
                if all(c.finished for c in self.children if c.spec.fatal_on_exit_zero):
                    raise RunFinished
                await self._stopping.wait()  # the others still play their share; this one is not restarted
                return
            if code == FATAL_EXIT or (child.restarts == 0 and code > 0 and ran_for < self.restart.initial * 5):
                # a configuration error (or a crash at the very first start) comes back on every restart
                self.exit_code = code
                self.failure = f"{child.spec.name} failed at start (exit {code}): {self._tail(child)}"
                log.error("%s", self.failure)
                raise RunFinished
            if ran_for >= self.restart.stable_after:
                child.restart_delays.reset()
            delay = child.restart_delays.next_delay()
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
            log.warning("%s %s after %.1f s; restarting in %.1f s", child.spec.name, how, ran_for, delay)
            self.on_change(f"{child.spec.name} {how}; restarting in {delay:.1f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            child.restarts += 1
            await self._start(child)
            child.last_restart_s = time.monotonic() - died_at
            await self._announce(child, how, code)

    async def _start(self, child: ChildState) -> None:
        env = {**self.base_env, **child.spec.env}
        with open(child.log_path, "ab") as out:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            out.write(f"--- {stamp} start #{child.starts + 1}: {' '.join(child.spec.argv)}\n".encode())
            out.flush()
            child.process = await asyncio.create_subprocess_exec(
                *child.spec.argv,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        child.started_at = time.monotonic()
        child.starts += 1
        log.info("started %s (pid %d)", child.spec.name, child.process.pid)

    async def _announce(self, child: ChildState, how: str, code: int) -> None:
        """The restart as an `Event` in `events`: what the dashboard lists (buffered if Redis is down)."""
        assert self._publisher is not None
        event = Event(
            service=SERVICE,
            instance=self.instance,
            kind="service_restarted",
            message=f"{child.spec.name} {how}; restarted (restart #{child.restarts})",
            level="warning",
            env=child.spec.instance.removeprefix("env") if child.spec.service == "emulator" else None,
            data={
                "service": child.spec.service,
                "instance": child.spec.instance,
                "exit_code": code,
                "restarts": child.restarts,
                "downtime_s": round(child.last_restart_s or 0.0, 3),
                "pid": child.pid,
            },
        )
        await self._publisher.publish(self.keys.events, event)
        self.on_change(f"{child.spec.name} restarted (pid {child.pid}, restart #{child.restarts})")

    def _tail(self, child: ChildState, lines: int = 3) -> str:
        """The last lines of a child's log: why it failed, in the one line the CLI prints."""
        try:
            text = child.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return f"see {child.log_path}"
        tail = [line.strip() for line in text[-lines:] if line.strip() and not line.startswith("---")]
        return (" | ".join(tail) or "no output") + f" (log: {child.log_path})"

    # -- stopping ---------------------------------------------------------------------------------

    async def _stop_all(self) -> None:
        """SIGTERM to every child at once, `stop_timeout` for each to save and exit, then SIGKILL."""
        running = [c for c in self.children if c.running]
        for child in running:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        if running:
            log.info("stopping %s", ", ".join(c.spec.name for c in running))
        await asyncio.gather(*(self._reap(c) for c in running))

    async def _reap(self, child: ChildState) -> None:
        assert child.process is not None
        try:
            child.last_exit = await asyncio.wait_for(child.process.wait(), self.stop_timeout)
        except TimeoutError:
            log.warning("%s did not stop within %.0f s; killing it", child.spec.name, self.stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()
            child.last_exit = await child.process.wait()
