"""Build-on-demand: first build, cache hit, rebuild on a source change or a stale stamp, atomic writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cartridge.build as build
from cartridge.build import ROM_NAME, STAMP_SUFFIX, build_rom_bytes, ensure_built, source_hash


def test_first_call_builds_rom_and_stamp(tmp_path: Path) -> None:
    path = ensure_built(tmp_path)
    assert path == tmp_path / ROM_NAME
    assert path.read_bytes() == build_rom_bytes()
    assert (tmp_path / (ROM_NAME + STAMP_SUFFIX)).read_text().strip() == source_hash()
    assert sorted(p.name for p in tmp_path.iterdir()) == [ROM_NAME, ROM_NAME + STAMP_SUFFIX]  # no temp files


def test_unchanged_source_is_a_fast_cache_hit(tmp_path: Path) -> None:
    path = ensure_built(tmp_path)
    before = path.stat()
    start = time.perf_counter()
    again = ensure_built(tmp_path)
    elapsed = time.perf_counter() - start
    assert again == path
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert elapsed < 0.5


def test_stale_stamp_or_force_rebuilds(tmp_path: Path) -> None:
    path = ensure_built(tmp_path)
    stamp = tmp_path / (ROM_NAME + STAMP_SUFFIX)
    stamp.write_text("0" * 64)
    path.write_bytes(b"not a rom")
    ensure_built(tmp_path)
    assert path.read_bytes() == build_rom_bytes()
    assert stamp.read_text().strip() == source_hash()
    inode = path.stat().st_ino
    ensure_built(tmp_path, force=True)
    assert path.stat().st_ino != inode  # replaced by a fresh file (temp file + rename)


def test_missing_rom_with_a_valid_stamp_is_rebuilt(tmp_path: Path) -> None:
    path = ensure_built(tmp_path)
    path.unlink()
    assert ensure_built(tmp_path).read_bytes() == build_rom_bytes()


def test_source_hash_follows_the_package_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "cartridge"
    shutil.copytree(build.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build, "PACKAGE_DIR", copy)
    original = source_hash()
    assert original == build.source_hash()
    (copy / "game.py").write_text((copy / "game.py").read_text() + "\n# changed\n")
    assert source_hash() != original
    (copy / "__pycache__").mkdir()
    changed = source_hash()
    (copy / "__pycache__" / "x.py").write_text("ignored")
    assert source_hash() == changed


def test_build_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRL_BUILD_DIR", str(tmp_path / "env-build"))
    assert ensure_built() == tmp_path / "env-build" / ROM_NAME
    assert (tmp_path / "env-build" / ROM_NAME).is_file()


def test_default_build_dir_is_repo_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRL_BUILD_DIR", raising=False)
    assert build.default_build_dir() == Path(__file__).resolve().parents[2] / "build"


def test_command_line_prints_the_path(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cartridge", "--build-dir", str(tmp_path), "--force"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.stdout.strip() == str(tmp_path / ROM_NAME)
    assert (tmp_path / ROM_NAME).is_file()
