"""`Learner`: frames in, actions and gradient steps out — CleanRL's DQN loop with the environment cut away.

The service feeds it frames from Redis; the learning test feeds it frames from a game it
drives itself. Either way the same code turns frames into transitions, chooses actions
and decides when to train, so what the test shows learning is what the service runs.

Frame semantics (see `shared.messages.Frame`): frame t holds s_t, the button pressed at
step t-1 and the reward it earned. So frame t completes the transition
(obs_{t-1}, frame_t.action, frame_t.reward, obs_t), stored as soon as frame t arrives: the
frame says itself whether it is its episode's last. Terminated, the transition is terminal
(no value is bootstrapped from obs_t); truncated by the time limit, it is not (the game
did not end, so obs_t still has a value). Either way nothing answers that last frame, and
the next episode's first frame starts afresh, so no transition bridges two episodes.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from services.dqn_learner.agent import DQNAgent, UpdateStats, linear_schedule
from services.dqn_learner.demos import DemoStore
from services.dqn_learner.lookahead import LookAhead
from services.dqn_learner.network import QNetwork
from services.dqn_learner.observation import (
    N_ACTIONS,
    SCREEN_SHAPE,
    FrameStacker,
    Observation,
)
from services.dqn_learner.replay import Batch, ReplayBuffer
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX
from shared.game.features import N_FEATURES
from shared.messages import Frame

log = logging.getLogger(__name__)

MAX_HELD_FRAMES = 1024
"""Frames of one run of plans held at most: past it the run is judged on what it did so far, so a planner that
plays on without progress is not held in memory without end (a single plan lives 1,000 steps at most,
`Action.ttl_steps`)."""

Entry = tuple[str, np.ndarray, np.ndarray, np.ndarray]
"""A frame as the rings store it: env, newest screen, features, legal mask."""


@dataclass
class HeldRun:
    """The frames of consecutive plans, held until they make progress or end: demonstrations only if they made some.

    Plans are judged as a run, not one by one, because a step-by-step demonstrator (the walkthrough) answers
    with plans of one press or a few: no single one reaches a milestone, while the run of them walks to it.
    """

    rows: list[tuple[Entry, dict[str, Any], bool]] = field(default_factory=list)
    """Each frame's entry, outcome and whether its source is a demonstrating one."""
    reward: float = 0.0
    """The run's reward so far, unscaled: what `demo_min_reward` is compared with."""


class Learner:
    """The DQN's state and its rules: per-env frame stacks, the replay buffer, the schedule, the update cadence.

    Thread use: `observe` and `act` run on the service's event loop (or the test's loop);
    `train_step` runs on a training thread. The buffer is shared behind a lock held only
    for an insert or a sample copy, and the agent keeps inference on its own actor copy.
    """

    def __init__(self, settings: LearnerSettings, device: torch.device) -> None:
        self.settings = settings
        torch.manual_seed(settings.seed)
        self.rng = np.random.default_rng(settings.seed)
        self.agent = DQNAgent(
            QNetwork(settings.frame_stack),
            device,
            learning_rate=settings.learning_rate,
            gamma=settings.gamma,
            max_grad_norm=settings.max_grad_norm,
            playable=settings.playable,
            n_step_weight=settings.n_step_weight,
            margin=settings.demo_margin,
            margin_weight=settings.demo_loss_weight,
            l2_weight=settings.l2_weight,
            double=settings.double_dqn,
            legal_mask=settings.legal_mask,
        )
        self.buffer = ReplayBuffer(
            settings.buffer_capacity,
            settings.frame_stack,
            N_FEATURES,
            N_ACTIONS,
            SCREEN_SHAPE,
            seed=settings.seed,
            n_step=settings.n_step,
            gamma=settings.gamma,
        )
        self.demos = self._demo_store(settings)
        """The demonstrations' own ring (None when `demo_capacity` is 0)."""
        self._demo_sources = settings.demo_source_set
        self.frames_seen = 0
        """Frames observed, all envs together (the epsilon schedule's clock). Persisted."""
        self.transitions = 0
        """Transitions ever added to the buffer. Persisted."""
        self.last_update: UpdateStats | None = None
        self.uncounted_transitions = 0
        """Transitions stored that count toward no update because the backlog was full (the game outran the trainer)."""
        self._stackers: dict[str, FrameStacker] = {}
        self._counted_transitions = 0
        """Transitions stored after the warm-up that count toward updates (written by the frame side only)."""
        self._trained_transitions = 0
        """The counted transitions the updates done have covered, `train_every` per update (written by the
        training side only): two counters, each with one writer, so no count is ever lost to a race."""
        self._buffer_lock = threading.Lock()
        self.lookahead: LookAhead | None = None
        """The next batch and its targets made on a thread of their own (`settings.lookahead`); started by the
        first `train_step`, with `on_thread_start` run on it first."""
        self.on_thread_start: Callable[[], None] = lambda: None
        if settings.lookahead:
            self.lookahead = LookAhead(self.sample_batch, self.agent, lambda: self.on_thread_start())
        self._held: dict[str, HeldRun] = {}
        """Per env, the run of plans whose frames wait for their verdict (`demo_filter`)."""
        self.runs_judged = {"progress": 0, "none": 0}
        """Runs of plans whose steps became demonstrations, and runs whose steps became ordinary transitions."""

    @staticmethod
    def _demo_store(settings: LearnerSettings) -> DemoStore | None:
        """The demonstrations file's ring when there is one, else an empty ring of `demo_capacity`."""
        if settings.demos is not None and settings.demos.exists():
            return DemoStore.load(settings.demos, settings.frame_stack, N_FEATURES, N_ACTIONS, settings.seed)
        if not settings.demo_capacity:
            return None
        ring = ReplayBuffer(
            settings.demo_capacity,
            settings.frame_stack,
            N_FEATURES,
            N_ACTIONS,
            SCREEN_SHAPE,
            seed=settings.seed + 1,
            n_step=settings.n_step,
            gamma=settings.gamma,
        )
        return DemoStore(ring)

    # --- frames ---------------------------------------------------------------------------

    @property
    def epsilon(self) -> float:
        s = self.settings
        return linear_schedule(s.epsilon_start, s.epsilon_end, s.epsilon_decay_frames, self.frames_seen)

    def observe(self, frame: Frame) -> Observation:
        """Stack the frame into its env's window and store it, with the transition it completes.

        Raises `MessageError` for a frame the network cannot read (wrong screen size, bad
        mask); the caller sends it to `dead`. A frame that repeats or precedes its env's
        last step (redelivered after a restart) is stacked afresh and makes no transition.
        The caller answers the observation unless it is `final`. With `demo_filter`, the
        frames of consecutive plans' steps are held as one run: up to the step that makes
        progress they are demonstrations, and a run that ends without progress (a frame no
        plan played, a gap, the episode's end) is stored as ordinary transitions.
        """
        stacker = self._stackers.get(frame.env)
        if stacker is None:
            stacker = self._stackers[frame.env] = FrameStacker.of(self.settings)
        obs = stacker.push(frame)
        self.frames_seen += 1
        entry: Entry = (frame.env, obs.screens[-1], obs.features, obs.legal)
        outcome = {
            "continues": obs.continues,
            "action": None if frame.action is None else BUTTON_INDEX[frame.action],
            "reward": self._scaled(frame.reward),
            "done": frame.terminated,
        }
        demo = frame.action_source in self._demo_sources
        if not self.settings.demo_filter:
            self._store(entry, outcome, demo)
            return obs
        held = self._held.get(frame.env)
        if held is not None and (frame.plan is None or not obs.continues):
            self._judge(frame.env, progress=False)  # a frame no plan played, or a gap: the run is over
            held = None
        if frame.plan is None:
            self._store(entry, outcome, demo)
            return obs
        if held is None:
            held = self._held[frame.env] = HeldRun()
        held.rows.append((entry, outcome, demo))
        held.reward += frame.reward
        if frame.milestone is not None or held.reward >= self.settings.demo_min_reward:
            self._judge(frame.env, progress=True)  # the steps up to here earned it; the next plan starts a new run
        elif obs.final or len(held.rows) >= MAX_HELD_FRAMES:
            self._judge(frame.env, progress=False)
        return obs

    def _judge(self, env: str, progress: bool) -> None:
        """Store the env's held run: its steps are demonstrations if it made progress, else ordinary ones."""
        held = self._held.pop(env)
        self.runs_judged["progress" if progress else "none"] += 1
        for entry, outcome, demo in held.rows:
            self._store(entry, outcome, demo and progress)

    def _store(self, entry: Entry, outcome: dict[str, Any], demo: bool) -> None:
        """One frame into the main ring (and the demonstrations' ring, which takes what it needs of it)."""
        with self._buffer_lock:
            stored = self.buffer.add(*entry, **outcome, demo=demo)
            if self.demos is not None:
                self.demos.offer(*entry, **outcome, demo=demo and stored)
        if stored:
            self._count_transition()

    def _scaled(self, reward: float) -> float:
        reward *= self.settings.reward_scale
        if self.settings.reward_clip is not None:
            reward = float(np.clip(reward, -self.settings.reward_clip, self.settings.reward_clip))
        return reward

    def _count_transition(self) -> None:
        self.transitions += 1
        if len(self.buffer) < self.settings.learning_starts:
            return
        if self._untrained >= self.settings.max_update_backlog * self.settings.train_every:
            self.uncounted_transitions += 1
            return
        self._counted_transitions += 1

    def act(self, observations: Sequence[Observation], greedy: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """One action per observation from one forward pass, and each one's greedy Q (for stats)."""
        screens = np.stack([o.screens for o in observations])
        features = np.stack([o.features for o in observations])
        legal = np.stack([o.legal for o in observations])
        epsilon = 0.0 if greedy else self.epsilon
        return self.agent.act(screens, features, legal, epsilon, self.rng)

    # --- training -------------------------------------------------------------------------

    @property
    def _untrained(self) -> int:
        """Counted transitions no update has covered yet."""
        return self._counted_transitions - self._trained_transitions

    @property
    def update_due(self) -> bool:
        return self._untrained >= self.settings.train_every

    @property
    def backlog(self) -> int:
        """Updates owed to the transitions already stored (a refill or a fast game builds some up)."""
        return max(self._untrained // self.settings.train_every, 0)

    def forgive_backlog(self) -> int:
        """Drop the updates owed so far (counted in `updates_dropped`) and return how many; only while no
        training thread runs (it is the one writer of what the updates covered)."""
        owed = self._untrained
        self._counted_transitions -= owed
        self.uncounted_transitions += owed
        return owed // self.settings.train_every

    def train_step(self) -> UpdateStats:
        """One update (call when `update_due`), then the target and actor syncs when their turn comes."""
        if self.lookahead is not None:
            batch, targets = self.lookahead.take()
            stats = self.agent.update(batch, targets)
        else:
            stats = self.agent.update(self.sample_batch())
        self._trained_transitions += self.settings.train_every
        updates = self.agent.updates
        if updates % self.settings.target_update_every == 0:
            self.agent.update_target(self.settings.tau)
        if updates % self.settings.actor_sync_every == 0:
            self.agent.sync_actor()
        self.last_update = stats
        return stats

    def sample_batch(self) -> Batch:
        """A batch for an update, under the buffer's lock (frames keep coming in on another thread)."""
        with self._buffer_lock:
            return self._sample()

    def _sample(self) -> Batch:
        """A batch: `demo_batch_share` of it from the demonstrations' ring while it holds any, the rest uniform."""
        size = self.settings.batch_size
        reserved = round(size * self.settings.demo_batch_share) if self.demos and self.demos.buffer.demos else 0
        if not reserved:
            return self.buffer.sample(size)
        return Batch.concat(self.buffer.sample(size - reserved), self.demos.buffer.sample(reserved))

    def save_demos(self) -> None:
        """Write the demonstrations' ring to the `demos` file (when one is set), atomically.

        The ring is copied under the lock (a memory copy) and compressed outside it, so frames
        keep coming in while the file is written.
        """
        if self.demos is None or self.settings.demos is None:
            return
        with self._buffer_lock:
            ring = self.demos.buffer.copy()
        DemoStore(ring).save(self.settings.demos)

    def values(self) -> dict[str, float]:
        """The learner's own numbers for stats, by TensorBoard tag."""
        return {
            "charts/epsilon": round(self.epsilon, 4),
            "charts/updates": self.agent.updates,
            "charts/frames_seen": self.frames_seen,
            "charts/transitions": self.transitions,
            "charts/update_backlog": self.backlog,
            "charts/updates_dropped": self.uncounted_transitions // self.settings.train_every,
            "buffer/size": len(self.buffer),
            "buffer/capacity": self.buffer.capacity,
            "buffer/bytes": self.buffer.nbytes,
            "buffer/used_bytes": self.buffer.used_bytes,
            "buffer/bytes_per_transition": self.buffer.bytes_per_transition,
            "buffer/demo_share": round(self.buffer.demos / max(len(self.buffer), 1), 4),
            "buffer/demos_reserved": 0 if self.demos is None else self.demos.buffer.demos,
            "demos/runs_progress": self.runs_judged["progress"],
            "demos/runs_no_progress": self.runs_judged["none"],
            "demos/frames_held": sum(len(h.rows) for h in self._held.values()),
        }

    # --- persistence -------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint restores: the agent and the counters (epsilon follows from them), and what its
        observations hold (`observation`, for an evaluation to see as the network was trained to)."""
        return {
            "agent": self.agent.state_dict(),
            "observation": {
                "explored_features": self.settings.explored_features,
                "story_features": self.settings.story_features,
            },
            "counters": {
                "frames_seen": self.frames_seen,
                "transitions": self.transitions,
                "epsilon": self.epsilon,
                "updates": self.agent.updates,
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.agent.load_state_dict(state["agent"])
        counters = state["counters"]
        self.frames_seen = int(counters["frames_seen"])
        self.transitions = int(counters["transitions"])
