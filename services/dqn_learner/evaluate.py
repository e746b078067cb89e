"""Greedy evaluation of a checkpoint: N episodes of the game core played by the online network alone.

Epsilon 0, no planner, no rule-based policy choosing for the network, and by default no anti-stuck
rule either: only a forbidden button is replaced. What is measured is the policy alone; with
`anti_stuck` the rule steps in as in training, and each episode says how often it did
(`Episode.anti_stuck`). The network sees what the learner sees: `Frame`s built from the core's
steps, stacked by the learner's `FrameStacker` (which also computes the state features), and
the greedy choice is `DQNAgent.act` with epsilon 0 over the legal buttons.

Used by `crystal-rl eval`, the learning benchmark, and the learner's periodic evaluation,
which runs `python -m services.dqn_learner.evaluate --publish` as a subprocess so the games
it plays never slow the learner: each finished episode goes to the `episodes` stream marked
`eval`.
"""

import asyncio
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel, Field, computed_field

from services.dqn_learner.agent import DQNAgent
from services.dqn_learner.checkpoints import list_checkpoints, read_checkpoint
from services.dqn_learner.network import QNetwork
from services.dqn_learner.observation import FrameStacker
from shared.buttons import BUTTONS
from shared.errors import CheckpointError, ConfigError
from shared.game.core import GameCore
from shared.game.episode import MILESTONES, EpisodeRecord
from shared.messages import ActionSource, Episode, Frame
from shared.runtime import run_service
from shared.settings import GameSettings
from shared.streams import Publisher, StreamSettings
from shared.video import EpisodeVideo

log = logging.getLogger(__name__)

EVAL_ENV = "eval"
"""The `env` of every evaluation episode and frame: no training env has this id."""

LEARNER_DIR = "dqn_learner"
"""The learner's directory under `data_dir` (its checkpoints are in `checkpoints/` there)."""


def default_checkpoint_dir(data_dir: Path) -> Path:
    """Where the learner writes its checkpoints for a run on `data_dir`."""
    return data_dir / LEARNER_DIR / "checkpoints"


class MilestoneRate(BaseModel):
    """How often one milestone was reached in an evaluation, and how soon."""

    reached: float = Field(ge=0, le=1)
    """Share of the episodes that reached it."""
    median_step: float | None
    """Median episode step (1-based) at which it first happened, over the episodes that reached it."""


class EvalSummary(BaseModel):
    """The numbers of an evaluation that a table or a curve shows."""

    episodes: int
    return_mean: float
    return_median: float
    steps_mean: float
    steps_median: float
    terminated: float
    """Share of the episodes that ended at the goal (the rest ran out of steps)."""
    milestones: dict[str, MilestoneRate]
    trajectories: int = 0
    """Distinct trajectories among the episodes (by their buttons' fingerprint): a deterministic policy on a
    game without chance plays one, however many episodes it is given."""
    anti_stuck_presses: int = 0
    """Presses of the anti-stuck rule in all the episodes (0 when it was off)."""


class EvalReport(BaseModel):
    """What a greedy evaluation of one checkpoint did, episode by episode (JSON: the summary included)."""

    checkpoint: str
    updates: int
    """Learner updates behind the checkpoint's network."""
    env_steps: int
    """Env steps (frames, all envs together) the learner had seen when it wrote the checkpoint."""
    anti_stuck: bool = False
    """The anti-stuck rule played in these episodes (off by default: the policy is measured alone)."""
    episodes: list[Episode]

    def milestones(self) -> dict[str, MilestoneRate]:
        """Per milestone (every tracked one, and each `map:{name}` any episode entered): share reached, median step."""
        names = list(MILESTONES) + sorted(
            {name for e in self.episodes for name in e.milestones if name not in MILESTONES}
        )
        rates = {}
        for name in names:
            steps = [e.milestones[name] for e in self.episodes if name in e.milestones]
            rates[name] = MilestoneRate(
                reached=len(steps) / len(self.episodes) if self.episodes else 0.0,
                median_step=statistics.median(steps) if steps else None,
            )
        return rates

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> EvalSummary:
        returns = [e.total_reward for e in self.episodes] or [0.0]
        steps = [e.steps for e in self.episodes] or [0]
        return EvalSummary(
            episodes=len(self.episodes),
            return_mean=statistics.fmean(returns),
            return_median=statistics.median(returns),
            steps_mean=statistics.fmean(steps),
            steps_median=statistics.median(steps),
            terminated=sum(e.terminated for e in self.episodes) / len(self.episodes) if self.episodes else 0.0,
            milestones=self.milestones(),
            trajectories=len({e.fingerprint for e in self.episodes}),
            anti_stuck_presses=sum(e.anti_stuck for e in self.episodes),
        )


@dataclass(frozen=True)
class Policy:
    """A checkpoint's online network, ready to act, and the training it stands for."""

    path: Path
    agent: DQNAgent
    frame_stack: int
    updates: int
    env_steps: int
    explored_features: bool
    """Its observations' explored-tile features were on (`LearnerSettings.explored_features`)."""
    story_features: bool
    """Its observations' story-step features were on (`LearnerSettings.story_features`)."""


def load_policy(checkpoint: Path | None = None, checkpoint_dir: Path | None = None) -> Policy:
    """The given checkpoint, or the newest usable one in `checkpoint_dir`; a `CheckpointError` says why not.

    Nothing is moved aside: the directory may belong to a running learner, which does its own
    housekeeping.
    """
    if checkpoint is not None:
        if not checkpoint.is_file():
            raise CheckpointError(f"checkpoint {checkpoint} does not exist")
        return _policy(checkpoint)
    if checkpoint_dir is None:
        raise ValueError("load_policy needs a checkpoint or a checkpoint_dir")
    candidates = list_checkpoints(checkpoint_dir)
    if not candidates:
        raise CheckpointError(
            f"no checkpoint in {checkpoint_dir}: train first (crystal-rl run) or give one with --checkpoint"
        )
    problems = []
    for path in candidates:
        try:
            return _policy(path)
        except CheckpointError as exc:
            log.warning("%s; trying the previous one", exc)
            problems.append(path.name)
    raise CheckpointError(f"no usable checkpoint in {checkpoint_dir} (unusable: {', '.join(problems)})")


def _policy(path: Path) -> Policy:
    state = read_checkpoint(path)
    try:
        agent_state = state["agent"]
        frame_stack = int(agent_state["shape"]["frame_stack"])
        # The optimizer's settings are restored with it and never used: the agent only acts here.
        # The buttons it was trained to play (checkpoints from before the setting: all eight).
        plays = agent_state.get("playable", [True] * len(BUTTONS))
        playable = [button for button, played in zip(BUTTONS, plays, strict=True) if played]
        agent = DQNAgent(
            QNetwork(frame_stack),
            torch.device("cpu"),
            learning_rate=1e-4,
            gamma=0.99,
            max_grad_norm=10,
            playable=playable,
            legal_mask=bool(agent_state.get("legal_mask", True)),
        )
        agent.load_state_dict(agent_state)
        counters = state["counters"]
        updates, env_steps = int(counters["updates"]), int(counters["frames_seen"])
        seen = state.get("observation", {})
        explored, story = bool(seen.get("explored_features", True)), bool(seen.get("story_features", False))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"checkpoint {path} does not fit the learner's network: {exc}") from exc
    return Policy(path, agent, frame_stack, updates, env_steps, explored, story)


def evaluate(
    game: GameSettings,
    episodes: int,
    checkpoint: Path | None = None,
    checkpoint_dir: Path | None = None,
    *,
    video_dir: Path | None = None,
    seed: int = 0,
    first_seed: int = 0,
    progress: Callable[[Episode], None] | None = None,
    anti_stuck: bool = False,
) -> EvalReport:
    """Play `episodes` greedy episodes from the start state with a checkpoint's online network.

    `checkpoint` None takes the newest usable one in `checkpoint_dir` (default: where the
    learner writes them under `game.data_dir`). Episode i's start is seeded with `first_seed + i`
    (`GameCore.reset`: its idle frames, and the rules' random choices, the anti-stuck rule's when
    `anti_stuck` lets it play), so N episodes are N games and two evaluations with one first seed play
    the same ones; each `Episode` names its seed. `seed` seeds the generator the policy is handed.
    `video_dir` gets one GIF per episode; `progress` is called with each finished episode. Torch's
    thread count is the caller's to set (one thread answers one observation fastest).
    Raises `CheckpointError`, `RomError` or `ConfigError` with a message saying what to do.
    """
    if episodes < 1:
        raise ConfigError(f"episodes must be at least 1 (got {episodes})")
    policy = load_policy(checkpoint, checkpoint_dir or default_checkpoint_dir(game.data_dir))
    core = GameCore.start(
        game.game.model_copy(update={"seed": seed}), boot_cache=game.boot_cache, anti_stuck=anti_stuck
    )
    try:
        if core.episode_steps is None:
            raise ConfigError(
                "an evaluation needs episodes that end: set a time limit with --episode-steps N (CRL_EPISODE_STEPS)"
            )
        log.info(
            "evaluating %s (%d updates, %d env steps): %d episodes of at most %d steps, goal %s, anti-stuck rule %s",
            policy.path.name,
            policy.updates,
            policy.env_steps,
            episodes,
            core.episode_steps,
            core.goal,
            "on" if anti_stuck else "off",
        )
        played = []
        for index in range(episodes):
            core.reset(seed=first_seed + index)
            episode = play_episode(core, policy, index, np.random.default_rng(seed), video_dir)
            played.append(episode)
            if progress is not None:
                progress(episode)
    finally:
        core.close()
    return EvalReport(
        checkpoint=str(policy.path),
        updates=policy.updates,
        env_steps=policy.env_steps,
        anti_stuck=anti_stuck,
        episodes=played,
    )


def play_episode(
    core: GameCore, policy: Policy, index: int, rng: np.random.Generator, video_dir: Path | None = None
) -> Episode:
    """One greedy episode from where `core` is (its start), until the goal or the time limit."""
    started = time.monotonic()
    stacker = FrameStacker(policy.frame_stack, policy.explored_features, policy.story_features)
    record = EpisodeRecord(seed=core.seed)
    record.begin(core.state)
    video = EpisodeVideo(core.machine.view(full_screen=True).rgba) if video_dir is not None else None
    frame = Frame.after(core, None, env=EVAL_ENV, step=core.episode_step)
    while True:
        obs = stacker.push(frame)
        actions, _ = policy.agent.act(obs.screens[None], obs.features[None], obs.legal[None], 0.0, rng)
        step = core.step(BUTTONS[int(actions[0])], full_screen=video is not None)
        record.add(step, (ActionSource.RULES if step.by_rules else ActionSource.DQN).value)
        if video is not None and step.view.rgba is not None:
            video.add(step.view.rgba, f"{index} {record.steps:>4} {step.button:<6} {record.total_reward:+.1f}")
        if step.terminated or step.truncated:
            break
        frame = Frame.after(core, step, env=EVAL_ENV, step=core.episode_step)
    if video is not None and video_dir is not None:
        video.write(video_dir / f"eval-{policy.updates:010d}-episode-{index:03d}.gif")
    return Episode.of_record(
        record,
        EVAL_ENV,
        index,
        step,
        env_steps=policy.env_steps,
        wall_s=time.monotonic() - started,
        eval=True,
        updates=policy.updates,
    )


# --- `python -m services.dqn_learner.evaluate`: the learner's periodic evaluation ---------------------------


class EvalSettings(GameSettings):
    """One evaluation run as a process: the game (the emulator's `CRL_*` settings) and what to evaluate."""

    checkpoint: Path | None = None
    """The checkpoint to evaluate; None takes the newest usable one in the learner's directory."""

    episodes: int = Field(default=1, ge=1)
    """Greedy episodes to play."""

    first_seed: int = Field(default=0, ge=0)
    """Episode i's start is seeded with first_seed + i: N episodes are N games, the same ones for every checkpoint."""

    video_dir: Path | None = None
    """Write each episode as a GIF here."""

    publish: bool = False
    """Publish each finished episode to the `episodes` stream (marked `eval`), as the learner's evaluations do."""

    anti_stuck: bool = False
    """Let the anti-stuck rule play, as in training (off: the policy is measured alone)."""

    streams: StreamSettings = Field(default_factory=StreamSettings)
    """Stream lengths and timeouts (`CRL_STREAM_*`)."""


async def serve(settings: EvalSettings) -> None:
    """Evaluate on a worker thread; each finished episode is logged and, with `publish`, sent as it finishes."""
    torch.set_num_threads(1)
    loop = asyncio.get_running_loop()
    finished: asyncio.Queue[Episode | None] = asyncio.Queue()

    def progress(episode: Episode) -> None:
        loop.call_soon_threadsafe(finished.put_nowait, episode)

    async def play() -> EvalReport:
        try:
            return await asyncio.to_thread(
                evaluate,
                settings,
                settings.episodes,
                settings.checkpoint,
                video_dir=settings.video_dir,
                seed=settings.seed,
                first_seed=settings.first_seed,
                progress=progress,
                anti_stuck=settings.anti_stuck,
            )
        finally:
            finished.put_nowait(None)

    publisher = None
    if settings.publish:
        publisher = Publisher(settings.redis_url, keys=settings.keys, settings=settings.streams)
    playing = asyncio.create_task(play())
    try:
        while (episode := await finished.get()) is not None:
            log.info(_describe(episode))
            if publisher is not None:
                await publisher.publish(settings.keys.episodes, episode)
        report = await playing
    finally:
        if publisher is not None:
            await publisher.aclose()
    log.info("evaluation of %s done: return mean %.2f", Path(report.checkpoint).name, report.summary.return_mean)


def _describe(episode: Episode) -> str:
    reached = ", ".join(f"{name}@{step}" for name, step in episode.milestones.items()) or "no milestone"
    end = "goal" if episode.terminated else "time limit"
    return (
        f"eval episode {episode.episode}: {episode.steps} steps ({end}), return {episode.total_reward:.2f}, {reached},"
        f" anti-stuck presses {episode.anti_stuck}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    run_service(EvalSettings, serve, "python -m services.dqn_learner.evaluate", argv)


if __name__ == "__main__":
    main()
