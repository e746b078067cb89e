"""Demonstrations: the steps a trusted source chose, kept apart so ordinary frames cannot push them out.

DQfD (Hester et al. 2018) keeps its demonstrations for the whole run and draws a share of
every batch from them. Here every frame still goes to the learner's main ring (with its
`demo` mark); the demonstrated transitions also go to a second, smaller ring that only they
fill, so a plan that walked to the gym an hour ago is still sampled after the main ring has
wrapped many times.

A transition's observation is a stack of the k frames before it, and those frames were
often chosen by someone else (the DQN played up to the plan). So each env keeps its last k
frames that the ring has not seen; a demonstration writes them first, as entries that
complete no transition, and then itself. A run of demonstrations (a plan's buttons) then
follows on as one chain, with n-step returns over the run.

The ring can be saved to a file and loaded at start (`--demos PATH`), so a run with an
expensive model host seeds later runs that have none.
"""

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from zipfile import BadZipFile

import numpy as np

from services.dqn_learner.replay import ReplayBuffer
from shared.errors import DemoFileError
from shared.files import atomic_writer

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
"""How an `.npz` file begins (numpy would otherwise try anything else as a pickle)."""


@dataclass(frozen=True, slots=True)
class _Context:
    screen: np.ndarray
    features: np.ndarray
    legal: np.ndarray


class DemoStore:
    """The reserved ring of demonstrations, fed frame by frame beside the main ring."""

    def __init__(self, buffer: ReplayBuffer) -> None:
        self.buffer = buffer
        self._context: dict[str, deque[_Context]] = {}
        """Per env, its newest frames the ring has not seen (at most a stack's worth)."""
        self._linked: dict[str, bool] = {}
        """Per env: the ring's newest entry of the env is the frame just before the oldest in its context."""

    def offer(
        self,
        env: str,
        screen: np.ndarray,
        features: np.ndarray,
        legal: np.ndarray,
        *,
        continues: bool,
        action: int | None,
        reward: float,
        done: bool,
        demo: bool,
    ) -> None:
        """Every frame of every env comes here; only demonstrations (and the frames they stack on) are stored."""
        context = self._context.setdefault(env, deque(maxlen=self.buffer.frame_stack))
        if not continues:
            context.clear()
            self._linked[env] = False
        if not demo or action is None:
            if len(context) == context.maxlen:
                self._linked[env] = False  # the oldest frame falls out: the ring's chain cannot go on
            context.append(_Context(screen.copy(), features.copy(), legal.copy()))
            return
        linked = self._linked.get(env, False)
        for frame in context:
            self.buffer.add(env, frame.screen, frame.features, frame.legal, continues=linked)
            linked = True
        context.clear()
        self.buffer.add(
            env, screen, features, legal, continues=linked, action=action, reward=reward, done=done, demo=True
        )
        self._linked[env] = not done

    # --- the file ----------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the ring to `path` (atomically: a crash leaves the old file)."""
        with atomic_writer(path) as handle:
            self.buffer.save(handle)
        log.info("saved %d demonstrations to %s", self.buffer.demos, path)

    @staticmethod
    def load(path: Path, frame_stack: int, n_features: int, n_actions: int, seed: int = 0) -> "DemoStore":
        """The ring saved at `path`; `DemoFileError` (one line: what is wrong, what to do) when it cannot be used."""
        try:
            with path.open("rb") as handle:
                if handle.read(4) != ZIP_MAGIC:
                    raise ValueError("not an .npz archive")
                handle.seek(0)
                buffer = ReplayBuffer.load(handle, seed)
        except FileNotFoundError:
            raise DemoFileError(f"demonstrations file {path} does not exist: check --demos") from None
        except (OSError, ValueError, KeyError, EOFError, BadZipFile) as exc:
            raise DemoFileError(
                f"demonstrations file {path} is not a demonstrations file or is damaged ({exc});"
                " move it away or give another --demos"
            ) from None
        shape = (buffer.frame_stack, buffer.n_features, buffer.n_actions)
        if shape != (frame_stack, n_features, n_actions):
            raise DemoFileError(
                f"demonstrations file {path} holds stacks of {shape[0]} screens with {shape[1]} features and"
                f" {shape[2]} buttons; this learner uses {frame_stack}, {n_features} and {n_actions}"
            )
        log.info("loaded %d demonstrations from %s", buffer.demos, path)
        return DemoStore(buffer)
