"""`crystal-rl walkthrough`: a demo world's walkthrough policy played headless through the game core, seed by seed.

Each seed is one game (`GameCore.reset(seed=...)`: its idle frames before the first press, so its own
encounters and battles), played with the project's step (hold 8 of 24 frames) and the rules that always
win, as any agent plays it, up to the world's episode length. What it prints and keeps: per seed the
presses to each of the chapter's milestones and to the badge, then the badge's presses over the seeds
(least, median, most); a seed without the badge makes the command fail.
"""

import statistics
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, computed_field
from rich.table import Table

from crystal_rl.playthrough import CHAPTERS, Chapter, Played, play
from shared.files import write_atomic
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.video import EpisodeVideo


class Presses(BaseModel):
    """The badge's presses over the seeds that earned it."""

    least: int
    median: float
    most: int


class WalkthroughReport(BaseModel):
    """What `crystal-rl walkthrough` played: the world, its ROM, every seed's game (`--json`)."""

    world: str
    rom: str
    milestones: list[str]
    """The chapter's milestones in story order."""
    limit: int
    """The most presses a seed was given."""
    seeds: list[Played]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failed(self) -> list[int]:
        """The seeds that did not earn the badge within the limit."""
        return [game.seed for game in self.seeds if game.badge is None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def badge_presses(self) -> Presses | None:
        presses = [game.badge for game in self.seeds if game.badge is not None]
        return Presses(least=min(presses), median=statistics.median(presses), most=max(presses)) if presses else None


def walk(
    world: str,
    seeds: list[int],
    *,
    limit: int | None = None,
    boot_cache: Path | None = None,
    video: Path | None = None,
    progress: Callable[[Played], None] | None = None,
) -> WalkthroughReport:
    """Play `world`'s walkthrough from each seed (at most `limit` presses, default the world's episode length); the
    first seed's game as a GIF in `video` when given."""
    chapter: Chapter = CHAPTERS[world]()
    core = GameCore.start(GameConfig(world=world, episode_steps=0), boot_cache=boot_cache)
    try:
        rom = core.machine.rom
        limit = limit or GameConfig().episode_steps_for(rom) or 0
        played = []
        for index, seed in enumerate(seeds):
            recording = EpisodeVideo(None) if video is not None and index == 0 else None
            game = play(core, chapter, chapter.walkthrough(), seed, limit, video=recording)
            if recording is not None and video is not None:
                recording.write(video)
            played.append(game)
            if progress is not None:
                progress(game)
    finally:
        core.close()
    return WalkthroughReport(world=world, rom=rom.describe(), milestones=list(chapter.names), limit=limit, seeds=played)


def seed_line(game: Played, chapter_names: list[str]) -> str:
    """One seed's game, as it is printed when it ends."""
    end = f"[green]badge at {game.badge:,} presses[/]" if game.badge else f"[red]no badge in {game.steps:,} presses[/]"
    reached = " · ".join(f"{name} {game.milestones[name]:,}" for name in chapter_names if name in game.milestones)
    return (
        f"seed {game.seed}: {end} · {reached or 'no milestone'} · {game.wild_battles} wild / "
        f"{game.trainer_battles} trainer battles · {game.interventions} anti-stuck [dim]({game.wall_s:.1f} s)[/]"
    )


def report_table(report: WalkthroughReport) -> Table:
    """Per seed the presses at which each milestone first held, then the badge's over the seeds."""
    table = Table(title=f"walkthrough on the {report.world} world: presses to each milestone")
    for column in ("seed", *report.milestones, "battles (wild/trainer)", "anti-stuck"):
        table.add_column(column, justify="right")
    for game in report.seeds:
        marks = [f"{game.milestones[name]:,}" if name in game.milestones else "-" for name in report.milestones]
        table.add_row(str(game.seed), *marks, f"{game.wild_battles}/{game.trainer_battles}", str(game.interventions))
    presses = report.badge_presses
    if presses is not None:
        table.caption = (
            f"badge in {len(report.seeds) - len(report.failed)} of {len(report.seeds)} seeds: "
            f"{presses.least:,} / {presses.median:,.0f} / {presses.most:,} presses (least / median / most)"
        )
    return table


def write_report(report: WalkthroughReport, path: Path) -> Path:
    write_atomic(path, report.model_dump_json(indent=2).encode())
    return path
