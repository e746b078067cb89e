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
