"""What `crystal-rl eval` shows and keeps of an evaluation: a line per episode, the table, the JSON file.

The evaluation itself is `services.dqn_learner.evaluate.evaluate` (imported only by the `eval`
command, so the other commands run without torch); this module only presents its report.
"""

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from shared.files import write_atomic
from shared.messages import Episode

if TYPE_CHECKING:
    from services.dqn_learner.evaluate import EvalReport


def episode_line(episode: Episode) -> str:
    """One finished episode, as it is printed while the evaluation goes on."""
    end = "[green]goal[/]" if episode.terminated else "time limit"
    reached = ", ".join(f"{name} @{step}" for name, step in episode.milestones.items()) or "no milestone"
    helped = f", anti-stuck presses {episode.anti_stuck}" if episode.anti_stuck else ""
    stall = episode.stall
    stuck = "" if stall is None else f", longest stall {stall.steps} steps ({stall.where()})"
    return (
        f"episode {episode.episode} (seed {episode.seed}): {episode.steps} steps ({end}),"
        f" return {episode.total_reward:.2f}, {reached}{helped}{stuck} [dim]({episode.wall_s:.1f} s,"
        f" trajectory {episode.fingerprint})[/]"
    )


def report_table(report: "EvalReport") -> Table:
    """Per milestone: how many episodes reached it and the median step; returns and steps below."""
    summary = report.summary
    n = summary.episodes
    table = Table(
        title=f"{Path(report.checkpoint).name}: {report.updates:,} updates, {report.env_steps:,} env steps",
        caption=(
            f"return mean {summary.return_mean:.2f}, median {summary.return_median:.2f} · "
            f"steps mean {summary.steps_mean:.1f}, median {summary.steps_median:g} · "
            f"ended at the goal {summary.terminated:.0%} · "
            f"{summary.trajectories} distinct trajectories of {n} · "
            + (
                f"anti-stuck rule on, {summary.anti_stuck_presses} presses"
                if report.anti_stuck
                else "anti-stuck rule off"
            )
        ),
    )
    table.add_column("milestone")
    table.add_column("reached", justify="right")
    table.add_column("median step", justify="right")
    for name, rate in summary.milestones.items():
        count = round(rate.reached * n)
        median = "-" if rate.median_step is None else f"{rate.median_step:g}"
        table.add_row(name, f"{count}/{n} ({rate.reached:.0%})", median)
    return table


def default_json_path(data_dir: Path) -> Path:
    """`data_dir/eval/eval-<timestamp>.json`: one file per evaluation, in the order they ran."""
    return data_dir / "eval" / f"eval-{time.strftime('%Y%m%d-%H%M%S')}.json"


def write_report(report: "EvalReport", path: Path) -> Path:
    """The report as JSON (episodes and summary), written atomically."""
    write_atomic(path, report.model_dump_json(indent=2).encode())
    return path
