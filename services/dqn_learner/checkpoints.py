"""Checkpoints: written atomically, the newest valid one loaded, a corrupt one reported and moved aside.

A checkpoint is one `torch.save` file holding the agent's state (networks, optimizer,
update count) and the service's counters (frames seen, epsilon, ...). It is written to
a temp file in the same directory, fsynced and renamed, so a crash mid-write (or
SIGKILL) leaves the previous checkpoint intact and never a half file under a real name.
"""

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from shared.errors import CheckpointError
from shared.files import atomic_writer

log = logging.getLogger(__name__)

_NAME = re.compile(r"^checkpoint-(\d{10})\.pt$")
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Loaded:
    path: Path
    state: dict[str, Any]
    corrupt: tuple[Path, ...]
    """Checkpoints found unreadable on the way, already moved aside (`*.corrupt`)."""


def checkpoint_path(directory: Path, updates: int) -> Path:
    return directory / f"checkpoint-{updates:010d}.pt"


def list_checkpoints(directory: Path) -> list[Path]:
    """Checkpoints in `directory`, newest (most updates) first."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if _NAME.match(p.name)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def save_checkpoint(directory: Path, updates: int, state: dict[str, Any], keep: int) -> Path:
    """Write `state` as the checkpoint of `updates` atomically, then delete all but the newest `keep`."""
    path = checkpoint_path(directory, updates)
    with atomic_writer(path) as handle:
        torch.save({"format": FORMAT_VERSION, **state}, handle)
    for old in list_checkpoints(directory)[keep:]:
        old.unlink(missing_ok=True)
    return path


def load_latest(directory: Path, map_location: torch.device | str = "cpu") -> Loaded | None:
    """The newest checkpoint that loads; unreadable ones are logged, moved aside and the previous tried.

    Only the file's integrity is judged here; whether its contents fit the network is the
    agent's question (`DQNAgent.load_state_dict`), and the caller can pass a failure there
    to `move_aside` too.
    """
    corrupt: list[Path] = []
    for path in list_checkpoints(directory):
        try:
            state = read_checkpoint(path, map_location)
        except CheckpointError as exc:
            corrupt.append(move_aside(path, exc.__cause__ or exc))
            continue
        return Loaded(path=path, state=state, corrupt=tuple(corrupt))
    return None


def read_checkpoint(path: Path, map_location: torch.device | str = "cpu") -> dict[str, Any]:
    """One checkpoint file's contents, or a `CheckpointError` saying why it is unusable (nothing is moved).

    The learner moves an unusable file aside (`load_latest`); an evaluation only reads, so it
    never renames a file in a directory a running learner owns.
    """
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
        if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
            raise ValueError(f"not a format-{FORMAT_VERSION} checkpoint")
    except Exception as exc:  # torch.load raises many types for a damaged file; all mean "unusable"
        # torch's messages run over several lines (and advise weights_only=False): the first one says what broke
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CheckpointError(f"checkpoint {path} is unusable ({why}): damaged, or not one the learner wrote") from exc
    return state


def move_aside(path: Path, reason: BaseException | str) -> Path:
    """Rename an unusable checkpoint to `*.corrupt` (kept for inspection, never loaded again)."""
    target = path.with_name(path.name + ".corrupt")
    log.error("checkpoint %s is unusable (%s); moved aside to %s", path, reason, target.name)
    os.replace(path, target)
    return target
