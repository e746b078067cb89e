"""`python -m bench.report FILE...`: the README's tables, regenerated from the benchmarks' JSON instead of typed.

A learning JSON (`learning-*.json`, one run of all its arms on one commit and one machine) gives
its Learning tables: the run's settings, the greedy evaluations per arm and point (seeds
pooled: milestone rates, distinct trajectories, anti-stuck presses, return), the first greedy
badge per seed (at least 3 of 5 episodes), how far each seed's final policy got (its furthest map, and the
latest map of the world's chapter in story order that most of its episodes entered, with the issue's targets
judged from it: further than SB3 in the same seed, at Violet City), who played the training steps, and what every
arm was given. A `bench-*.json` gives the figures of its suites
(the training suite's ratio among them). The output is Markdown, to paste into the README as it is.
"""

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.learning_episodes import Point
from bench.learning_report import MAJORITY, pooled
from cartridge.worlds import get_world
from shared.game.episode import MILESTONES, Stall
from shared.messages import Episode

SB3 = "sb3_dqn"
GOAL_MAP = "Violet City"
"""The map the hybrid's target names (issue: reached greedily in at least 2 of 3 seeds)."""


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(row) for row in rows)]


def _rate(reached: float, episodes: int) -> str:
    return f"{round(reached * episodes)}/{episodes}"


def _maps(point: Point) -> str:
    """The map the most episodes got furthest to, with how many did."""
    furthest = Counter(episode.furthest_map for episode in point.episodes if episode.furthest_map)
    if not furthest:
        return "—"
    name, count = furthest.most_common(1)[0]
    return f"{name} {count}/{len(point.episodes)}"


def _stall(stall: Stall | None) -> str:
    if stall is None:
        return "none"
    return f"{stall.steps:,} ({stall.where()})"


def _badge_step(points: list[Point]) -> str:
    """The env steps of the seed's first point whose greedy episodes earned the badge in at least 3 of 5."""
    for point in sorted(points, key=lambda p: p.fraction):
        summary = point.summary
        if summary is not None and summary.milestones["badge"].reached >= MAJORITY - 1e-9:
            return f"{point.env_steps:,}"
    return "never"


def learning_tables(results: dict[str, Any], name: str) -> list[str]:
    settings = results["settings"]
    points = [Point.model_validate(point) for point in results["points"]]
    machine = results.get("machine", {})
    world = settings.get("game", {}).get("world") or "tiny"
    limit = settings.get("eval_episode_steps")
    judged = f" of {limit:,} steps" if limit else ""
    lines = [
        f"`{name}`: {settings['budget']:,} env steps a seed, seeds {settings['first_seed']}–"
        f"{settings['first_seed'] + results.get('seeds_done', settings['seeds']) - 1} "
        f"({results.get('seeds_done', settings['seeds'])} of {settings['seeds']} done), "
        f"{settings['eval_episodes']} greedy episodes{judged} a point, world `{world}`, "
        f"anti-stuck in evaluations: {'on' if settings.get('eval_anti_stuck') else 'off'}; "
        f"commit `{machine.get('commit', '?')}`, {machine.get('cpus', '?')} CPUs.",
        "",
    ]
    rows = []
    for agent, group in pooled(points).items():
        for point in group:
            summary = point.summary
            if summary is None:
                continue
            n = summary.episodes
            rows.append(
                [agent, f"{point.fraction:.0%}", f"{point.env_steps:,}", f"{point.wall_s:,.0f}",
                 *(_rate(summary.milestones[m].reached, n) for m in MILESTONES), _maps(point),
                 f"{summary.trajectories}/{n}", summary.anti_stuck_presses, f"{summary.return_mean:+.1f}"]
            )  # fmt: skip
    lines += _table(["arm", "point", "env steps", "train s", *MILESTONES, "furthest map (most episodes)",
                     "trajectories", "anti-stuck presses", "mean return"], rows)  # fmt: skip
    lines.append("")

    per_seed: dict[str, dict[int, list[Point]]] = {}
    for point in points:
        per_seed.setdefault(point.agent, {}).setdefault(point.seed, []).append(point)
    rows = []
    for agent, seeds in per_seed.items():
        if all(len(group) == 1 and group[0].fraction == 0 for group in seeds.values()):
            continue  # the untrained network: one point, nothing to reach over training
        for seed, group in sorted(seeds.items()):
            last = _last(group)
            summary = last.summary
            timings = results.get("timings_s", {}).get(agent, {}).get(str(seed), {})
            rows.append(
                [agent, seed, _badge_step(group),
                 "—" if summary is None else _rate(summary.milestones["badge"].reached, summary.episodes),
                 _maps(last), timings.get("train_s", timings.get("play_s", "—"))]
            )  # fmt: skip
    lines += _table(["arm", "seed", "first greedy badge (≥ 60 % of a point's episodes), env steps",
                     "badge at the last point", "furthest map at the last point", "train s"], rows)  # fmt: skip
    lines.append("")

    lines += _chapter(per_seed, get_world(world).chapter)
    lines += _further_at_each_point(per_seed, get_world(world).chapter)
    lines += _story(per_seed)

    stalls = [[agent, seed, "; ".join(_stall(e.stall) for e in _last(group).episodes)]
              for agent, seeds in per_seed.items() for seed, group in sorted(seeds.items())]  # fmt: skip
    if any(e.stall is not None for point in points for e in point.episodes):
        lines += ["Where each greedy episode of the last point stopped moving on (its longest run of steps without "
                  "progress: steps, what was open, where it ended, the last press):", ""]  # fmt: skip
        lines += [*_table(["arm", "seed", "longest stall of each episode"], stalls), ""]

    sources = results.get("sources", {})
    if sources:
        lines += ["Who played the training steps (share of the steps of finished training episodes; SB3's "
                  "`replaced`: transitions stored with the rules' button instead of its own):", ""]  # fmt: skip
        lines += _per_seed(sources, lambda name, value: _share(value))

    kept = results.get("demonstrations", {})
    if kept:
        lines += ["What the learner kept of the demonstrator's steps (runs of plans judged with and without "
                  "progress by the outcome filter, demonstrated transitions in the reserved ring, and the "
                  "demonstrations' share of the main ring at the end):", ""]  # fmt: skip
        lines += _per_seed(kept, _count)

    fairness = settings.get("fairness", {})
    if fairness:
        keys = list(dict.fromkeys(key for given in fairness.values() for key in given))  # every arm's, in order
        lines += _table(["arm", *keys], [[arm, *(given.get(key, "—") for key in keys)]
                                         for arm, given in fairness.items()])  # fmt: skip
        lines.append("")
    return lines


def stage(episode: Episode, chapter: tuple[str, ...]) -> int:
    """How far along `chapter` (the world's maps in story order) an episode got: the index of the latest of them it
    entered (an episode that entered none is where it began, its `furthest_map`); -1 for none."""
    entered = {key.removeprefix("map:") for key in episode.milestones if key.startswith("map:")}
    entered.add(episode.furthest_map)
    return max((index for index, name in enumerate(chapter) if name in entered), default=-1)


def most_reached(stages: list[int]) -> int:
    """The furthest stage that at least `MAJORITY` of the episodes reached (2 of 3, 3 of 5)."""
    need = math.ceil(MAJORITY * len(stages) - 1e-9)
    return sorted(stages, reverse=True)[need - 1]


def story_flags(episode: Episode) -> int:
    """The most story flags the episode had set (`story:N` milestones; 0 for a record without them)."""
    return max((int(key.removeprefix("story:")) for key in episode.milestones if key.startswith("story:")), default=0)


def _most_per_seed(per_seed: dict[str, dict[int, list[Point]]], measure: Callable[[Episode], int]
                   ) -> tuple[dict[str, dict[int, int]], list[int]]:  # fmt: skip
    """Per arm and seed, `measure` as most of the last point's episodes reached it (`most_reached`); and the seeds."""
    reached = {agent: {seed: most_reached([measure(e) for e in _last(group).episodes])
                       for seed, group in seeds.items()}
               for agent, seeds in per_seed.items()}  # fmt: skip
    return reached, sorted({seed for by_seed in reached.values() for seed in by_seed})


def _story(per_seed: dict[str, dict[int, list[Point]]]) -> list[str]:
    """Each arm's last point per seed as the story flags most of its episodes set: the story's steps made on maps
    already entered (the EGG taken back to ELM) show here, not in the chapter's maps."""
    reached, seeds = _most_per_seed(per_seed, story_flags)
    if not any(count for by_seed in reached.values() for count in by_seed.values()):
        return []  # a run from before the story's milestones were recorded
    rows = [[agent, *(by_seed.get(seed, "—") for seed in seeds)] for agent, by_seed in reached.items()]
    return [
        f"Story flags set by each seed's last point (the most that at least {MAJORITY:.0%} of its greedy episodes "
        "set):",
        "",
        *_table(["arm", *(f"seed {seed}" for seed in seeds)], rows),
        "",
    ]


def _chapter(per_seed: dict[str, dict[int, list[Point]]], chapter: tuple[str, ...]) -> list[str]:
    """Each arm's last point per seed as the stage of the chapter most of its episodes reached, and the issue's two
    targets judged from it: further than SB3 in the same seed, and at Violet City."""
    reached, seeds = _most_per_seed(per_seed, lambda episode: stage(episode, chapter))
    goal = chapter.index(GOAL_MAP) if GOAL_MAP in chapter else None
    sb3 = reached.get(SB3, {})
    rows = []
    for agent, by_seed in reached.items():
        judged = [seed for seed in by_seed if seed in sb3]
        further = f"{sum(by_seed[s] > sb3[s] for s in judged)} of {len(judged)}" if agent != SB3 and judged else "—"
        at_goal = "—" if goal is None else f"{sum(got >= goal for got in by_seed.values())} of {len(by_seed)}"
        rows.append([agent, *(_stage_name(by_seed.get(seed), chapter) for seed in seeds), further, at_goal])
    return [
        f"How far along the chapter each seed's last point got: the latest of the world's maps in story order "
        f"({' → '.join(chapter)}) that at least {MAJORITY:.0%} of its greedy episodes entered; beside it, in how "
        f"many seeds that is further than `{SB3}`'s and at {GOAL_MAP} or beyond:",
        "",
        *_table(["arm", *(f"seed {seed}" for seed in seeds), f"further than {SB3}", f"at {GOAL_MAP}"], rows),
        "",
    ]


def _further_at_each_point(per_seed: dict[str, dict[int, list[Point]]], chapter: tuple[str, ...]) -> list[str]:
    """The first target judged at every point, not only the last: a lead held at one checkpoint and lost by the next
    (or the other way) shows here, where the last point alone would hide it. Points are matched by their share of
    the budget (`fraction`); arms with no point SB3 has (the untrained network, random, the fallback) are left out."""
    stages = {agent: {(point.fraction, seed): most_reached([stage(e, chapter) for e in point.episodes])
                      for seed, group in seeds.items() for point in group if point.episodes}
              for agent, seeds in per_seed.items()}  # fmt: skip
    sb3 = stages.get(SB3, {})
    fractions = sorted({fraction for fraction, _ in sb3})
    rows = []
    for agent, at in stages.items():
        judged = [[key for key in at if key[0] == fraction and key in sb3] for fraction in fractions]
        if agent == SB3 or not any(judged):
            continue
        further = [sum(at[key] > sb3[key] for key in keys) for keys in judged]
        cells = [f"{won} of {len(keys)}" if keys else "—" for won, keys in zip(further, judged, strict=True)]
        rows.append([agent, *cells, f"{sum(further)} of {sum(map(len, judged))}"])
    if not rows:
        return []
    return [
        f"Further along the chapter than `{SB3}` at each point (seeds where most of the point's episodes got further "
        "than most of SB3's at the same share of the budget):",
        "",
        *_table(["arm", *(f"{fraction:.0%}" for fraction in fractions), "all points"], rows),
        "",
    ]


def _last(points: list[Point]) -> Point:
    """A seed's last point: the policy at the end of its training."""
    return max(points, key=lambda point: point.fraction)


def _stage_name(index: int | None, chapter: tuple[str, ...]) -> str:
    if index is None:
        return "—"
    return chapter[index] if index >= 0 else "none of its maps"


def _per_seed(values: dict[str, dict[str, dict[str, float]]], cell: Callable[[str, Any], str]) -> list[str]:
    """A table of arm → seed → named values, a column per name any of them has, then a blank line."""
    names = sorted({name for seeds in values.values() for named in seeds.values() for name in named})
    rows = [[agent, seed, *(cell(name, named.get(name)) for name in names)]
            for agent, seeds in values.items() for seed, named in sorted(seeds.items())]  # fmt: skip
    return [*_table(["arm", "seed", *names], rows), ""]


def _count(name: str, value: float | None) -> str:
    """A learner's counter as the report prints it: a share as a percentage, a count as a whole number."""
    if value is None or name.endswith("share"):
        return _share(value)
    return f"{int(value):,}"


def _share(value: float | int | None) -> str:
    if value is None:
        return "—"
    return str(value) if isinstance(value, int) else f"{value:.1%}"


def bench_tables(results: dict[str, Any], name: str) -> list[str]:
    """A `bench-*.json`: the training suite's rates and ratio, then every other suite's figures flattened."""
    figures = results.get("figures", {})
    lines = [f"`{name}`: commit `{results.get('machine', {}).get('commit', '?')}`", ""]
    training = figures.get("training")
    if training:
        from bench.training import VARIANTS  # here: it imports torch and SB3, which learning reports do without

        rows = [["SB3 DQN, in one process", training["sb3"]["steps_per_s"], "—", "—"]]
        for envs, got in training["system"].items():
            rows.append([f"the system, {envs} env(s)", got["steps_per_s"], got.get("samples_per_step"),
                         got.get("held_ms")])  # fmt: skip
        ratios = [f"Ratio (the system, 1 env, over SB3): **{training['ratio']}** (target 1.5)"]
        for variant, (_, label) in VARIANTS.items():
            if f"system_{variant}" in training:
                got = training[f"system_{variant}"]
                rows.append([f"the system with {label}, 1 env", got["steps_per_s"], got.get("samples_per_step"),
                             got.get("held_ms")])  # fmt: skip
                ratios.append(f"with {label}: {training[f'ratio_{variant}']}")
        lines += _table(["trainer", "env steps/s while training", "samples per env step", "held ms"], rows)
        lines += ["", "; ".join(ratios) + ".", ""]
        lines += _cpu_per_step(training)
    rest = {suite: value for suite, value in figures.items() if suite != "training"}
    if rest:
        lines += _table(["figure", "value"], [[key, value] for key, value in _flat("", rest)])
        lines.append("")
    return lines


def _cpu_per_step(training: dict[str, Any]) -> list[str]:
    """With `--profile`: the CPU each process spent per env step while measured (py-spy's samples of running
    threads, 100 a second, over the steps after the warm-up), and what two cores allow at the system's total.

    The bound is arithmetic, not a measurement: two cores' worth of time divided by the system's CPU per step (its
    learner and emulator; the redis-server's own is not sampled, so the true bound is lower). A ratio above it
    needs less work per step, not better scheduling."""
    sb3 = training["sb3"].get("profile", {}).get("sb3")
    system = training["system"].get("1", {}).get("profile", {})
    if not sb3 or not {"learner", "emulator"} <= system.keys():
        return []
    steps = training["steps"] - training["learning_starts"] - training["margin"]

    def ms(seconds: float) -> float:
        return round(seconds / steps * 1000, 2)

    learner, emulator = system["learner"], system["emulator"]
    training_share = sum(share for thread, share in learner["threads"].items() if "dqn-train" in thread)
    total = learner["seconds"] + emulator["seconds"]
    sb3_wall = steps / training["sb3"]["steps_per_s"]
    wall = steps / training["system"]["1"]["steps_per_s"]
    parts = [
        ("SB3 DQN, its one process", sb3["seconds"], sb3_wall),
        ("the system's learner: its training thread", learner["seconds"] * training_share, wall),
        ("the system's learner: its other threads (frames in, answers out)",
         learner["seconds"] * (1 - training_share), wall),
        ("the system's emulator", emulator["seconds"], wall),
        ("the system, learner and emulator", total, wall),
    ]  # fmt: skip
    rows = [[name, ms(seconds), round(seconds / elapsed, 2)] for name, seconds, elapsed in parts]
    most = 2000 / ms(total)
    bound = most / training["sb3"]["steps_per_s"]
    return [
        *_table(["process (1 env)", "CPU ms per env step", "cores busy"], rows),
        "",
        f"At the system's {ms(total)} ms of CPU a step, two cores allow at most {most:.0f} env steps/s: "
        f"**{bound:.2f}** of SB3's rate (its {ms(sb3['seconds'])} ms a step on one core).",
        "",
    ]


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [row for key, sub in value.items() if key != "profile"
                for row in _flat(f"{prefix}.{key}" if prefix else key, sub)]  # fmt: skip
    return [(prefix, value)]


def render(path: Path) -> str:
    """The Markdown tables of one result file (a learning run's or a bench run's)."""
    try:
        results = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"{path}: not a readable JSON result ({exc}); give a bench/results/*.json file") from exc
    if "points" in results:
        return "\n".join(learning_tables(results, path.name))
    if "figures" in results:
        return "\n".join(bench_tables(results, path.name))
    raise SystemExit(f"{path}: neither a learning run (no 'points') nor a bench run (no 'figures')")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="bench/results/learning-*.json or bench-*.json")
    args = parser.parse_args(argv)
    sys.stdout.write("\n\n".join(render(path) for path in args.files) + "\n")


if __name__ == "__main__":
    main()
