"""`crystal-rl`: one command to run the system on a workstation."""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import redis
import typer
from rich.console import Console

from crystal_rl.progress import ProgressReporter
from crystal_rl.redis_setup import connect_or_start
from shared.errors import CrystalRLError
from shared.logs import configure_logging
from shared.rom import inspect_rom
from shared.settings import CommonSettings

app = typer.Typer(
    help="Train an agent to play Pokémon Crystal (or the bundled demo cartridge) in PyBoy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("crystal_rl")

STOP_TIMEOUT = 15.0
"""Seconds a service gets to save what it owns and exit after SIGTERM, before it is killed."""


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.callback()
def main() -> None:
    """crystal-rl: LLM planner, DQN learner and rules playing a Game Boy game over Redis streams."""


@app.command()
def run(
    rom: Annotated[
        Path | None, typer.Option(help="Game Boy Color ROM to play (default: the bundled demo cartridge).")
    ] = None,
    actions: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many actions (default: run until Ctrl-C).")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis to use; must answer. Default: CRL_REDIS_URL, else a local redis-server."),
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Where states, checkpoints and stats go.")] = Path("data"),
    seed: Annotated[int, typer.Option(help="Seed for the rule-based policy and the learner.")] = 0,
    progress_interval: Annotated[float, typer.Option(min=0.1, help="Seconds between progress lines.")] = 30.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines, warnings only.")] = False,
) -> None:
    """Run the system: Redis (started when none answers), then the services, with progress every 30 s."""
    configure_logging("WARNING" if quiet else "INFO")
    explicit = redis_url is not None or "CRL_REDIS_URL" in os.environ
    url = redis_url or CommonSettings().redis_url
    try:
        if rom is not None:
            inspect_rom(rom)
        url, local_redis = connect_or_start(url, explicit, data_dir)
    except CrystalRLError as exc:
        raise fail(str(exc)) from None

    env = {**os.environ, "CRL_REDIS_URL": url, "CRL_DATA_DIR": str(data_dir)}
    args = [sys.executable, "-m", "services.emulator", "--env", "0", "--seed", str(seed)]
    if rom is not None:
        args += ["--rom", str(rom)]
    if actions is not None:
        args += ["--max-steps", str(actions)]
    if quiet:
        args += ["--log-level", "WARNING"]
    settings = CommonSettings(redis_url=url)
    client = redis.Redis.from_url(url)
    reporter = ProgressReporter(client, settings.keys, ["0"])
    emulator = subprocess.Popen(args, env=env)
    code = 0
    try:
        code = _watch(emulator, reporter, progress_interval, quiet)
    except KeyboardInterrupt:
        console.print("stopping ...")
        code = 0
    finally:
        _stop(emulator)
        if not quiet:
            for line in reporter.lines():
                console.print(line, highlight=False)
        client.close()
        if local_redis is not None:
            local_redis.stop()
    if code:
        raise fail(f"the emulator exited with code {code}", code)


def _watch(process: subprocess.Popen[bytes], reporter: ProgressReporter, interval: float, quiet: bool) -> int:
    """Wait for the service, printing a progress line every `interval` seconds."""
    next_report = time.monotonic() + interval
    while True:
        try:
            return process.wait(timeout=max(0.0, next_report - time.monotonic()))
        except subprocess.TimeoutExpired:
            next_report += interval
            if not quiet:
                try:
                    for line in reporter.lines():
                        console.print(line, highlight=False)
                except redis.RedisError as exc:
                    log.warning("progress unavailable: %s", exc)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a grace period to save state, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    app()
