"""`crystal-rl eval` as a user runs it: a real checkpoint, the real demo cartridge, a process of its own."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.dqn_learner.evaluate import default_checkpoint_dir
from tests.dqn_learner.checkpoint_help import write_checkpoint

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def run_eval(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    # no CRL_* of the caller; the tiny world where any game will do (a --rom wins over it)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(data_dir.parent), "PYTHONUNBUFFERED": "1", "CRL_WORLD": "tiny"}
    return subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", "eval", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_eval_prints_a_table_and_writes_json_consistent_with_the_episodes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_checkpoint(default_checkpoint_dir(data), updates=70, frames_seen=300)
    result = run_eval("--episodes", "2", "--goal", "new_map", "--episode-steps", "4", data_dir=data)
    assert result.returncode == 0, result.stderr

    reports = list((data / "eval").glob("eval-*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    assert (report["updates"], report["env_steps"]) == (70, 300)
    episodes = report["episodes"]
    assert [e["episode"] for e in episodes] == [0, 1]
    assert all(e["eval"] and e["steps"] == 4 and e["truncated"] for e in episodes)
    summary = report["summary"]
    assert summary["episodes"] == 2
    assert summary["return_mean"] == pytest.approx(sum(e["total_reward"] for e in episodes) / 2)
    assert summary["milestones"]["new_map"] == {"reached": 0.0, "median_step": None}

    assert [e["seed"] for e in episodes] == [0, 1]
    out = result.stdout
    assert "episode 0 (seed 0): 4 steps (time limit)" in out and "episode 1 (seed 1): 4 steps" in out  # per episode
    assert "checkpoint-0000000070.pt: 70 updates, 300 env steps" in out
    for e in episodes:  # each line names its episode's longest stall, as the JSON has it
        line = next(line for line in out.splitlines() if line.startswith(f"episode {e['episode']} "))
        stall = e["stall"]
        said = stall and (f"longest stall {stall['steps']} steps ({stall['situation']}, {stall['map']} "
                          f"{stall['x']},{stall['y']}, last press {stall['button']})")  # fmt: skip
        assert (said in line) if said else ("longest stall" not in line), line
    for milestone in ("first_pokemon", "new_map", "battle_won", "badge"):
        assert any(milestone in line and "0/2 (0%)" in line for line in out.splitlines()), out
    assert f"return mean {summary['return_mean']:.2f}" in out
    assert str(reports[0]) in out.replace("\n", "")


def corrupt_checkpoint(tmp_path: Path) -> list[str]:
    path = tmp_path / "checkpoint-0000000001.pt"
    path.write_bytes(b"\x80\x02 not a torch file")
    return ["--checkpoint", str(path)]


def bad_rom(tmp_path: Path) -> list[str]:
    rom = tmp_path / "notes.gbc"
    rom.write_bytes(b"hello" * 100)
    write_checkpoint(default_checkpoint_dir(tmp_path / "data"))
    return ["--rom", str(rom), "--episode-steps", "3"]


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda tmp: [], "no checkpoint in"),
        (lambda tmp: ["--checkpoint", str(tmp / "missing.pt")], "does not exist"),
        (corrupt_checkpoint, "is unusable"),
        (bad_rom, "not a Game Boy ROM"),
        (lambda tmp: ["--episode-steps", "many"], "--episode-steps"),
    ],
    ids=["no-checkpoint", "missing-checkpoint", "corrupt-checkpoint", "bad-rom", "bad-game-setting"],
)
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path, make_args, expected: str) -> None:  # type: ignore[no-untyped-def]
    result = run_eval(*make_args(tmp_path), data_dir=tmp_path / "data")
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert expected in lines[0]
    assert not (tmp_path / "data" / "eval").exists()  # no report of an evaluation that did not run


def test_eval_plays_the_world_named_from_its_first_seed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_checkpoint(default_checkpoint_dir(data))
    args = ("--world", "johto", "--episodes", "3", "--first-seed", "40", "--episode-steps", "3")
    result = run_eval(*args, data_dir=data)
    assert result.returncode == 0, result.stderr
    (report,) = (data / "eval").glob("eval-*.json")
    episodes = json.loads(report.read_text())["episodes"]
    assert [e["seed"] for e in episodes] == [40, 41, 42]
    assert {e["furthest_map"] for e in episodes} == {"Players House 1F"}  # Johto's first chapter, not the tiny world
    assert "3 greedy episodes (seeds 40-42)" in result.stdout


def test_a_rom_and_a_world_together_are_one_clear_error(tmp_path: Path, demo_rom: Path) -> None:
    result = run_eval("--rom", str(demo_rom), "--world", "johto", data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert "give --rom or --world, not both" in result.stderr and "Traceback" not in result.stderr
    unknown = run_eval("--world", "kanto", data_dir=tmp_path / "data")
    assert unknown.returncode == 2 and "unknown world 'kanto': one of tiny, johto" in unknown.stderr
