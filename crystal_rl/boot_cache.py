"""The Gymnasium env's boot cache: where the state after boot is kept between envs, per user and PyBoy version.

The game's own options (goal, reward weights, patience, ...) are checked by `GameConfig.checked`, as
the services' settings are, each bad value one `ConfigError` naming it and what would be accepted.
"""

import logging
import os
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)


def default_boot_cache_dir() -> Path:
    """Per user and per PyBoy version (a PyBoy upgrade may not load an older one's states):
    `$XDG_CACHE_HOME/crystal-rl/boot/pyboy-X.Y.Z`, `~/.cache/...` without the variable."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "crystal-rl" / "boot" / f"pyboy-{metadata.version('pyboy')}"


def usable_cache_dir(directory: Path | str | None) -> Path | None:
    """The boot cache directory, created; None (boot every time) when it cannot be, e.g. a read-only home.

    Envs made at the same moment (an `AsyncVectorEnv`'s workers) may all boot and write the cache:
    the core writes it atomically, so each reads a whole state, theirs or another's, never half of one.
    """
    path = default_boot_cache_dir() if directory is None else Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError("not writable")
    except OSError as exc:
        log.warning("cannot use %s as the boot cache (%s): every env boots the game itself", path, exc)
        return None
    return path
