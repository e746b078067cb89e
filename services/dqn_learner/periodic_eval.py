"""Evaluation while training: every `eval_every_updates` updates, a checkpoint and a greedy evaluation of it.

The evaluation plays whole episodes of the game (seconds to minutes), so it runs in a
subprocess (`python -m services.dqn_learner.evaluate --publish`) at the lowest CPU priority,
one at a time: the training thread only starts it (a fork and an exec) and looks at it again
at the next turn; the learner's loops never wait for it. The subprocess publishes each
episode to the `episodes` stream marked `eval`, so the dashboard's learning curve shows
greedy progress beside the training episodes.

It plays the emulators' game because it reads the same `GameSettings` from the same `CRL_*`
variables (`CRL_ROM`, `CRL_GOAL`, `CRL_EPISODE_STEPS`, ...), which it inherits from the
learner's environment: `crystal-rl run` gives every child the same ones (`crystal_rl/children.py`),
and docker compose sets them for every service.
"""

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from services.dqn_learner.checkpoints import checkpoint_path
from services.dqn_learner.settings import LearnerSettings

log = logging.getLogger(__name__)

EVAL_NICE = 19
"""The subprocess's nice value: it plays only on CPU time the emulators and the learner leave."""


class PeriodicEval:
    """Starts an evaluation subprocess every `eval_every_updates` updates, unless the previous one still runs."""

    def __init__(self, settings: LearnerSettings, checkpoint_dir: Path, checkpoint: Callable[[], Path | None]) -> None:
        self.settings = settings
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint = checkpoint
        """Writes a checkpoint of the learner now, or returns None when that failed."""
        self.started = 0
        self.skipped = 0
        """Evaluations not started because the previous one was still playing."""
        self._process: subprocess.Popen[bytes] | None = None

    def after_update(self, updates: int) -> None:
        """Called by the training thread after each update: start an evaluation when one is due."""
        every = self.settings.eval_every_updates
        if not every or updates % every:
            return
        if self.running:
            self.skipped += 1
            log.warning("evaluation at %d updates skipped: the previous one is still playing", updates)
            return
        path = checkpoint_path(self.checkpoint_dir, updates)
        if not path.is_file() and (path := self.checkpoint()) is None:
            return
        self.start(path)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, checkpoint: Path) -> None:
        """Start the evaluation of `checkpoint` (its output goes where the learner's does)."""
        try:
            # the URL (it may hold Redis's password) by environment, never on a command line `ps` shows
            env = {**os.environ, "CRL_REDIS_URL": self.settings.redis_url}
            self._process = subprocess.Popen(self.command(checkpoint), stdin=subprocess.DEVNULL, env=env)
        except OSError:
            log.exception("could not start the evaluation of %s; training goes on", checkpoint.name)
            return
        try:
            os.setpriority(os.PRIO_PROCESS, self._process.pid, EVAL_NICE)
        except OSError as exc:  # it ended already, or the system refuses: it then plays at the learner's priority
            log.debug("cannot lower the evaluation's priority: %s", exc)
        self.started += 1
        log.info("evaluating %s in process %d (%d episodes)", checkpoint.name, self._process.pid, self.episodes)

    @property
    def episodes(self) -> int:
        return self.settings.eval_episodes

    def command(self, checkpoint: Path) -> list[str]:
        """The subprocess's command line: where Redis and the run are from the learner's settings; the game
        from the environment it inherits."""
        s = self.settings
        return [
            sys.executable,
            "-m",
            "services.dqn_learner.evaluate",
            "--checkpoint",
            str(checkpoint),
            "--episodes",
            str(self.episodes),
            "--publish",
            "--key-prefix",
            s.key_prefix,
            "--data-dir",
            str(s.data_dir),
            "--log-level",
            s.log_level,
        ]

    def close(self) -> None:
        """Stop an evaluation still playing (the learner is stopping; its episodes would come from a gone run)."""
        if self.running and self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
