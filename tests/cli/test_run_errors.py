"""`crystal-rl run` on bad input: one clear line, a non-zero exit, no traceback, nothing started."""

import subprocess
import sys
from pathlib import Path

import pytest

from crystal_rl.redis_setup import connect_or_start
from shared.errors import RedisUnavailableError
from shared.redis_server import ServerKind, free_port, ping

CLI = [sys.executable, "-m", "crystal_rl.cli", "run"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for text in expected:
        assert text in lines[0]


def test_missing_rom(tmp_path: Path) -> None:
    result = run_cli("--rom", str(tmp_path / "nope.gbc"), cwd=tmp_path)
    assert_one_line_error(result, "ROM not found", "nope.gbc")


def test_file_of_wrong_size_is_not_a_rom(tmp_path: Path) -> None:
    rom = tmp_path / "notes.gbc"
    rom.write_bytes(b"hello" * 100)
    assert_one_line_error(run_cli("--rom", str(rom), cwd=tmp_path), "not a Game Boy ROM", "size")


def test_a_rom_and_a_world_together_or_an_unknown_world_stop_the_run(tmp_path: Path, demo_rom: Path) -> None:
    both = run_cli("--rom", str(demo_rom), "--world", "johto", cwd=tmp_path)
    assert_one_line_error(both, "give --rom or --world, not both", "a world names which demo cartridge")
    assert_one_line_error(run_cli("--world", "kanto", cwd=tmp_path), "unknown world 'kanto': one of tiny, johto")


def test_file_with_bad_header_is_not_a_rom(tmp_path: Path) -> None:
    rom = tmp_path / "zeros.gbc"
    rom.write_bytes(bytes(0x14D) + b"\x01" + bytes(0x8000 - 0x14E))
    assert_one_line_error(run_cli("--rom", str(rom), cwd=tmp_path), "header checksum")


def test_a_symbol_file_that_will_not_do_stops_the_run_before_anything_starts(tmp_path: Path) -> None:
    result = run_cli("--symbols", str(tmp_path / "absent.sym"), cwd=tmp_path)
    assert_one_line_error(result, "absent.sym", "cannot be read")
    (tmp_path / "notes.sym").write_text("01:d000 wSomethingElse\n")
    result = run_cli("--symbols", str(tmp_path / "notes.sym"), cwd=tmp_path)
    assert_one_line_error(result, "notes.sym", "lacks")
    assert not (tmp_path / "data").exists()  # no Redis started, no service


def test_unreachable_explicit_redis_url(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_cli("--redis-url", url, "--actions", "5", cwd=tmp_path)
    assert_one_line_error(result, "cannot reach Redis", url)
    assert not (tmp_path / "data" / "redis").exists()


def test_unreachable_default_starts_a_local_redis_and_stops_it(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    used, server = connect_or_start(url, explicit=False, data_dir=tmp_path)
    try:
        assert server is not None and used != url and ping(used)
        # the system's redis-server keeps data/redis, the embedded valkey-server (no redis-server here) data/valkey
        folder = "redis" if server.binary.kind is ServerKind.SYSTEM else "valkey"
        assert server.data_dir == tmp_path / folder and server.data_dir.is_dir()
    finally:
        assert server is not None
        server.stop()
    assert not ping(used)


def test_reachable_url_starts_nothing(redis_url: str, tmp_path: Path) -> None:
    assert connect_or_start(redis_url, explicit=True, data_dir=tmp_path) == (redis_url, None)


def test_explicit_unreachable_raises(tmp_path: Path) -> None:
    with pytest.raises(RedisUnavailableError, match="cannot reach Redis"):
        connect_or_start(f"redis://127.0.0.1:{free_port()}/0", explicit=True, data_dir=tmp_path)
