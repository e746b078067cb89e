"""`crystal-rl walkthrough`: a world's walkthrough policy played headless through the game core, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from cartridge.johto.walkthrough import MILESTONES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def walkthrough(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", "walkthrough", "--data-dir", str(cwd / "data"), *args],
        capture_output=True, text=True, timeout=170, cwd=ROOT, check=False,
    )  # fmt: skip


def test_johto_from_a_seed_prints_each_milestone_and_the_badge_and_writes_json(tmp_path: Path) -> None:
    result = walkthrough("--world", "johto", "--seeds", "1", "--first-seed", "4", "--json", str(tmp_path / "w.json"),
                         cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "w.json").read_text())
    (game,) = report["seeds"]
    assert report["world"] == "johto" and report["limit"] == 5_000 and report["failed"] == []
    assert game["seed"] == 4 and report["milestones"] == [m.name for m in MILESTONES]
    assert set(game["milestones"]) == set(report["milestones"])  # the whole chapter, the rival and FALKNER too
    assert game["badge"] == game["milestones"]["badge"] == game["steps"] and 800 <= game["badge"] <= 3_000
    assert game["wild_battles"] >= 3 and game["trainer_battles"] >= 3
    press = game["milestones"]
    assert press["starter"] < press["egg"] < press["egg_to_elm"] < press["violet_city"] < press["badge"]
    assert f"seed 4: badge at {game['badge']:,} presses" in result.stdout
    assert report["badge_presses"] == {"least": game["badge"], "median": game["badge"], "most": game["badge"]}
    assert "badge in 1 of 1 seeds" in result.stdout


def test_tiny_world_with_its_video_of_the_first_seed(tmp_path: Path) -> None:
    video = tmp_path / "walk.gif"
    result = walkthrough("--world", "tiny", "--seeds", "2", "--video", str(video), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "seed 1: badge at 50 presses" in result.stdout and "seed 2: badge at 50 presses" in result.stdout
    with Image.open(video) as gif:
        assert gif.n_frames == 50 and gif.size == (160, 144 + 12)  # one picture a press, a caption line


def test_a_seed_without_the_badge_fails_the_command(tmp_path: Path) -> None:
    result = walkthrough("--world", "johto", "--seeds", "1", "--max-presses", "30", cwd=tmp_path)
    assert result.returncode == 1
    assert "seed 1: no badge in 30 presses" in result.stdout
    assert "no badge within 30 presses from seed(s) 1" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--world", "kanto"], "no walkthrough for a world called 'kanto': the worlds with one are johto, tiny"),
        (["--rom", "crystal.gbc"], "no walkthrough for crystal.gbc: the walkthrough policies play the demo cartridge"),
        (["--video", "walk.mp4"], "the game is written as a GIF, name the file FILE.gif"),
    ],
    ids=["unknown-world", "a-users-rom", "not-a-gif"],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], expected: str) -> None:
    result = walkthrough(*args, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr
