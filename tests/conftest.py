"""Fixtures every layer of tests shares: a real redis-server on a free port, the demo cartridge."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shared.redis_server import LocalRedis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[LocalRedis]:
    """A fresh redis-server for one test, stopped afterwards (tests can stop/start it themselves)."""
    server = LocalRedis(tmp_path / "redis").start()
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
    """The project's own cartridge, built on first use (and whenever its source changed)."""
    from cartridge.build import ensure_built

    return ensure_built()


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
