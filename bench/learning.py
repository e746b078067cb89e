"""The learning benchmark (`make bench ARGS="--only learning"`): does the system learn the demo cartridge, and
faster than what a user would run instead?

For each seed, one agent after another (two trainings at once would make both timings useless):
the untrained network, random play, the rule-based policy alone, the system (the real learner and
emulator over Redis) and Stable-Baselines3's DQN on the Gymnasium env, all on the same game and,
for the two learners, the same network and hyperparameters (one `LearnerSettings`, from `CRL_*`).
The learners are evaluated greedily at 25, 50, 75 and 100 % of the budget of env steps. Writes
`bench/results/learning-*.json` and `.png`, prints the tables, and says how far it got as it goes.
"""

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.console import Console

from bench import learning_baselines, learning_report, learning_sb3, learning_system
from bench.harness import machine, write_result
from bench.learning_episodes import Point, source_shares
from bench.learning_system import Demonstrator
from services.dqn_learner.evaluate import evaluate
from services.dqn_learner.settings import LearnerSettings
from shared.archive import DEFAULT_SHARE
from shared.settings import GameSettings

SAME_TARGETS: dict[str, Any] = {"n_step": 1, "double_dqn": False, "legal_mask": False}
"""What SB3's DQN can take of the learner's targets and acting: 1-step, plain DQN's max, no action mask."""
IDLE_COST = {"idle_press": -0.02}
"""The cost of a press that changes nothing (a wall, A facing nothing): one new tile's worth, so a greedy policy
that presses into a wall for ever values it at -2 (gamma 0.99) against a way on."""


IDLE_MASK = {"idle_mask": True}
"""A button just pressed to no effect leaves the action mask until the game changes (`GameConfig.idle_mask`)."""


@dataclass(frozen=True)
class Arm:
    """One arm of the system: what it changes of the defaults."""

    learner: dict[str, Any] = field(default_factory=dict)
    """The learner's settings it changes."""
    archive: bool = True
    """Resets from the archive of milestone states (at the run's share)."""
    demonstrator: Demonstrator | None = None
    """Who plans: None for nobody."""
    demo_fraction: float | None = None
    """The share of the budget the demonstrator plans for, from the start (None: the run's `--demo-fraction`)."""
    demo_interval: int | None = None
    """Steps between its plans (None: `learning_system.DEMO_LLM_INTERVAL`, the walkthrough at every step)."""
    demo_plan_steps: int | None = None
    """The most presses in one of its plans (None: the planner's default)."""
    rewards: dict[str, float] = field(default_factory=dict)
    """Reward weights it changes while training (evaluation is greedy and scored by the same milestones)."""
    game: dict[str, Any] = field(default_factory=dict)
    """Game settings it changes in training and in its evaluations (a rule of its action mask)."""

    def schedule(self) -> str | None:
        """Who plans, and when if not as every demonstrators' arm does (for the fairness table)."""
        if self.demonstrator is None or (self.demo_fraction, self.demo_interval, self.demo_plan_steps) == (None,) * 3:
            return self.demonstrator
        presses = self.demo_plan_steps
        when = [f"{presses} press{'es' if presses > 1 else ''}"] if presses is not None else []
        when += [f"every {self.demo_interval} steps"] if self.demo_interval is not None else []
        when += [f"for {self.demo_fraction:.0%} of the budget"] if self.demo_fraction is not None else []
        return f"{self.demonstrator}, {', '.join(when)}"

    def played(self, game: GameSettings, training: bool = False) -> GameSettings:
        """The game this arm plays: `game` with its game settings, and with its reward weights while `training`
        (the same settings object when it changes nothing)."""
        update: dict[str, Any] = dict(self.game)
        if training and self.rewards:
            update["rewards"] = game.rewards.model_copy(update=self.rewards)
        return game.model_copy(update=update) if update else game


ARMS: dict[str, Arm] = {
    "system": Arm(),
    "no_archive": Arm(archive=False),
    "one_step": Arm({"n_step": 1}),
    "no_double": Arm({"double_dqn": False}),
    "no_mask": Arm({"legal_mask": False}),
    "no_explored": Arm({"explored_features": False}),
    "no_story": Arm({"story_features": False}),
    "sb3_targets": Arm(SAME_TARGETS),
    "lookahead": Arm({"lookahead": True}),
    "idle_cost": Arm(rewards=IDLE_COST),
    "idle_mask": Arm(game=IDLE_MASK),
    "demo_dqfd": Arm(demonstrator="walkthrough"),
    "demo_no_story": Arm({"story_features": False}, demonstrator="walkthrough"),
    "demo_low_lr": Arm({"learning_rate": 1e-4}, demonstrator="walkthrough"),
    "demo_idle": Arm(demonstrator="walkthrough", rewards=IDLE_COST),
    "demo_mask": Arm(demonstrator="walkthrough", game=IDLE_MASK),
    "demo_unfiltered": Arm({"demo_filter": False}, demonstrator="walkthrough"),
    "demo_td": Arm({"demo_loss_weight": 0.0, "demo_capacity": 0}, demonstrator="walkthrough"),
    "demo_mixed": Arm(
        {"demo_filter": False}, demonstrator="walkthrough", demo_fraction=1.0, demo_interval=4, demo_plan_steps=1
    ),
    "smollm2_dqfd": Arm(demonstrator="smollm2"),
    "smollm2_unfiltered": Arm({"demo_filter": False}, demonstrator="smollm2"),
}
"""The system's arms. The ablations take one part away each (`no_archive`: every episode from the start; `one_step`:
no n-step loss; `no_double`: plain DQN's max; `no_mask`: acting over every button, the rules replacing forbidden
ones, as SB3 must; `no_explored`: no features saying which tiles next to the player the episode walked; `no_story`:
no input of its own for each of the story's first steps, only their log-scaled count) and
`sb3_targets` all of what SB3's DQN cannot take; `lookahead` makes its targets on a thread of their own (faster on a
quiet machine; its Double DQN pick one update behind); `idle_cost` and `demo_idle` pay `IDLE_COST` for a press that
changes nothing (greedy policies ended their episodes pressing into a wall), and `idle_mask` and `demo_mask` take
such a press out of the action mask until the game changes, in training and in their evaluations
(`GameConfig.idle_mask`). The demonstrators' arms learn from the plans of the walkthrough stand-in or of the
embedded SmolLM2: with the margin loss and the reserved ring for the plans that made progress (the learner's
defaults, `*_dqfd`), for every plan's steps (`*_unfiltered`: the outcome filter off), or by TD alone (`demo_td`: its
steps ordinary transitions). `demo_no_story` is `demo_dqfd` without the story steps' features (without them its
greedy episodes took the EGG and then walked Route 30 and CHERRYGROVE back and forth, the way back to ELM's one
input 0.01 from the way out). `demo_low_lr` is `demo_dqfd` at SB3's DQN's default step size, 1e-4 against 2.5e-4
(one seed's checkpoint earned the ZEPHYRBADGE at 75 % of the budget and lost the way by 100 %). `demo_mixed` has the
walkthrough play one press in 4 through the whole budget, the DQN the three between: as many demonstrated steps as the
first quarter's, but taken in the states the DQN's own play leads to (as DAgger does), where the first quarter's are
the walkthrough's states only; every one of its presses is a demonstration (alone, each would be judged by the outcome
filter as a run without progress)."""
AGENTS: tuple[str, ...] = ("untrained", "random", "fallback", *ARMS, learning_sb3.AGENT)


class _Run:
    """One benchmark run's points, timings and progress lines."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self.points: list[Point] = []
        self.timings: dict[str, dict[str, dict[str, float]]] = {}
        self.sources: dict[str, dict[str, dict[str, float]]] = {}
        """Arm → seed → share of its training steps by who chose the button (`source_shares`)."""
        self.demonstrations: dict[str, dict[str, dict[str, float]]] = {}
        """Arm → seed → what the learner kept of the demonstrator's steps (`learning_system.DEMO_COUNTERS`)."""

    def progress(self, line: str) -> None:
        self.console.print(f"[dim]{time.monotonic() - self.started:7.0f} s[/]  {line}")

    def timed(self, agent: str, seed: int, part: str, seconds: float) -> None:
        self.timings.setdefault(agent, {}).setdefault(str(seed), {})[part] = round(seconds, 1)


def _seed(run: _Run, game: GameSettings, hyper: LearnerSettings, budget: int, seed: int, episodes: int,
          workdir: Path, agents: tuple[str, ...], archive_share: float | None,
          demo_fraction: float, anti_stuck: bool, judging: GameSettings) -> None:  # fmt: skip
    """One seed of every agent named; `game` is what they train on, `judging` what their evaluations play (the same
    but for its time limit, with `--eval-episode-steps`)."""
    hyper = hyper.model_copy(update={"seed": seed})
    boot = workdir / "boot"

    if "untrained" in agents:
        began = time.monotonic()
        checkpoint = learning_baselines.untrained_checkpoint(hyper, workdir / "untrained")
        report = evaluate(judging, episodes, checkpoint, seed=seed, anti_stuck=anti_stuck)
        run.points.append(Point(agent="untrained", seed=seed, fraction=0.0, env_steps=0, wall_s=0.0,
                                episodes=report.episodes))  # fmt: skip
        run.timed("untrained", seed, "eval_s", time.monotonic() - began)
        run.progress(f"untrained seed {seed}: evaluated")

    for baseline in ("random", "fallback"):
        if baseline in agents:
            began = time.monotonic()
            run.points.append(learning_baselines.play(judging, baseline, episodes, seed, run.progress, hyper.playable))
            run.timed(baseline, seed, "play_s", time.monotonic() - began)

    for arm, given in ARMS.items():
        if arm not in agents:
            continue
        began = time.monotonic()
        share = (archive_share if archive_share is not None else DEFAULT_SHARE) if given.archive else 0.0
        fraction = given.demo_fraction if given.demo_fraction is not None else demo_fraction
        trained = learning_system.train(given.played(game, training=True), hyper.model_copy(update=given.learner),
                                        budget, seed, workdir / arm, run.progress, share, fraction, arm,
                                        given.demonstrator, given.demo_interval, given.demo_plan_steps)  # fmt: skip
        run.timed(arm, seed, "train_s", time.monotonic() - began)
        run.sources.setdefault(arm, {})[str(seed)] = source_shares(trained.episodes)
        if trained.demonstrations:
            run.demonstrations.setdefault(arm, {})[str(seed)] = trained.demonstrations
        began, judged = time.monotonic(), given.played(judging)
        for checkpoint_kept in trained.kept:
            run.points.append(learning_system.evaluate_kept(judged, checkpoint_kept, episodes, seed, arm, anti_stuck))
            run.progress(f"{arm} seed {seed}: evaluated {checkpoint_kept.fraction:.0%}")
        run.timed(arm, seed, "eval_s", time.monotonic() - began)

    if learning_sb3.AGENT in agents:
        began = time.monotonic()
        share = archive_share if archive_share is not None else DEFAULT_SHARE
        sb3 = learning_sb3.train(game, hyper, budget, seed, boot, run.progress, share)
        run.timed(learning_sb3.AGENT, seed, "train_s", time.monotonic() - began)
        run.sources.setdefault(learning_sb3.AGENT, {})[str(seed)] = {
            **source_shares(sb3.episodes),
            "replaced": sb3.model.replaced,
            "unplayable": sb3.model.unplayable,
        }
        began = time.monotonic()
        for snapshot in sb3.snapshots:
            point = learning_sb3.evaluate(sb3.model, snapshot, judging, episodes, seed, boot, hyper, anti_stuck)
            run.points.append(point)
            run.progress(f"{learning_sb3.AGENT} seed {seed}: evaluated {snapshot.fraction:.0%}")
        run.timed(learning_sb3.AGENT, seed, "eval_s", time.monotonic() - began)


def fairness(hyper: LearnerSettings, archive_share: float | None, arms: list[str]) -> dict[str, dict[str, Any]]:
    """Per learning arm, what it is given of the system's parts: an RL engineer's first question of a comparison."""
    share = archive_share if archive_share is not None else DEFAULT_SHARE
    common = {"frame_stack_pad": "first screen", "stores": "button played"}
    out: dict[str, dict[str, Any]] = {}
    for arm in arms:
        if arm == learning_sb3.AGENT:
            out[arm] = {"archive_share": share, **SAME_TARGETS, "explored_features": True,
                        "story_features": hyper.story_features, **common,
                        "demonstrator": None, "rewards": {}, "game": {}}  # fmt: skip
            continue
        given = ARMS[arm]
        arm_hyper = hyper.model_copy(update=given.learner)
        targets = {name: getattr(arm_hyper, name) for name in SAME_TARGETS}
        out[arm] = {"archive_share": share if given.archive else 0.0, **targets,
                    "explored_features": arm_hyper.explored_features, "story_features": arm_hyper.story_features,
                    **common,
                    "demonstrator": given.schedule(), "rewards": given.rewards, "game": given.game}  # fmt: skip
    return out


def _summed(results: dict[str, Any], bench: _Run, seeds_done: int) -> dict[str, Any]:
    """The run's results so far: every point, the first greedy badge's wall-clock, the timings."""
    results["seeds_done"] = seeds_done
    results["points"] = [point.model_dump(mode="json") for point in bench.points]
    results["first_greedy_badge_s"] = learning_report.first_greedy_badge(bench.points)
    results["timings_s"] = bench.timings
    results["sources"] = bench.sources
    results["demonstrations"] = bench.demonstrations
    return results


def run(
    budget: int,
    seeds: int,
    episodes: int,
    console: Console,
    agents: tuple[str, ...] = AGENTS,
    archive_share: float | None = None,
    demo_fraction: float = 0.25,
    first_seed: int = 0,
    anti_stuck: bool = False,
    eval_episode_steps: int | None = None,
) -> dict[str, Any]:
    """The `agents` (default: every one) for `seeds` seeds from `first_seed` on; the JSON, the PNG and the tables.
    `eval_episode_steps`: the greedy episodes' time limit when not the training episodes' (0: none). Returns the
    results written."""
    hyper = LearnerSettings()
    bench = _Run(console)
    results: dict[str, Any] = {"started": time.time(), "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="crl-learning-") as tmp:
        workdir = Path(tmp)
        game = GameSettings(data_dir=workdir / "game")
        judging = game if eval_episode_steps is None else game.model_copy(update={"episode_steps": eval_episode_steps})
        results["settings"] = {
            "budget": budget, "seeds": seeds, "first_seed": first_seed, "eval_episodes": episodes,
            "agents": list(agents),
            "archive_share": archive_share if archive_share is not None else DEFAULT_SHARE,
            "demo_fraction": demo_fraction, "eval_anti_stuck": anti_stuck,
            "eval_episode_steps": eval_episode_steps,
            "learner": hyper.model_dump(mode="json", exclude={"streams"}),
            "game": game.model_dump(mode="json", exclude={"data_dir", "redis_url"}),
            "sb3": {k: v for k, v in learning_sb3.dqn_arguments(hyper, budget).items() if k != "policy_kwargs"},
            "fairness": fairness(hyper, archive_share, [a for a in agents if a in ARMS or a == learning_sb3.AGENT]),
        }  # fmt: skip
        torch.set_num_threads(hyper.torch_threads)  # evaluations answer one observation at a time
        out = None
        for done, seed in enumerate(range(first_seed, first_seed + seeds), start=1):
            _seed(bench, game, hyper, budget, seed, episodes, workdir / f"seed{seed}", agents, archive_share,
                  demo_fraction, anti_stuck, judging)  # fmt: skip
            # each finished seed is written at once, curves too: an hours-long run that fails or is stopped later
            # keeps what it measured
            out = write_result("learning", _summed(results, bench, seeds_done=done), out)
            title = f"crystal-rl learning, {budget:,} steps, {done} seed(s), {episodes} greedy episodes a point"
            learning_report.plot(bench.points, out.with_suffix(".png"), title)
            bench.progress(f"seeds {first_seed}-{seed} written to {out} and {out.with_suffix('.png').name}")
    out = write_result("learning", _summed(results, bench, seeds_done=seeds), out)
    learning_report.show(console, bench.points)
    console.print(f"written to {out} and {out.with_suffix('.png').name}")
    return results
