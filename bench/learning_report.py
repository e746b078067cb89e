"""The learning benchmark's outputs: the table in the console and the PNG of the learning curves.

Seeds are pooled: a row or a curve's point is every seed's episodes at that point of the budget
together (their rates and returns), at the seeds' mean env steps and wall-clock.
"""

import statistics
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a bench machine
import matplotlib.pyplot as plt
from rich.console import Console
from rich.table import Table

from bench.learning_episodes import Point
from shared.game.episode import MILESTONES

CURVES: tuple[str, ...] = ("badge", "first_pokemon", "battle_won", "new_map", "return")
FIXED_COLOURS = {"random": "tab:gray", "fallback": "tab:brown", "untrained": "black"}


def pooled(points: list[Point]) -> dict[str, list[Point]]:
    """Agent → one point per fraction of the budget, every seed's episodes together."""
    groups: dict[tuple[str, float], list[Point]] = defaultdict(list)
    for point in points:
        groups[(point.agent, point.fraction)].append(point)
    out: dict[str, list[Point]] = defaultdict(list)
    for (agent, fraction), group in sorted(groups.items()):
        out[agent].append(
            Point(agent=agent, seed=-1, fraction=fraction,
                  env_steps=round(statistics.fmean(p.env_steps for p in group)),
                  updates=round(statistics.fmean(p.updates for p in group)),
                  wall_s=statistics.fmean(p.wall_s for p in group),
                  episodes=[e for p in group for e in p.episodes])
        )  # fmt: skip
    return dict(out)


MAJORITY = 0.6
"""A point's greedy episodes "earn the badge" when at least this share of them do (3 of 5): one episode of five
can be luck, the rule's or the start's."""


def first_greedy_badge(points: list[Point]) -> dict[str, dict[int, float | None]]:
    """Agent → seed → training wall-clock of its first point whose greedy episodes earned the badge in at least
    `MAJORITY` of them (None: never)."""
    found: dict[str, dict[int, float | None]] = defaultdict(dict)
    for point in sorted(points, key=lambda p: p.fraction):
        if point.agent in FIXED_COLOURS:  # they do not train: no time to a first badge
            continue
        summary = point.summary
        badge = summary is not None and summary.milestones["badge"].reached >= MAJORITY - 1e-9
        seen = found[point.agent]
        if badge and seen.get(point.seed) is None:
            seen[point.seed] = point.wall_s
        else:
            seen.setdefault(point.seed, None)
    return dict(found)


def _rate(point: Point, name: str) -> str:
    summary = point.summary
    return "—" if summary is None else f"{summary.milestones[name].reached:.0%}"


def table(points: list[Point]) -> Table:
    out = Table(title="learning: greedy evaluations (random, fallback: their own play), seeds pooled")
    for column in ("agent", "point", "env steps", "updates", "wall s", "episodes", *MILESTONES,
                   "median steps to badge", "mean return"):  # fmt: skip
        out.add_column(column, justify="left" if column == "agent" else "right")
    for agent, rows in pooled(points).items():
        for point in rows:
            summary = point.summary
            badge_step = None if summary is None else summary.milestones["badge"].median_step
            out.add_row(
                agent, f"{point.fraction:.0%}", f"{point.env_steps:,}", f"{point.updates:,}", f"{point.wall_s:,.0f}",
                str(len(point.episodes)), *(_rate(point, name) for name in MILESTONES),
                "—" if badge_step is None else f"{badge_step:.0f}",
                "—" if summary is None else f"{summary.return_mean:.1f}",
            )  # fmt: skip
    return out


def badge_table(points: list[Point]) -> Table:
    out = Table(title="wall-clock of training to the first greedy badge (s), per seed")
    out.add_column("agent")
    out.add_column("seconds", justify="right")
    for agent, seeds in first_greedy_badge(points).items():
        out.add_row(agent, ", ".join("never" if s is None else f"{s:,.0f}" for _, s in sorted(seeds.items())))
    return out


def _value(point: Point, curve: str) -> float | None:
    summary = point.summary
    if summary is None:
        return None
    return summary.return_mean if curve == "return" else summary.milestones[curve].reached


def plot(points: list[Point], out: Path, title: str) -> Path:
    """Each milestone's rate and the mean return against env steps (left) and training wall-clock (right)."""
    curves = pooled(points)
    fig, axes = plt.subplots(len(CURVES), 2, figsize=(11, 2.6 * len(CURVES)), sharex="col", squeeze=False)
    for row, curve in enumerate(CURVES):
        for col, x_name in enumerate(("env_steps", "wall_s")):
            ax = axes[row][col]
            for agent, rows in curves.items():
                xy = [(getattr(p, x_name), _value(p, curve)) for p in rows if _value(p, curve) is not None]
                if len(rows) == 1 and xy:  # a policy that does not learn (random, rules, untrained): its level
                    ax.axhline(xy[0][1], linestyle=":", color=FIXED_COLOURS.get(agent), label=agent)
                elif xy:
                    ax.plot(*zip(*xy, strict=True), marker="o", label=agent)
            ax.set_ylabel("mean return" if curve == "return" else f"{curve} rate")
            ax.grid(alpha=0.3)
            if curve != "return":
                ax.set_ylim(-0.05, 1.05)
    axes[-1][0].set_xlabel("env steps")
    axes[-1][1].set_xlabel("training wall-clock (s)")
    axes[0][0].legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def show(console: Console, points: list[Point]) -> None:
    width = max(console.width, 150)  # a log file is 80 columns to rich: the table would be cut to initials
    console.print(table(points), width=width)
    console.print(badge_table(points), width=width)
