"""The training thread: gradient steps whenever the learner owes one, and a checkpoint every N updates.

Torch's update is blocking CPU (or GPU) work of tens of milliseconds; on the event loop it
would delay every read and every answer by that much. Here it runs on its own thread, at the
CPU priority `train_priority` says, while the loop answers frames with a separate actor
network (see `DQNAgent`).

Which priority: SCHED_IDLE starves training as soon as anything else wants the cores. Measured
on 2 cores (the update of the default network, batch 32, one torch thread): alone, 31 updates/s
at `idle` and 26 at `normal`; next to two CPU-burning processes, 0.2 updates/s at `idle`, 1.0 at
`low` and 5.0 at `normal`. In `hold` mode the emulators wait for training, so a starved trainer
stops the game: `auto` trains at `normal` there, and keeps `idle` only in `free` mode, where the
actors are meant to go first and the ratio that results is reported.
"""

import logging
import os
import threading
import time
from dataclasses import fields
from pathlib import Path

from services.dqn_learner.agent import UpdateStats
from services.dqn_learner.checkpoints import save_checkpoint
from services.dqn_learner.learner import Learner
from services.dqn_learner.periodic_eval import PeriodicEval
from services.dqn_learner.settings import LearnerSettings
from shared.counters import Counters
from shared.streams import Backoff

log = logging.getLogger(__name__)

UPDATE_FIELDS = tuple(f.name for f in fields(UpdateStats))
"""What each update reports; the stats show their means."""

FAILURE_PAUSE_S = (0.2, 10.0)
"""The pause after a failed update (first, longest): doubled while failures repeat, so a persistent one
(CUDA out of memory) is logged a few times a minute instead of in a tight loop."""


class TrainingThread:
    """Runs `learner.train_step()` while updates are due; `stop()` returns after the current step."""

    def __init__(self, learner: Learner, checkpoint_dir: Path, counters: Counters) -> None:
        self.learner = learner
        self.checkpoint_dir = checkpoint_dir
        self.counters = counters
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dqn-train", daemon=True)
        self._lock = threading.Lock()
        self._sums = dict.fromkeys(UPDATE_FIELDS, 0.0)
        self._n = 0
        self.last_means = dict.fromkeys(UPDATE_FIELDS, 0.0)
        self._failure_pauses = Backoff(*FAILURE_PAUSE_S, jitter=0.0)
        self.evaluations = PeriodicEval(learner.settings, checkpoint_dir, self.checkpoint)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish its current update and join it (a few tens of ms at most)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.learner.lookahead is not None:
            self.learner.lookahead.stop()
        self.evaluations.close()

    def take_means(self) -> dict[str, float]:
        """Each `UpdateStats` field's mean over the updates since the last call (the last means when there were
        none)."""
        with self._lock:
            if self._n:
                self.last_means = {name: total / self._n for name, total in self._sums.items()}
                self._sums = dict.fromkeys(UPDATE_FIELDS, 0.0)
                self._n = 0
            return dict(self.last_means)

    def checkpoint(self) -> Path | None:
        """Write a checkpoint of the learner now (from the training thread or after it stopped), and the
        demonstrations file when one is set."""
        learner = self.learner
        try:
            learner.save_demos()
        except OSError:
            self.counters.checkpoint_failures += 1
            log.exception("writing the demonstrations file %s failed; training goes on", learner.settings.demos)
        try:
            path = save_checkpoint(
                self.checkpoint_dir, learner.agent.updates, learner.state_dict(), learner.settings.checkpoint_keep
            )
        except OSError:
            self.counters.checkpoint_failures += 1
            log.exception("checkpoint at %d updates failed; training goes on", learner.agent.updates)
            return None
        self.counters.checkpoints += 1
        log.info("checkpoint %s (%d updates, %d frames seen)", path.name, learner.agent.updates, learner.frames_seen)
        return path

    def _run(self) -> None:
        settings = self.learner.settings
        priority = training_priority(settings)
        _lower_priority(priority)
        self.learner.on_thread_start = lambda: _lower_priority(priority)  # the look-ahead thread trains too
        while not self._stop.is_set():
            if not self.learner.update_due:
                self._stop.wait(0.005)
                continue
            try:
                stats = self.learner.train_step()
            except Exception:
                # The loop boundary: a failed update (e.g. CUDA out of memory) is logged and counted,
                # and training goes on after a pause that grows while failures repeat.
                self.counters.train_failures += 1
                log.exception("update %d failed", self.learner.agent.updates + 1)
                self._stop.wait(self._failure_pauses.next_delay())
                continue
            self._failure_pauses.reset()
            with self._lock:
                for name in UPDATE_FIELDS:
                    self._sums[name] += getattr(stats, name)
                self._n += 1
            if self.learner.agent.updates % settings.checkpoint_every == 0:
                started = time.perf_counter()
                self.checkpoint()
                log.debug("checkpoint took %.1f ms", (time.perf_counter() - started) * 1000)
            self.evaluations.after_update(self.learner.agent.updates)


def training_priority(settings: LearnerSettings) -> str:
    """`train_priority`, with `auto` resolved by the replay-ratio mode (see the module's docstring)."""
    if settings.train_priority != "auto":
        return settings.train_priority
    return "normal" if settings.replay_ratio_mode == "hold" else "idle"


def _lower_priority(priority: str) -> None:
    """Put the calling thread (only it: Linux schedules threads one by one) at `priority`.

    `idle` is Linux's SCHED_IDLE: the thread runs only on CPU time nothing else wants, and
    yields the moment an answer or an emulator needs a core. `low` is nice +10. Where the
    system offers neither, training simply runs at the process's priority.
    """
    tid = threading.get_native_id()
    try:
        if priority == "idle" and hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        elif priority in ("idle", "low") and hasattr(os, "setpriority"):
            os.setpriority(os.PRIO_PROCESS, tid, min(os.getpriority(os.PRIO_PROCESS, tid) + 10, 19))
    except OSError as exc:
        log.warning("cannot lower the training thread's priority to %s (%s); it runs at the process's", priority, exc)
