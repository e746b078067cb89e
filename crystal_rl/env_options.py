"""The Gymnasium env's options, checked before an emulator starts: goal, reward weights, boot cache.

Each bad value is one `ConfigError` that names the value and what would be accepted, so a typo
in `gymnasium.make(..., buttons=("a", "stat"))` or `reward_weights={"badges": 5}` fails at once
instead of training on something else than was meant (pydantic would silently drop an unknown weight).
"""

import logging
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from shared.errors import ConfigError
from shared.game.config import Goal
from shared.game.rewards import RewardWeights

log = logging.getLogger(__name__)


def parse_goal(goal: str | Goal) -> Goal:
    try:
        return Goal(str(goal).lower())
    except ValueError:
        raise ConfigError(f"unknown goal {goal!r}: one of {', '.join(Goal)}") from None


def parse_weights(weights: Mapping[str, float] | RewardWeights | None) -> RewardWeights:
    """The service's defaults, with the given components changed."""
    if weights is None:
        return RewardWeights()
    if isinstance(weights, RewardWeights):
        return weights
    unknown = sorted(set(weights) - set(RewardWeights.model_fields))
    if unknown:
        raise ConfigError(
            f"unknown reward component(s) {', '.join(map(repr, unknown))}: "
            f"the components are {', '.join(RewardWeights.model_fields)}"
        )
    try:
        return RewardWeights(**weights)
    except ValidationError as exc:
        raise ConfigError(f"bad reward weights: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None


def parse_patience(patience: int) -> int:
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ConfigError(f"stuck_patience must be a whole number of steps, at least 1 (got {patience!r})")
    return patience


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
