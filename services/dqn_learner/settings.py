"""`LearnerSettings`: every hyperparameter and knob of the DQN learner, from `CRL_*` variables or CLI flags.

Read top to bottom like CleanRL's `Args`: run identity, network input, exploration, the
update, the replay buffer, checkpoints, then the service's own timing.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shared.buttons import BUTTON_PRESETS, Button, parse_buttons
from shared.errors import ConfigError
from shared.messages import ActionSource
from shared.settings import CommonSettings
from shared.streams import StreamSettings


class LearnerSettings(CommonSettings):
    """The learner process: one Q-network fed by every env's frames."""

    seed: int = 1
    """Seed of torch, numpy and the epsilon-greedy draws, so a run can be repeated."""

    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the networks live: `auto` takes CUDA when torch sees a GPU, else the CPU."""

    torch_threads: int = Field(default=1, ge=1, le=64)
    """Intra-op threads of torch on the CPU. One keeps training from starving inference of cores."""

    train_priority: Literal["auto", "idle", "low", "normal"] = "auto"
    """The training thread's CPU priority. `idle` trains only on CPU time nothing else wants (Linux
    SCHED_IDLE; with 4 emulators on 2 cores, 22 % more steps/s and 18 % fewer updates than `low`), `low` is
    nice +10, `normal` shares the cores evenly. `auto` is `normal` in `hold` mode (the emulators wait for
    training there, so starving it slows everything) and `idle` in `free` mode (the actors go first).
    See `trainer.py` for what SCHED_IDLE does next to a busy process."""

    lookahead: bool = False
    """Make the next batch and its TD targets on a thread of their own while the current update runs
    (`lookahead.py`), its targets picking with a copy of the online network one update behind. On this 2-core
    machine, quiet, with one emulator, it trained 13 % faster than without in the same run (142.6 against 125.7
    env steps/s, `make bench ARGS="--only training"`, 2026-12-07): it uses what the emulator leaves of its core.
    On the machine loaded by other work there is no such time, and it measured no gain (56 against 59,
    2026-12-06). Off by default until a learning run shows that its one-update-behind pick learns as well."""

    gil_switch_ms: float = Field(default=0.5, gt=0, le=100)
    """Python's GIL switch interval. The training thread holds the GIL between torch operations; with
    Python's default of 5 ms, an answer could wait that long for it once per step."""

    buttons: str = "no_select"
    """The buttons the agent plays: a preset (`no_select`: all but SELECT, which does nothing in the
    overworld and which a trained policy was seen to press step after step; `all`) or button names
    separated by commas (`a,b,up,down,left,right`). Frames still say which buttons the rules allow."""

    frame_stack: int = Field(default=4, ge=1, le=8)
    """Screens stacked into one observation, so the network sees motion (a walk lasts several frames)."""

    gamma: float = Field(default=0.99, gt=0, le=1)
    """Discount factor of future rewards."""

    learning_rate: float = Field(default=2.5e-4, gt=0)
    """Adam's step size."""

    n_step: int = Field(default=10, ge=1, le=100)
    """Rewards summed into the n-step return whose loss is added beside the 1-step loss (DQfD's 10): a
    reward reaches the state n steps before it in one update, where the 1-step target carries it back one
    step per target sync. 1 turns the n-step loss off."""

    n_step_weight: float = Field(default=1.0, ge=0)
    """Weight of the n-step loss beside the 1-step loss (DQfD's lambda_1)."""

    double_dqn: bool = True
    """Double DQN's targets: the online network picks the next button, the target network values it (van Hasselt
    et al. 2016). False: plain DQN's max over the target network (what SB3's `DQN` does; an ablation)."""

    explored_features: bool = True
    """The state features say which of the four tiles next to the player the episode has walked (`Frame.explored`),
    so the network can tell a new tile, which the reward pays, from the one it came from. False: those four
    features are 0 (an ablation)."""

    story_features: bool = True
    """The state features give each of the story's first steps an input of its own (`story_k`: at least k story
    flags set), so the way back with the EGG is not the way out with one input 0.01 apart. With them the hybrid
    went past the EGG's loop and held Violet City in 5 of 6 johto seeds (README, Learning). False: the 16 inputs
    are 0 (an ablation)."""

    legal_mask: bool = True
    """Act, and take the targets' argmax, over the buttons the rules allow now (the frames' mask). False: over
    every button the learner plays, the rules replacing a forbidden one (what SB3's `DQN`, which takes no mask,
    does; an ablation)."""

    demo_sources: str = "llm"
    """Sources whose actions are demonstrations (comma-separated: `llm`, `rules`, `dashboard`; empty for
    none): the margin loss teaches the network to prefer them, and they also fill the reserved ring."""

    demo_filter: bool = True
    """Plans' steps count as demonstrations only when they made progress: a milestone (a badge, the first
    Pokémon, a new map, a battle won) or a reward of at least `demo_min_reward`. Consecutive plans are judged
    together, as one run up to the step that made progress (a demonstrator that answers with a press or two at
    a time walks to a milestone over many plans); a run that ends without progress (the learner plays a step,
    a gap, the episode's end) is played out as ordinary transitions, so a weak model's plans are never burned
    into the network by the margin loss. False: every step of a source in `demo_sources` is a demonstration."""

    demo_min_reward: float = 0.5
    """The reward a run of plans' steps must earn together to count as progress without a milestone (0.5: a
    story event, a level, 25 new tiles; a walk of a few new tiles earns 0.02 a tile)."""

    demo_capacity: int = Field(default=10_000, ge=0)
    """Demonstrated transitions kept in a ring of their own that ordinary frames never overwrite (0: none;
    demonstrations then live only in the main ring, with their mark)."""

    demo_batch_share: float = Field(default=0.25, ge=0, lt=1)
    """Share of every batch drawn from the demonstrations' ring while it holds any."""

    demo_margin: float = Field(default=0.8, ge=0)
    """The margin by which a demonstrated action's Q should lead every other legal button (DQfD's 0.8)."""

    demo_loss_weight: float = Field(default=1.0, ge=0)
    """Weight of the margin loss on demonstrated steps (DQfD's lambda_2); 0 learns from them by TD alone."""

    l2_weight: float = Field(default=0.0, ge=0)
    """L2 regularisation of the weights (Adam's weight decay; DQfD's lambda_3 = 1e-5); 0 for none."""

    demos: Path | None = None
    """A demonstrations file: loaded at start when it exists (a damaged one stops the learner with one line),
    written at every checkpoint and on the way out, so a run with a model host seeds later runs without."""

    batch_size: int = Field(default=32, ge=1)
    """Transitions per gradient step."""

    max_grad_norm: float = Field(default=10.0, gt=0)
    """Gradients are clipped to this global L2 norm, so one surprising reward cannot wreck the network."""

    reward_scale: float = Field(default=1.0, gt=0)
    """Every reward is multiplied by this before it is stored; game rewards span orders of magnitude."""

    reward_clip: float | None = Field(default=None, gt=0)
    """When set, scaled rewards are clipped to [-reward_clip, reward_clip] (Atari-style); None keeps them."""

    epsilon_start: float = Field(default=1.0, ge=0, le=1)
    """Exploration rate at the first frame: uniform over legal buttons with this probability."""

    epsilon_end: float = Field(default=0.05, ge=0, le=1)
    """Exploration rate once the schedule has run out."""

    epsilon_decay_frames: int = Field(default=100_000, ge=1)
    """Frames (summed over envs) over which epsilon falls linearly from start to end."""

    learning_starts: int = Field(default=2_000, ge=1)
    """Transitions in the buffer before the first update (the warm-up)."""

    train_every: int = Field(default=4, ge=1)
    """One gradient step every this many new transitions (the K of "train every K frames")."""

    replay_ratio_mode: Literal["hold", "free"] = "hold"
    """`hold`: the replay ratio (`batch_size` samples per `train_every` env steps) holds: when training falls
    more than `hold_slack` updates behind, the emulators are held back through Redis (`keys.hold`) until it
    has caught up. `free`: actors run ahead (Ape-X style); updates beyond `max_update_backlog` are dropped
    and the ratio achieved is reported (`charts/samples_per_step`)."""

    hold_slack: int = Field(default=16, ge=1)
    """Updates owed before the emulators are held (`hold` mode); they are let go again once half of it is
    left, so the hold does not flap with every update."""

    hold_ttl_ms: int = Field(default=1_000, ge=100, le=60_000)
    """Life of the hold key, renewed while training is behind: a learner that dies holds the emulators at
    most this long (plus their `hold_poll_ms`)."""

    max_update_backlog: int = Field(default=1_000, ge=1)
    """Most updates owed at once. When frames come faster than the trainer can keep up (in `free` mode, or
    a refill brings thousands), training runs flat out and the updates beyond it are dropped (counted), so
    the replay ratio falls instead of a debt building up that would take hours to pay."""

    target_update_every: int = Field(default=1_000, ge=1)
    """Updates between two copies of the online network into the target network."""

    tau: float = Field(default=1.0, gt=0, le=1)
    """Target update weight: 1.0 is a hard copy; smaller values blend (Polyak averaging)."""

    actor_sync_every: int = Field(default=10, ge=1)
    """Updates between two copies of the trained weights into the network that answers frames."""

    buffer_capacity: int = Field(default=50_000, ge=1)
    """Transitions the replay buffer holds (one per frame stored, each screen once); the oldest are
    overwritten. About 5.9 KB each at any frame stack (a million in 5.9 GB)."""

    checkpoint_every: int = Field(default=5_000, ge=1)
    """Updates between two checkpoints (one is also written on SIGTERM)."""

    checkpoint_keep: int = Field(default=3, ge=1)
    """Newest checkpoints kept on disk; older ones are deleted after a successful write."""

    refill_on_start: bool = True
    """Refill the replay buffer from the retained window of `frames:*` at start."""

    max_batch: int = Field(default=64, ge=1)
    """Most frames answered by one forward pass (they come from all envs at once)."""

    action_deadline_ms: float = Field(default=30.0, gt=0)
    """The emulator's wait for an answer: actions published later than this after their frame count as late."""

    answer_max_age_ms: float = Field(default=1_000.0, gt=0)
    """Frames stored longer ago than this (by their entry id, on Redis's clock) are learned from, not answered."""

    tensorboard: bool = True
    """Write TensorBoard scalars under `data_dir/tensorboard/`."""

    stats_interval: float = Field(default=10.0, gt=0)
    """Seconds between two writes of the stats file, TensorBoard scalars and the progress log line."""

    eval_every_updates: int = Field(default=10_000, ge=0)
    """Updates between two greedy evaluations (a checkpoint played in a low-priority subprocess, its episodes
    sent to the `episodes` stream marked `eval`); 0 for none."""

    eval_episodes: int = Field(default=2, ge=1)
    """Greedy episodes each evaluation plays."""

    streams: StreamSettings = Field(default_factory=StreamSettings)
    """Stream lengths, timeouts, claim policy (`CRL_STREAM_*`)."""

    @field_validator("buttons")
    @classmethod
    def _known_buttons(cls, value: str) -> str:
        try:
            cls.parse(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return value

    @staticmethod
    def parse(value: str) -> tuple[Button, ...]:
        return parse_buttons(value if value in BUTTON_PRESETS else [name.strip() for name in value.split(",")])

    @property
    def playable(self) -> tuple[Button, ...]:
        """`buttons`, parsed."""
        return self.parse(self.buttons)

    @field_validator("demo_sources")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        known = {source.value for source in ActionSource}
        unknown = [name for name in cls._names(value) if name not in known]
        if unknown:
            raise ValueError(f"unknown action source(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
        return value

    @staticmethod
    def _names(value: str) -> list[str]:
        return [name.strip() for name in value.split(",") if name.strip()]

    @property
    def demo_source_set(self) -> frozenset[ActionSource]:
        """`demo_sources`, parsed."""
        return frozenset(ActionSource(name) for name in self._names(self.demo_sources))

    @model_validator(mode="after")
    def _slack_below_backlog(self) -> "LearnerSettings":
        if self.replay_ratio_mode == "hold" and self.hold_slack >= self.max_update_backlog:
            raise ValueError(
                f"hold_slack ({self.hold_slack}) must be < max_update_backlog ({self.max_update_backlog}):"
                " otherwise updates are dropped before the emulators are held"
            )
        return self

    @model_validator(mode="after")
    def _epsilon_falls(self) -> "LearnerSettings":
        if self.epsilon_end > self.epsilon_start:
            raise ValueError(
                f"epsilon_end ({self.epsilon_end}) must be <= epsilon_start ({self.epsilon_start}):"
                " the schedule only decays"
            )
        return self
