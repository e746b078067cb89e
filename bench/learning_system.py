"""The system in the learning benchmark: the real learner and one emulator as processes on a real redis-server.

No dashboard (so the emulator draws no screens for it), and no planner, except in the
demonstrators' arms: there the real planner asks a model host, a plan every `DEMO_LLM_INTERVAL` steps
for the first `demo_fraction` of the budget, the game waiting for each (`DEMO_LLM_WAIT_MS`); then the
planner is stopped and the DQN plays alone. The host is the stand-in that answers with the walkthrough
from where the player stands (`tests.standins.demonstrator`), or the embedded SmolLM2-135M as
`crystal-rl run` starts it. The
emulator plays `budget` steps (`--max-steps`) in episodes that end at the goal or after
`episode_steps`; the learner writes a checkpoint every few hundred updates, and the first one
whose own count of frames reaches an evaluation point is kept for it, with its wall-clock
(the file's time) since the emulator started. The last point is the checkpoint the learner writes
when it is stopped, after it has read every frame. Evaluations run after training, so its
wall-clock holds none of them.
"""

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import redis

from bench.harness import KEYS, background, health, wait_health
from bench.learning_episodes import FRACTIONS, Point, marks
from bench.planner import embedded_host, standin_host
from services.dqn_learner.checkpoints import list_checkpoints, read_checkpoint
from services.dqn_learner.evaluate import evaluate
from services.dqn_learner.service import SERVICE
from services.dqn_learner.settings import LearnerSettings
from shared.game.machine import resolve_rom
from shared.messages import Episode, Frame
from shared.redis_server import LocalRedis
from shared.settings import GameSettings

Progress = Callable[[str], None]
Demonstrator = Literal["walkthrough", "smollm2"]
"""Who plans in a demonstrators' arm: the walkthrough stand-in, or the embedded SmolLM2-135M."""
AGENT = "system"
CHECKPOINTS_PER_QUARTER = 20
"""How finely checkpoints are written: a point's checkpoint is at most 1/20 of a quarter past it."""
PROGRESS_EVERY_S = 30.0
DEMO_LLM_INTERVAL: dict[str, int] = {"walkthrough": 1, "smollm2": 8}
"""Steps between plan requests while the demonstrator plays (the emulator asks no sooner after a plan has played
out; the DQN plays the steps between). The walkthrough answers at once with a plan of a press or a few, so it is
asked at every step and plays its quarter (at 8 it played 8-9 % of the training steps, the run of 23:16). SmolLM2
takes about 2 s a plan: asked every 8 steps its plans played 18-19 %, and at every step its quarter would take
some 20 minutes a seed."""
DEMO_LLM_WAIT_MS = 3000
"""How long the game waits for the demonstrator's plan at a planning point (`--llm-wait-ms`), so a plan lands on the
state it was made for."""
DEMO_COUNTERS = ("demos_runs_progress", "demos_runs_no_progress", "buffer_demos_reserved", "buffer_demo_share")
"""The learner's heartbeat counters that say what its outcome filter kept of the demonstrator's steps."""
CATCH_UP_S = 120.0
"""Longest wait, after the emulator's last step, for the learner to read the frames still in its stream."""
HUNG_S = 180.0
"""No new step for this long while training is a hung emulator (a game that crashed inside a frame never returns
from it), not a slow one: the arm fails with that said, instead of the run waiting for ever."""

HYPERPARAMETERS = (
    "frame_stack", "gamma", "learning_rate", "batch_size", "max_grad_norm", "epsilon_start", "epsilon_end",
    "epsilon_decay_frames", "learning_starts", "train_every", "target_update_every", "tau", "buffer_capacity",
    "torch_threads", "buttons", "n_step", "n_step_weight", "double_dqn", "legal_mask", "explored_features",
    "story_features",
    "demo_sources", "demo_filter", "demo_min_reward", "demo_capacity", "demo_batch_share", "demo_margin",
    "demo_loss_weight", "l2_weight", "lookahead",
)  # fmt: skip
"""Given to the learner as flags, so it trains with exactly what SB3 is given (whatever `CRL_*` says there)."""


@dataclass(frozen=True)
class Kept:
    fraction: float
    path: Path
    env_steps: int
    updates: int
    wall_s: float


@dataclass(frozen=True)
class Trained:
    """One arm's training: the checkpoints kept for the evaluation points, and its own episodes."""

    kept: list[Kept]
    episodes: list[Episode]
    demonstrations: dict[str, float]
    """The learner's own count of what became demonstrations (`DEMO_COUNTERS`; empty without a demonstrator)."""


def flag(name: str, value: object) -> str:
    """A setting as its command-line flag (a boolean as `--name` or `--no-name`)."""
    option = name.replace("_", "-")
    if isinstance(value, bool):
        return f"--{option}" if value else f"--no-{option}"
    return f"--{option}={value}"


def learner_flags(hyper: LearnerSettings, checkpoint_every: int) -> list[str]:
    flags = [flag(name, getattr(hyper, name)) for name in HYPERPARAMETERS]
    # the benchmark evaluates the kept checkpoints after training: none during it, to keep its clock clean
    return [*flags, f"--seed={hyper.seed}", f"--checkpoint-every={checkpoint_every}", "--checkpoint-keep=10",
            "--eval-every-updates=0"]  # fmt: skip


def emulator_flags(
    game: GameSettings, budget: int, seed: int, archive_share: float | None = None, llm_interval: int | None = None
) -> list[str]:
    """The game as `game` says (the SB3 env is made from the same settings), `budget` steps, no screens;
    `archive_share` of the resets from the archive of milestone states (None: the emulator's default)."""
    rom = resolve_rom(game.rom, world=game.world)  # the game settings' own rule: the demo is known by its header
    limit = game.episode_steps_for(rom) or 0
    flags = [f"--rom={game.rom}"] if game.rom is not None else [f"--world={game.world_name}"]
    flags += [flag(name, getattr(game, name))
              for name in ("hold_frames", "step_frames", "boot_frames", "stuck_patience", "idle_mask")]  # fmt: skip
    flags += [f"--rewards.{name.replace('_', '-')}={value}" for name, value in game.rewards.model_dump().items()]
    if archive_share is not None:
        flags.append(f"--archive-share={archive_share}")
    if llm_interval is not None:
        flags += [f"--llm-interval={llm_interval}", f"--llm-wait-ms={DEMO_LLM_WAIT_MS}"]
    return [*flags, f"--goal={game.goal_for(rom)}", f"--episode-steps={limit}", f"--max-steps={budget}",
            f"--seed={seed}", "--screen-fps=0", "--peer-check-interval=0.1", "--progress-interval=3600"]  # fmt: skip


def _counters(path: Path) -> dict[str, int]:
    """A checkpoint's frames seen and updates."""
    state = read_checkpoint(path)
    return {"frames_seen": int(state["counters"]["frames_seen"]), "updates": int(state["counters"]["updates"])}


@contextmanager
def _model_host(demonstrator: Demonstrator, world: str) -> Iterator[list[str]]:
    """The demonstrator's model host, the planner's flags that point at it."""
    if demonstrator == "smollm2":
        with embedded_host() as host:
            yield host.planner_flags()
    else:
        with standin_host("--demonstrate", "--world", world) as url:
            # on johto the walkthrough policy reads the game's RAM, which the planner forwards
            yield ["--llm-url", url, *(["--llm-ram"] if world == "johto" else [])]


@contextmanager
def _demonstrator(
    url: str, data: Path, demonstrator: Demonstrator | None, world: str, plan_steps: int | None = None
) -> Iterator[subprocess.Popen[bytes] | None]:
    """The demonstrator's model host and the real planner asking it, for plans of at most `plan_steps` presses (None:
    the planner's default); nothing when `demonstrator` is None."""
    if demonstrator is None:
        yield None
        return
    longest = [f"--max-plan-steps={plan_steps}"] if plan_steps is not None else []
    with (
        _model_host(demonstrator, world) as flags,
        background("services.llm_planner", url, data, *flags, *longest) as planner,
    ):
        wait_health(url, "llm_planner")
        yield planner


class _Keeper:
    """Watches the learner's checkpoint directory and keeps, for each point, the first checkpoint that reaches it."""

    def __init__(self, directory: Path, kept_dir: Path, budget: int, started: float, agent: str = AGENT) -> None:
        self.agent = agent
        self.directory = directory
        self.kept_dir = kept_dir
        self.started = started
        self.due = [(fraction, step) for step, fraction in sorted(marks(budget).items())]
        self.seen: set[str] = set()
        self.kept: list[Kept] = []
        kept_dir.mkdir(parents=True, exist_ok=True)

    def poll(self, final: bool = False) -> None:
        """Keep what new checkpoints reach; `final`: the learner has stopped, its newest checkpoint takes the rest."""
        paths = list_checkpoints(self.directory)  # newest first
        for path in reversed(paths):
            newest = path == paths[0]
            # the learner's last checkpoint may have the name of one already read (no update since)
            if not self.due or (path.name in self.seen and not (final and newest)):
                continue
            self.seen.add(path.name)
            staged = self.kept_dir / "staged.pt"
            try:  # copied before it is read: the learner prunes old checkpoints while this runs
                wall_s = path.stat().st_mtime - self.started
                shutil.copyfile(path, staged)
            except FileNotFoundError:
                continue
            counters = _counters(staged)
            while self.due and (counters["frames_seen"] >= self.due[0][1] or (final and newest)):
                fraction, _ = self.due.pop(0)
                copy = self.kept_dir / f"{self.agent}-{fraction:.2f}.pt"
                shutil.copyfile(staged, copy)
                self.kept.append(Kept(fraction, copy, counters["frames_seen"], counters["updates"], wall_s))


def newest_step(url: str) -> int:
    """The step of env 0's newest frame (0 before the first)."""
    client = redis.Redis.from_url(url)
    try:
        rows = client.xrevrange(KEYS.frames("0"), count=1)
        return Frame.from_fields(rows[0][1]).step if rows else 0  # type: ignore[index]
    finally:
        client.close()


def _learner_counters(url: str) -> dict[str, float]:
    """The learner's heartbeat counters (empty before its first heartbeat)."""
    found = health(url, SERVICE)
    return dict(found[0].counters) if found else {}


def train(
    game: GameSettings,
    hyper: LearnerSettings,
    budget: int,
    seed: int,
    workdir: Path,
    progress: Progress,
    archive_share: float | None = None,
    demo_fraction: float = 0.0,
    agent: str = AGENT,
    demonstrator: Demonstrator | None = None,
    demo_interval: int | None = None,
    demo_plan_steps: int | None = None,
) -> Trained:
    """The learner and one emulator for `budget` steps from scratch; the checkpoints kept for the four points and
    the emulator's training episodes (who chose their buttons: `source_shares`).

    `demonstrator`: who plans for the first `demo_fraction` of the budget (see the module's docstring), a plan every
    `demo_interval` steps (None: `DEMO_LLM_INTERVAL`'s) of at most `demo_plan_steps` presses (None: the planner's
    default).
    """
    if demo_fraction <= 0:
        demonstrator = None
    label = f"{agent} seed {seed}"
    every = max(1, budget // (len(FRACTIONS) * hyper.train_every * CHECKPOINTS_PER_QUARTER))
    data = workdir / "data"
    with LocalRedis(workdir / "redis") as server:
        url = server.url
        with background("services.dqn_learner", url, data, *learner_flags(hyper, every)):
            wait_health(url, SERVICE)
            started = time.time()
            keeper = _Keeper(data / SERVICE / "checkpoints", workdir / "kept", budget, started, agent)
            interval = None if demonstrator is None else demo_interval or DEMO_LLM_INTERVAL[demonstrator]
            with (
                _demonstrator(url, data, demonstrator, game.world_name, demo_plan_steps) as planner,
                background(
                    "services.emulator",
                    url,
                    data,
                    *emulator_flags(game, budget, seed, archive_share, interval),
                    *(["--llm-ram"] if demonstrator == "walkthrough" and game.world_name == "johto" else []),
                ) as emulator,
            ):
                last_report = last_step_at = time.monotonic()
                last_step = 0
                while emulator.poll() is None:
                    time.sleep(0.5)
                    keeper.poll()
                    if (step := newest_step(url)) != last_step:
                        last_step, last_step_at = step, time.monotonic()
                    elif time.monotonic() - last_step_at > HUNG_S:
                        raise RuntimeError(f"{label}: the emulator made no step in {HUNG_S:.0f} s, at step {step:,}: "
                                           "hung (its game crashed inside a frame?); the arm is stopped")  # fmt: skip
                    if planner is not None and step >= demo_fraction * budget:
                        planner.terminate()  # the model host stays: nothing asks it any more
                        planner = None
                        progress(f"{label}: the demonstrator stops at {step:,} steps")
                    if time.monotonic() - last_report >= PROGRESS_EVERY_S:
                        last_report = time.monotonic()
                        progress(f"{label}: {step:,} steps, {time.time() - started:.0f} s")
                if emulator.returncode != 0:
                    raise RuntimeError(f"the emulator exited with code {emulator.returncode}")
            deadline = time.monotonic() + CATCH_UP_S
            while _learner_counters(url).get("charts_frames_seen", 0) < budget and time.monotonic() < deadline:
                time.sleep(0.5)
            counters = _learner_counters(url) if demonstrator is not None else {}
            demonstrations = {name: counters[name] for name in DEMO_COUNTERS if name in counters}
        keeper.poll(final=True)  # the learner wrote its last checkpoint on the way out
        episodes = _training_episodes(url)
    progress(f"{label}: {budget:,} steps, {time.time() - started:.0f} s, {len(keeper.kept)} checkpoints kept")
    return Trained(keeper.kept, episodes, demonstrations)


def _training_episodes(url: str) -> list[Episode]:
    client = redis.Redis.from_url(url)
    try:
        found = [Episode.from_fields(fields) for _, fields in client.xrange(KEYS.episodes)]
    finally:
        client.close()
    return [episode for episode in found if not episode.eval]


def evaluate_kept(
    game: GameSettings, kept: Kept, episodes: int, seed: int, agent: str = AGENT, anti_stuck: bool = False
) -> Point:
    """The kept checkpoint's greedy episodes (`services.dqn_learner.evaluate`: no planner, no fallback, and no
    anti-stuck rule unless `anti_stuck`)."""
    report = evaluate(game, episodes, kept.path, seed=seed, anti_stuck=anti_stuck)
    return Point(agent=agent, seed=seed, fraction=kept.fraction, env_steps=kept.env_steps, updates=kept.updates,
                 wall_s=kept.wall_s, episodes=report.episodes)  # fmt: skip
