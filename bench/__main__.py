"""`python -m bench` (`make bench`): run every benchmark, print a table, write one JSON file per run.

`--world` (default johto) is the demo cartridge's world every suite that plays a game plays: it goes
into `CRL_WORLD`, which the suites' game settings and the services they start read. The emulator suite
measures the bare loop on both worlds besides. The learning benchmark trains agents for tens of
minutes and `world_play` plays 100,000 steps without learning: they run only when named (`--only
learning`, `--only world_play`); the learning benchmark writes its own `learning-*.json` and `.png`. The
training suite (`--only training`) gives the system's training steps/s against SB3's DQN in one run, as a
ratio (`training.ratio`).
"""

import argparse
import os
import signal
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import dashboard, emulator, learning, planner, redis_cost, streams_roundtrip, system, training, world_play
from bench.harness import RESULTS, machine, write_result
from cartridge.build import ensure_built
from cartridge.worlds import DEFAULT_WORLD, WORLDS


def flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    """The figures as rows; lists (a suite's episodes, one by one) and py-spy's summaries are left to the JSON
    (`bench.report` shows the summaries)."""
    if isinstance(value, dict):
        return [row for key, sub in value.items() if key != "profile"
                for row in flatten(f"{prefix}.{key}" if prefix else key, sub)]  # fmt: skip
    return [] if isinstance(value, list) else [(prefix, value)]


def _unwind_on_sigterm() -> None:
    """A bench stopped with SIGTERM (`kill`, a CI's time limit) unwinds as Ctrl-C does: every suite's `finally`
    stops the services, Redis servers and model hosts it started, so none of them outlives the bench."""

    def unwind(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, unwind)


def main() -> None:
    _unwind_on_sigterm()
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--world",
        choices=list(WORLDS),
        default=DEFAULT_WORLD,
        help=f"the demo cartridge's world the suites play (default {DEFAULT_WORLD})",
    )
    parser.add_argument("--steps", type=int, default=3000, help="steps per emulator measurement")
    parser.add_argument(
        "--soak", type=float, default=120.0, help="seconds of play for the memory figures (600 for the 10-minute soak)"
    )
    parser.add_argument("--only", nargs="*", default=None, help="run only these suites (e.g. emulator system learning)")
    parser.add_argument("--budget", type=int, default=100_000, help="learning: env steps of training per agent")
    parser.add_argument("--seeds", type=int, default=3, help="learning: seeds, run one after another")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="learning: the first seed (e.g. `--seeds 1 --first-seed 2` adds seed 2 to a run of seeds 0 and 1)",
    )
    parser.add_argument("--eval-episodes", type=int, default=5, help="learning: greedy episodes per checkpoint")
    parser.add_argument(
        "--agents",
        nargs="*",
        choices=learning.AGENTS,
        default=list(learning.AGENTS),
        help="learning: only these agents (all by default; e.g. `--agents system` for a quicker look)",
    )
    parser.add_argument(
        "--archive-share",
        type=float,
        default=None,
        help="learning: share of the system's resets drawn from the archive of milestone states "
        "(default: the emulator's own, 0.25)",
    )
    parser.add_argument(
        "--demo-fraction",
        type=float,
        default=0.25,
        help="learning: share of the budget the demonstrator plans for in its arms (demo_*, smollm2_*)",
    )
    parser.add_argument(
        "--eval-anti-stuck",
        action="store_true",
        help="learning: the anti-stuck rule plays in greedy evaluations too (off by default: the policy alone; "
        "every episode records the rule's presses either way)",
    )
    parser.add_argument(
        "--eval-episode-steps",
        type=int,
        default=None,
        help="learning: the greedy episodes' time limit in steps, when not the training episodes' (e.g. train on "
        "2,000-step episodes and judge on the johto world's own 5,000; 0: none)",
    )
    parser.add_argument(
        "--training-steps",
        type=int,
        default=training.STEPS,
        help="training: env steps of each learner's run (SB3, the system with 1, 2 and 4 envs: per env)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="training: py-spy's samples of SB3's process and of the system's learner and emulator, summed in the "
        "JSON (py-spy from PyPI; raw stacks beside the results)",
    )
    parser.add_argument("--planner-episodes", type=int, default=1, help="planner: 1,000-step episodes per agent")
    parser.add_argument(
        "--planner-calls",
        type=int,
        default=4,
        help="planner: requests each server setting answers in the study of what a call costs (0: no study)",
    )
    parser.add_argument(
        "--llm-wait-ms",
        type=int,
        default=None,
        help="planner: the wait of the runs with --llm-wait (default: the emulator's default)",
    )
    args = parser.parse_args()
    os.environ["CRL_WORLD"] = args.world  # every suite's game settings, and every service it starts, play it
    console = Console()
    if args.only and "learning" in args.only:
        console.print("[bold]learning[/] ...")
        learning.run(
            args.budget,
            args.seeds,
            args.eval_episodes,
            console,
            tuple(args.agents),
            args.archive_share,
            args.demo_fraction,
            args.first_seed,
            args.eval_anti_stuck,
            args.eval_episode_steps,
        )
        if set(args.only) == {"learning"}:
            return
    rom = ensure_built(world=args.world)
    results: dict[str, Any] = {"started": time.time(), "machine": machine(), "settings": vars(args), "figures": {}}
    named_only = {"world_play"}
    suites = {
        "emulator": lambda: emulator.run(rom, args.steps),
        "streams_roundtrip_ms": streams_roundtrip.measure,
        "redis": lambda: redis_cost.run(rom),
        "planner": lambda: planner.run(
            rom, args.steps, args.world, args.planner_episodes, args.llm_wait_ms, args.planner_calls, console.print
        ),
        "dashboard": lambda: dashboard.run(rom),
        "system": lambda: system.run(rom, args.steps, args.soak),
        "training": lambda: training.run(
            args.training_steps,
            console.print,
            RESULTS / f"profiles-{time.strftime('%Y%m%d-%H%M%S')}" if args.profile else None,
        ),
        "world_play": lambda: world_play.run(
            args.world, progress=lambda line: console.print(f"[dim]{line}[/]", highlight=False)
        ),
    }
    for name, suite in suites.items():
        if (args.only and name not in args.only) or (not args.only and name in named_only):
            continue
        console.print(f"[bold]{name}[/] ...")
        results["figures"][name] = suite()
    out = write_result("bench", results)
    info = results["machine"]
    table = Table(title=f"crystal-rl bench ({info['cpus']} CPUs, PyBoy {info['versions']['pyboy']})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in flatten("", results["figures"]):
        table.add_row(key, f"{value:,.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    console.print(f"written to {out}")


if __name__ == "__main__":
    main()
