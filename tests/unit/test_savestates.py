"""Save-state files: atomic, verified by their sidecar, rotated, bad ones moved aside."""

from pathlib import Path

import pytest

from services.emulator.savestates import SaveStateStore
from shared.errors import SaveStateError


def store(tmp_path: Path, rom: str = "a" * 64, keep: int = 3) -> SaveStateStore:
    return SaveStateStore(tmp_path / "states", rom, keep)


def save(s: SaveStateStore, name: str, data: bytes, step: int) -> None:
    s.save(name, data, step=step, episode=0, reason="auto", stats={"reward": step / 10})


def test_roundtrip_and_sidecar(tmp_path: Path) -> None:
    s = store(tmp_path)
    save(s, "first", b"state-bytes", 7)
    data, meta = s.load("first")
    assert data == b"state-bytes" and meta.step == 7 and meta.stats == {"reward": 0.7}
    assert not list((tmp_path / "states").glob("*.tmp"))


def test_keeps_only_the_last_k_automatic_saves(tmp_path: Path) -> None:
    s = store(tmp_path, keep=2)
    save(s, "named", b"x", 0)
    for step in range(5):
        save(s, f"auto-{step:09d}", b"x", step)
    names = {m.name for m in s.names()}
    assert names == {"named", "auto-000000003", "auto-000000004"}


def test_truncated_state_is_refused(tmp_path: Path) -> None:
    s = store(tmp_path)
    save(s, "cut", b"0123456789", 1)
    (tmp_path / "states" / "cut.state").write_bytes(b"01234")
    with pytest.raises(SaveStateError, match="corrupt or truncated"):
        s.load("cut")


def test_state_of_another_rom_is_refused(tmp_path: Path) -> None:
    save(store(tmp_path, rom="b" * 64), "other", b"x", 1)
    with pytest.raises(SaveStateError, match="another ROM"):
        store(tmp_path).load("other")


def test_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    s = store(tmp_path)
    save(s, "known", b"x", 1)
    with pytest.raises(SaveStateError, match="known"):
        s.load("missing")
    with pytest.raises(SaveStateError, match="bad save name"):
        save(s, "../escape", b"x", 1)


def test_load_newest_skips_bad_ones_and_moves_them_aside(tmp_path: Path) -> None:
    s = store(tmp_path)
    save(s, "good", b"good", 1)
    save(s, "newer-but-corrupt", b"corrupt", 2)
    (tmp_path / "states" / "newer-but-corrupt.state").write_bytes(b"c")
    (tmp_path / "states" / "orphan.state").write_bytes(b"no sidecar")
    loaded: list[bytes] = []
    meta = s.load_newest(lambda data, name: loaded.append(data))
    assert meta is not None and meta.name == "good" and loaded == [b"good"]
    assert (tmp_path / "states" / "rejected" / "newer-but-corrupt.state").exists()


def test_load_newest_rejects_what_the_emulator_cannot_load(tmp_path: Path) -> None:
    s = store(tmp_path)
    save(s, "old", b"old", 1)
    save(s, "new", b"new", 2)

    def apply(data: bytes, name: str) -> None:
        if data == b"new":
            raise SaveStateError("PyBoy refused it")

    meta = s.load_newest(apply)
    assert meta is not None and meta.name == "old"
    assert (tmp_path / "states" / "rejected" / "new.json").exists()
