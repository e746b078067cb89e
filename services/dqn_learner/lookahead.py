"""The next batch and its TD targets, made on a thread of their own while the current update runs.

An update is two kinds of work: the targets (forward passes without gradient through the online
and the target network, over the batch's next states and, with n-step returns, its bootstrap
states: 64 rows through two networks) and the step itself (a forward and backward pass over the
batch's 32 states, the optimizer). The step needs the targets, but the targets of the *next*
batch need nothing of the step under way: while one core takes the step, another computes the
next batch's targets. On two cores, with the emulator asking little of either, that is most of
the targets' time off the update's path.

The price is staleness, bounded: the next batch is sampled before the current update is learned
from (its transitions are at most one update older than they could be), and Double DQN's pick in
its targets is made by a copy of the online network from before the update under way
(`DQNAgent.lagged`, one update behind; the target network itself is thousands of updates old by
design). The look-ahead works on request: one batch ahead, never more.
"""

import logging
import queue
import threading
from collections.abc import Callable

import torch

from services.dqn_learner.agent import DQNAgent
from services.dqn_learner.replay import Batch

log = logging.getLogger(__name__)

Prepared = tuple[Batch, tuple[torch.Tensor, ...]]


class LookAhead:
    """`take()` returns the batch prepared ahead (or prepares one now, the first time) and asks for the next."""

    def __init__(self, sample: Callable[[], Batch], agent: DQNAgent, on_start: Callable[[], None]) -> None:
        self.sample = sample
        self.agent = agent
        self.on_start = on_start
        """Called on the thread before its first batch (the training thread's CPU priority, for one)."""
        self._requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._ready: queue.SimpleQueue[Prepared | BaseException] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def prepare(self) -> Prepared:
        batch = self.sample()
        return batch, self.agent.targets(batch, ahead=True)

    def take(self) -> Prepared:
        """The batch prepared ahead with its targets; the next one is begun before this returns. A failure on the
        look-ahead thread is raised here, where the training thread classifies it."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dqn-lookahead", daemon=True)
            self._thread.start()
            self._requests.put(True)
        got = self._ready.get()
        self._requests.put(True)
        if isinstance(got, BaseException):
            raise got
        return got

    def _run(self) -> None:
        self.on_start()
        while self._requests.get():
            try:
                self._ready.put(self.prepare())
            except Exception as exc:  # handed to the training thread, which logs and counts it
                self._ready.put(exc)

    def stop(self) -> None:
        """End the thread after the batch it is preparing (if any)."""
        if self._thread is not None:
            self._requests.put(False)
            self._thread.join(timeout=5)
            self._thread = None
