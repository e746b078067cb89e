"""A local `redis-server` on a free port: what `crystal-rl run` starts when no Redis answers,
and what every test fixture starts (tests never rely on a Redis that happens to run)."""

import contextlib
import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from shared.errors import ConfigError, RedisUnavailableError

log = logging.getLogger(__name__)


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis answers PING at `url` within `timeout` seconds."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False
    finally:
        client.close()


class LocalRedis:
    """A `redis-server` child process with its data under `data_dir`, stopped by `stop()`.

    Persistence is append-only, so a restart on the same directory keeps the streams.
    """

    def __init__(self, data_dir: Path, port: int | None = None, own_session: bool = False) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.own_session = own_session
        """Start it in a session of its own, so a Ctrl-C in the terminal does not reach it: the terminal
        signals its whole foreground process group, and Redis must outlive the services' last saves."""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> "LocalRedis":
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigError(
                "redis-server is not installed and no Redis answers: install it "
                "(Debian: apt-get install redis-server) or pass --redis-url"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str((self.data_dir / "redis.log").resolve()),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=self.own_session
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RedisUnavailableError(f"redis-server exited at start (port {self.port}): {err.strip()}")
            if ping(self.url, timeout=0.2):
                log.info("started redis-server on port %d (data in %s)", self.port, self.data_dir)
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailableError(f"redis-server did not answer on port {self.port} within {timeout:.0f} s")

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
            log.info("stopped redis-server on port %d", self.port)
        if process.stderr is not None:
            process.stderr.close()
        self.process = None

    def __enter__(self) -> "LocalRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
