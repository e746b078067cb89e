"""The harness of the learning tests: drive a task with a `Learner`, then compare greedy and random returns.

A task is anything that produces `Frame`s (the emulator's message) from button presses,
so the learner under test is exactly the service's: same frame stacking, transitions,
schedule and update cadence; only Redis is cut away.
"""

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from services.dqn_learner.learner import Learner
from services.dqn_learner.observation import FrameStacker
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTONS, Button
from shared.messages import Frame

log = logging.getLogger(__name__)


class Task(Protocol):
    """An episodic game: `reset` starts an episode, `step` presses one button; frames as the emulator sends them."""

    max_steps: int

    def reset(self) -> Frame: ...

    def step(self, button: Button) -> tuple[Frame, bool]:
        """The next frame, and whether the episode is over (goal reached or `max_steps` used)."""
        ...


@dataclass(frozen=True)
class Outcome:
    greedy_return: float
    random_return: float
    train_steps: int
    updates: int
    seconds: float
    updates_per_second: float


def train(task: Task, learner: Learner, steps: int) -> int:
    """Play `steps` steps epsilon-greedily, feeding every frame to the learner and training when due."""
    frame = task.reset()
    for _ in range(steps):
        obs = learner.observe(frame)
        actions, _ = learner.act([obs])
        frame, over = task.step(BUTTONS[int(actions[0])])
        while learner.update_due:
            learner.train_step()
        if over:
            learner.observe(frame)
            frame = task.reset()
    return learner.agent.updates


def greedy_return(task: Task, learner: Learner) -> float:
    """Return of one episode played by the trained network with epsilon 0 (the task is deterministic)."""
    learner.agent.sync_actor()
    stacker = FrameStacker.of(learner.settings)
    frame, total, over = task.reset(), 0.0, False
    while not over:
        obs = stacker.push(frame)
        actions, _ = learner.agent.act(obs.screens[None], obs.features[None], obs.legal[None], 0.0, learner.rng)
        frame, over = task.step(BUTTONS[int(actions[0])])
        total += frame.reward
    return total


def random_return(task: Task, episodes: int, seed: int) -> float:
    """Mean return of a uniformly random policy over the legal buttons."""
    rng = np.random.default_rng(seed)
    totals = []
    for _ in range(episodes):
        frame, total, over = task.reset(), 0.0, False
        while not over:
            legal = [b for b, ok in zip(BUTTONS, frame.legal or (True,) * len(BUTTONS), strict=True) if ok]
            frame, over = task.step(legal[int(rng.integers(len(legal)))])
            total += frame.reward
        totals.append(total)
    return float(np.mean(totals))


def run(task: Task, settings: LearnerSettings, steps: int, random_episodes: int) -> Outcome:
    torch.set_num_threads(settings.torch_threads)
    learner = Learner(settings, torch.device("cpu"))
    start = time.perf_counter()
    updates = train(task, learner, steps)
    seconds = time.perf_counter() - start
    outcome = Outcome(
        greedy_return=greedy_return(task, learner),
        random_return=random_return(task, random_episodes, settings.seed),
        train_steps=steps,
        updates=updates,
        seconds=seconds,
        updates_per_second=updates / seconds,
    )
    log.info("learning outcome: %s", outcome)
    return outcome
