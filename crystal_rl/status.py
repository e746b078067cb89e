"""What `crystal-rl status`, `streams`, `save` and `load` read and write: Redis only, never a service's internals.

`status` doubles as the containers' health probe (`crystal-rl status --service emulator
--this-host`): its exit code says whether a fresh heartbeat of that service exists, the
way arq's `--check` turns its health key into an exit code.
"""

import os
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.health import Health, read_health
from shared.keys import Keys
from shared.messages import ControlCommand, Event
from shared.redis_server import server_name
from shared.streams import Publisher, StreamInfo, StreamReader, StreamSettings

URL_FILE = "redis.url"
"""Written by `crystal-rl run` into the data directory, so other commands find a Redis it started. It holds
the server's password: readable by its owner only."""

STALE_INTERVALS = 2.5
"""A heartbeat older than this many of its own intervals counts as stuck, even while its key lives."""


def remember_url(data_dir: Path, url: str) -> Path:
    """Write `url` (password and all) to DATA_DIR/redis.url, created with mode 0600 and replaced atomically."""
    path = data_dir / URL_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(url + "\n")
    tmp.replace(path)
    return path


def remembered_url(data_dir: Path) -> str | None:
    try:
        return (data_dir / URL_FILE).read_text().strip() or None
    except OSError:
        return None


def client_for(url: str, timeout: float = 2.0) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


async def which_server(client: Redis) -> str:
    """`valkey 8.1.8`, `redis 7.0.15`: the server a client reaches, for `status` and the run's first line."""
    return server_name(await client.info("server"))


def events_reader(client: Redis) -> StreamReader[Event]:
    """The commands' reads of streams: XINFO of any stream, and `events` (the only entries they decode)."""
    return StreamReader(model=Event, client=client)


@dataclass(frozen=True)
class ServiceRow:
    health: Health
    fresh: bool

    @property
    def age(self) -> float:
        return self.health.age()


async def service_rows(client: Redis, keys: Keys) -> list[ServiceRow]:
    rows = []
    for h in await read_health(client, keys):
        rows.append(ServiceRow(h, h.age() <= h.interval * STALE_INTERVALS))
    return rows


def healthy(rows: list[ServiceRow], service: str | None, this_host: bool) -> tuple[bool, str]:
    """The probe's verdict and why: a fresh heartbeat of `service` (of any emulator when None)."""
    want = service or "emulator"
    host = socket.gethostname()
    mine = [r for r in rows if r.health.service == want and (not this_host or r.health.host == host)]
    fresh = [r for r in mine if r.fresh]
    if fresh:
        return True, f"{want}: {len(fresh)} up"
    if mine:
        return False, f"{want}: heartbeat stale ({min(r.age for r in mine):.0f} s old)"
    where = f" on {host}" if this_host else ""
    return False, f"{want}: no heartbeat{where}"


def http_probe(url: str, token: str | None, timeout: float = 3.0) -> tuple[bool, str]:
    """A GET of `url` (with the dashboard's token when given): the probe of a service that serves HTTP."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            return response.status == 200, f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except (OSError, ValueError) as exc:
        return False, f"{url} did not answer: {exc}"


async def stream_infos(client: Redis, keys: Keys) -> list[StreamInfo]:
    """XINFO STREAM and XINFO GROUPS of every stream under the prefix (the groups' consumers are not listed)."""
    reader = events_reader(client)
    out = []
    for name in await reader.streams(keys.stream_pattern):
        try:
            out.append(await reader.info(name, consumers=False))
        except ResponseError:
            continue  # deleted between the scan and the read
    return out


async def send_control(url: str, keys: Keys, env: str, command: str, name: str | None, timeout: float) -> Event | None:
    """Send one `ControlCommand` to `control:{env}` and wait for the emulator's `control_ack`; None on timeout."""
    client = client_for(url)
    events = events_reader(client)
    try:
        last = await events.last_id(keys.events)
        command_id = uuid.uuid4().hex
        message = ControlCommand(id=command_id, env=env, command=command, name=name)  # type: ignore[arg-type]
        async with Publisher(url, keys=keys, settings=StreamSettings()) as publisher:
            if await publisher.publish(keys.control(env), message) is None:
                return None
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            entries = await events.tail({keys.events: last}, count=100, block_ms=max(1, int(min(left, 1.0) * 1000)))
            for entry in entries:
                last = entry.entry_id
                event = entry.message  # None for an entry that is not an event
                if event is not None and event.kind == "control_ack" and event.data.get("id") == command_id:
                    return event
        return None
    finally:
        await client.aclose()
