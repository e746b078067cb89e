"""`crystal-rl --help` and each command's: a docstring's paragraph flows as one, wherever its source lines break."""

import os
import re
import subprocess
import sys
from pathlib import Path

import typer

from crystal_rl.cli import app

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = typer.main.get_group(app).commands


def help_of(*command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", *command, "--help"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=True,
        env={**os.environ, "COLUMNS": "400", "TERM": "dumb"},
    )  # fmt: skip
    return result.stdout


def flowed(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def test_each_commands_summary_is_one_line_of_the_command_list() -> None:
    listing = help_of()
    for name, command in COMMANDS.items():
        summary = flowed((command.help or "").split("\n\n")[0])
        line = next(line for line in listing.splitlines() if line.startswith(f"│ {name} "))
        assert summary in flowed(line), (name, line)


def test_each_paragraph_of_a_commands_help_is_one_line() -> None:
    for name, command in COMMANDS.items():
        lines = [flowed(line) for line in help_of(name).splitlines()]
        for paragraph in (command.help or "").split("\n\n"):
            assert flowed(paragraph) in lines, (name, paragraph)
