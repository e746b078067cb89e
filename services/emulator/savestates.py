"""Save states on disk: atomic writes, a JSON sidecar, the last K automatic ones kept.

A state file is only trusted together with its sidecar: the sidecar holds the state's
SHA-256 (so a truncated or corrupt file is caught before PyBoy sees it), the ROM's hash
(a state of another cartridge is refused), the step and the episode's stats. Anything
that fails those checks is reported, moved aside into `rejected/`, and the next one tried.
"""

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from shared.errors import SaveStateError
from shared.files import write_atomic

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
AUTO_PREFIX = "auto-"


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise SaveStateError(f"bad save name {name!r}: use 1-64 letters, digits, '_', '-' or '.'")


class SaveMeta(BaseModel):
    name: str
    step: int = Field(ge=0)
    episode: int = 0
    rom_sha256: str
    state_sha256: str
    rtc_locked: bool = True
    created: float = Field(default_factory=time.time)
    reason: str = "manual"
    stats: dict[str, Any] = Field(default_factory=dict)


class SaveStateStore:
    def __init__(self, directory: Path, rom_sha256: str, keep: int = 5) -> None:
        self.directory = directory
        self.rom_sha256 = rom_sha256
        self.keep = keep
        directory.mkdir(parents=True, exist_ok=True)

    def _paths(self, name: str) -> tuple[Path, Path]:
        return self.directory / f"{name}.state", self.directory / f"{name}.json"

    def save(self, name: str, data: bytes, *, step: int, episode: int, reason: str, stats: dict[str, Any]) -> SaveMeta:
        check_name(name)
        meta = SaveMeta(
            name=name,
            step=step,
            episode=episode,
            rom_sha256=self.rom_sha256,
            state_sha256=hashlib.sha256(data).hexdigest(),
            reason=reason,
            stats=stats,
        )
        state_path, meta_path = self._paths(name)
        write_atomic(state_path, data)
        write_atomic(meta_path, meta.model_dump_json(indent=2).encode())
        if name.startswith(AUTO_PREFIX):
            self._rotate()
        return meta

    def has(self, name: str) -> bool:
        return self._paths(name)[1].exists()

    def names(self) -> list[SaveMeta]:
        """Every save with a readable sidecar, newest first."""
        metas = []
        for meta_path in self.directory.glob("*.json"):
            try:
                metas.append(SaveMeta.model_validate_json(meta_path.read_bytes()))
            except (OSError, ValidationError):
                continue
        return sorted(metas, key=lambda m: (m.created, m.step), reverse=True)

    def load(self, name: str) -> tuple[bytes, SaveMeta]:
        """The verified bytes of one save; `SaveStateError` says what is wrong with it."""
        state_path, meta_path = self._paths(name)
        if not NAME_PATTERN.match(name) or not meta_path.exists():
            known = ", ".join(m.name for m in self.names()[:10]) or "none"
            raise SaveStateError(f"no save state named {name!r} in {self.directory} (known: {known})")
        try:
            meta = SaveMeta.model_validate_json(meta_path.read_bytes())
            data = state_path.read_bytes()
        except ValidationError:
            raise SaveStateError(f"save state {name!r}: its sidecar {meta_path.name} is corrupt") from None
        except OSError as exc:
            raise SaveStateError(f"save state {name!r} cannot be read: {exc.strerror}") from None
        if meta.rom_sha256 != self.rom_sha256:
            raise SaveStateError(f"save state {name!r} was made with another ROM (sha256 {meta.rom_sha256[:12]}…)")
        if hashlib.sha256(data).hexdigest() != meta.state_sha256:
            raise SaveStateError(f"save state {name!r} is corrupt or truncated ({len(data)} bytes, hash mismatch)")
        return data, meta

    def load_newest(self, apply: Callable[[bytes, str], None]) -> SaveMeta | None:
        """Apply the newest save that verifies and loads; reject the others on the way. None when none does."""
        candidates = {p.stem for p in self.directory.glob("*.state")} | {m.name for m in self.names()}
        ordered = [m.name for m in self.names()] + sorted(candidates - {m.name for m in self.names()})
        for name in ordered:
            try:
                data, meta = self.load(name)
                apply(data, name)
                return meta
            except SaveStateError as exc:
                log.warning("%s; moving it aside and trying the next one", exc)
                self.reject(name)
        return None

    def reject(self, name: str) -> None:
        rejected = self.directory / "rejected"
        rejected.mkdir(exist_ok=True)
        for path in self._paths(name):
            if path.exists():
                os.replace(path, rejected / path.name)

    def _rotate(self) -> None:
        autos = [m for m in self.names() if m.name.startswith(AUTO_PREFIX)]
        for meta in autos[self.keep :]:
            for path in self._paths(meta.name):
                path.unlink(missing_ok=True)


def read_start_state(spec: str, store: SaveStateStore) -> bytes:
    """The bytes of `--start-state`: a save state's name in `store` (checked against its sidecar), else a file.

    Raises `SaveStateError` saying what was looked for where; whether the state loads on this ROM is for
    the game core to say.
    """
    if NAME_PATTERN.match(spec) and store.has(spec):
        return store.load(spec)[0]
    path = Path(spec).expanduser()
    if path.is_file():
        try:
            return path.read_bytes()
        except OSError as exc:
            raise SaveStateError(f"start state {spec!r} cannot be read: {exc.strerror}") from None
    known = ", ".join(m.name for m in store.names()[:10]) or "none"
    raise SaveStateError(
        f"start state {spec!r}: no save state of that name in {store.directory} (known: {known}) and no such file;"
        " give a save state's name or a state file's path"
    )
