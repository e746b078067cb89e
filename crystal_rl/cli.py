"""`crystal-rl`: one command to run the system on a workstation, and the commands to look at a running one.

`run` finds or starts Redis, then supervises the services as child processes (restarting any
that dies), printing a progress report every 30 s. `status`, `streams`, `save` and `load` talk
to Redis only, so they work the same against a local run and against containers.
"""

import asyncio
import importlib.util
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from redis.exceptions import AuthenticationError, RedisError
from rich.console import Console
from rich.table import Table

from cartridge.worlds import DEFAULT_WORLD
from crystal_rl.children import DASHBOARD_TOKEN_VAR, RunOptions, child_env, child_specs, dashboard_url
from crystal_rl.eval_report import default_json_path, episode_line, report_table, write_report
from crystal_rl.model_host import FIX, OLLAMA_DEFAULT, EmbeddedHost, answers, missing
from crystal_rl.model_host import watch as watch_host
from crystal_rl.playthrough import CHAPTERS
from crystal_rl.progress import ProgressReporter
from crystal_rl.redis_setup import RedisKeeper, connect_or_start
from crystal_rl.status import (
    ServiceRow,
    client_for,
    healthy,
    http_probe,
    remember_url,
    remembered_url,
    send_control,
    service_rows,
    stream_infos,
    which_server,
)
from crystal_rl.supervisor import Supervisor
from crystal_rl.walkthrough import report_table as walkthrough_table
from crystal_rl.walkthrough import seed_line, walk
from crystal_rl.walkthrough import write_report as write_walkthrough
from shared import planner_counters
from shared.errors import ConfigError, CrystalRLError, RedisUnavailableError
from shared.game.config import GameConfig
from shared.game.machine import resolve_rom
from shared.game.symbols import load_symbols
from shared.health import Heartbeat
from shared.keys import DEFAULT_PREFIX, Keys
from shared.logs import configure_logging
from shared.redis_server import LocalRedis, Reach, probe, refused_message
from shared.redis_url import redact, with_password
from shared.runtime import on_signals
from shared.settings import CommonSettings, GameSettings, settings_from_cli
from shared.streams import StreamInfo, StreamSettings

app = typer.Typer(
    help="Train an agent to play Pokémon Crystal (or the bundled demo cartridge) in PyBoy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # a docstring's lines flow as one paragraph; in "rich" mode its line breaks stay
)
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("crystal_rl")

STOP_TIMEOUT = 20.0
"""Seconds a service gets to save what it owns and exit after SIGTERM, before it is killed."""

UNREACHABLE = (RedisError, RedisUnavailableError, OSError, TimeoutError)
"""What a command that only reads Redis turns into "cannot reach Redis" (one line, exit 1)."""

RedisUrlOption = Annotated[
    str | None, typer.Option(help="Redis to use. Default: CRL_REDIS_URL, else the one `run` started, else local.")
]
DataDirOption = Annotated[Path, typer.Option(help="Where states, checkpoints, stats and logs go.")]
PrefixOption = Annotated[str, typer.Option(help="Key prefix of the run (CRL_KEY_PREFIX).")]


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def default_prefix() -> str:
    return os.environ.get("CRL_KEY_PREFIX", DEFAULT_PREFIX)


def resolve_url(redis_url: str | None, data_dir: Path) -> str:
    """An explicit URL, else `CRL_REDIS_URL`, else the URL a `crystal-rl run` on `data_dir` wrote (with its
    password), else the default; `CRL_REDIS_PASSWORD` goes into a URL that has no password."""
    if redis_url:
        return env_password(redis_url)
    if "CRL_REDIS_URL" in os.environ:
        return env_password(os.environ["CRL_REDIS_URL"])
    remembered = remembered_url(data_dir)
    if remembered and probe(remembered)[0] is Reach.OK:
        return remembered
    return CommonSettings().redis_url


def env_password(url: str) -> str:
    """`url` with `CRL_REDIS_PASSWORD` in it, as every service's settings do (a password in the URL wins)."""
    return with_password(url, os.environ.get("CRL_REDIS_PASSWORD"))


def unreachable(url: str, exc: BaseException) -> typer.Exit:
    """The one line for a command that could not read Redis: refused credentials, or not reached."""
    cause = exc.__cause__ if isinstance(exc, RedisUnavailableError) and exc.__cause__ else exc  # StreamReader's
    if isinstance(cause, AuthenticationError):
        return fail(refused_message(url, str(cause)), 1)
    return fail(f"cannot reach Redis at {redact(url)}: {exc}", 1)


@app.callback()
def main() -> None:
    """crystal-rl: LLM planner, DQN learner and rules playing a Game Boy game over Redis streams."""


WorldOption = Annotated[
    str | None,
    typer.Option(
        help="The demo cartridge's world to play when no --rom is given: johto (Johto's first chapter at Crystal's"
        " scale) or tiny (four screens). Default: CRL_WORLD, else johto. Not together with --rom."
    ),
]


def checked_world(world: str | None, rom: Path | None) -> str | None:
    """`--world` as the game config takes it; an unknown world, or one named beside `--rom`, is one clear error."""
    if world is None:
        return None
    if rom is not None:
        raise fail(
            f"give --rom or --world, not both (--rom {rom}, --world {world}): a world names which demo cartridge to"
            " play when there is no ROM"
        )
    try:
        return GameConfig.checked(world=world).world
    except ConfigError as exc:
        raise fail(str(exc).removeprefix("bad game option: ")) from None


@app.command()
def run(
    rom: Annotated[
        Path | None, typer.Option(help="Game Boy Color ROM to play (default: a world of the bundled demo cartridge).")
    ] = None,
    world: WorldOption = None,
    actions: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many actions per env (default: run until Ctrl-C).")
    ] = None,
    symbols: Annotated[
        Path | None,
        typer.Option(
            help="A pokecrystal-style .sym file of the ROM: its addresses replace Crystal's (a hack that moved"
            " WRAM variables)."
        ),
    ] = None,
    envs: Annotated[int, typer.Option(min=1, max=64, help="Emulators (games) feeding the one learner.")] = 1,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis to use; must answer. Default: CRL_REDIS_URL, else a local redis-server."),
    ] = None,
    data_dir: DataDirOption = Path("data"),
    seed: Annotated[int, typer.Option(help="Seed for the rule-based policy and the learner.")] = 0,
    llm_model: Annotated[str | None, typer.Option(help="Model the planner asks (default: the planner's).")] = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            help="Model host of the planner. Default: CRL_LLM_URL, else Ollama on this machine when it answers, else"
            " SmolLM2-135M on llama-cpp-python's server, started for this run."
        ),
    ] = None,
    llm_interval: Annotated[int | None, typer.Option(min=1, help="Ask the planner every this many steps.")] = None,
    llm_wait: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=60_000,
            metavar="MS",
            help="At a planning point, each game waits up to MS for its plan before the DQN or the rules play on"
            " (default: the emulator's CRL_LLM_WAIT_MS, else its own).",
        ),
    ] = None,
    web_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the dashboard.")] = 8080,
    web_host: Annotated[str, typer.Option(help="Address the dashboard listens on.")] = "127.0.0.1",
    no_web: Annotated[bool, typer.Option("--no-web", help="Do not start the dashboard.")] = False,
    no_dqn: Annotated[bool, typer.Option("--no-dqn", help="Do not start the DQN learner.")] = False,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Do not start the LLM planner (nor a model host).")] = False,
    own_redis: Annotated[
        bool,
        typer.Option("--own-redis", help="Start a local server for this run even when one answers at the default."),
    ] = False,
    progress_interval: Annotated[float, typer.Option(min=0.1, help="Seconds between progress reports.")] = 30.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress reports, warnings only.")] = False,
) -> None:
    """Run the system: Redis (started when none answers), the services supervised, a progress report every 30 s."""
    configure_logging("WARNING" if quiet else "INFO")
    explicit = redis_url is not None or "CRL_REDIS_URL" in os.environ
    world = checked_world(world, rom)
    try:
        url = env_password(redis_url) if redis_url else CommonSettings().redis_url
        if symbols is not None:
            load_symbols(symbols)  # a file that will not do stops the run here, not in every child
        # the ROM checked, or the demo's world built, once here rather than in every child
        game = resolve_rom(rom, symbols is not None, world or GameSettings().world)
        url, local_redis = connect_or_start(url, explicit, data_dir, own=own_redis)
    except CrystalRLError as exc:
        raise fail(str(exc)) from None
    except ValidationError as exc:  # CRL_REDIS_URL or CRL_REDIS_PASSWORD that cannot work
        raise fail(f"invalid settings: {exc.errors(include_url=False)[0]['msg']}") from None
    remember_url(data_dir, url)
    server = f"{local_redis.describe()}, started for this run" if local_redis else asyncio.run(_server_of(url))
    model_host, host_line = (None, None) if no_llm else _model_host(llm_url)
    if model_host is None and host_line is None:
        no_llm = True
    token = os.environ.get(DASHBOARD_TOKEN_VAR) or secrets.token_urlsafe(24)
    options = RunOptions(
        redis_url=url,
        data_dir=data_dir,
        envs=envs,
        rom=rom,
        world=world,
        symbols=symbols,
        actions=actions,
        seed=seed,
        llm=not no_llm,
        llm_model=llm_model,
        llm_url=llm_url,
        llm_interval=llm_interval,
        llm_wait_ms=llm_wait,
        model_host=model_host,
        dqn=not no_dqn,
        web=not no_web,
        web_host=web_host,
        web_port=web_port,
        dashboard_token=token,
        log_level="WARNING" if quiet else "INFO",
    )
    specs = []
    for spec in child_specs(options):
        module = spec.argv[2]
        if importlib.util.find_spec(module) is None:
            errors.print(f"[yellow]warning:[/] {module} is not installed here; running without {spec.service}")
            continue
        specs.append(spec)
    keys = Keys(default_prefix())
    supervisor = Supervisor(
        specs,
        redis_url=url,
        keys=keys,
        log_dir=data_dir / "logs",
        base_env={**os.environ, **child_env(options)},
        stop_timeout=STOP_TIMEOUT,
        streams=StreamSettings(),
        on_change=lambda line: errors.print(f"[yellow]{line}[/]", highlight=False),
    )
    expected: dict[str, int] = {}
    for spec in specs:
        expected[spec.service] = expected.get(spec.service, 0) + 1
    console.print(
        f"Redis: {redact(url)} ({server}) · logs: {data_dir / 'logs'} · services: {', '.join(s.name for s in specs)}",
        highlight=False,
    )
    console.print(f"Game: {game.describe()}", highlight=False)
    if host_line is not None and any(s.service == "llm_planner" for s in specs):
        console.print(f"Model host: {host_line}", highlight=False)
    if any(s.service == "dashboard" for s in specs):
        console.print(f"[bold]Dashboard:[/] {dashboard_url(options)}", highlight=False)
    try:
        code = asyncio.run(
            _supervise(supervisor, url, keys, envs, expected, progress_interval, quiet, model_host, local_redis)
        )
    finally:
        if local_redis is not None:
            local_redis.stop()
    if supervisor.failure:
        raise fail(supervisor.failure, code or 1)


def _model_host(llm_url: str | None) -> tuple[EmbeddedHost | None, str | None]:
    """The model host this run starts (when none was given and none answers at the default), and the line that
    names the planner's host; (None, None) when there is none: the run plays without a planner, and says why."""
    given = llm_url or os.environ.get("CRL_LLM_URL")
    if given:
        return None, f"{given} (given)"
    if answers(OLLAMA_DEFAULT):
        return None, f"{OLLAMA_DEFAULT} (Ollama on this machine)"
    why = missing()
    if why is not None:
        errors.print(
            f"[yellow]warning:[/] no model host: none answers at {OLLAMA_DEFAULT} and {why}; playing without a "
            f"planner. Fix: {FIX}, or pass --llm-url",
            highlight=False,
        )
        return None, None
    host = EmbeddedHost.on_free_port()
    return host, f"{host.url} ({host.describe()}, started for this run)"


async def _server_of(url: str) -> str:
    """Which server answers at `url` (`valkey 8.1.8`), or why that is unknown; never an exception."""
    client = client_for(url)
    try:
        return await which_server(client)
    except Exception as exc:  # the run goes on; the line only says what was found
        return f"server unknown: {type(exc).__name__}"
    finally:
        await client.aclose()


async def _supervise(
    supervisor: Supervisor,
    url: str,
    keys: Keys,
    envs: int,
    expected: dict[str, int],
    interval: float,
    quiet: bool,
    model_host: EmbeddedHost | None = None,
    local_redis: LocalRedis | None = None,
) -> int:
    """Run the supervisor until it ends or a signal arrives, with a progress report every `interval` s; the run's
    own Redis kept alive, and the model host's heartbeat written, beside it."""
    give_back_signals = on_signals(lambda sig: _stopping(supervisor))
    client = client_for(url)
    reporter = ProgressReporter(client, keys, [str(i) for i in range(envs)], expected)
    try:
        await reporter.start()
    except Exception as exc:  # Redis away for a moment: the reports then read whatever the streams hold
        console.print(f"[dim]progress starts without a mark in the frames: {exc}[/]", highlight=False)
    task = asyncio.create_task(supervisor.run(), name="supervisor")
    done = asyncio.Event()
    helpers = []
    if local_redis is not None:
        keeper = RedisKeeper(local_redis, url, keys, on_restart=lambda line: errors.print(f"[yellow]{line}[/]"))
        helpers.append(asyncio.create_task(keeper.run(done), name="redis-keeper"))
    if model_host is not None:
        streams = StreamSettings()

        def heartbeat(counters: Callable[[], dict[str, int | float]]) -> Heartbeat:
            return Heartbeat(url, keys=keys, service="model_host", instance="0", counters=counters, settings=streams)

        def server_pid() -> int | None:
            return next((c.pid for c in supervisor.children if c.spec.service == "model_host" and c.running), None)

        watch = watch_host(model_host, heartbeat, done, server_pid)
        helpers.append(asyncio.create_task(watch, name="model-host-watch"))
    try:
        while not task.done():
            await asyncio.wait([task], timeout=interval)
            if not quiet:
                await _report(reporter, final=task.done())
        return task.result()
    finally:
        give_back_signals()
        done.set()
        await asyncio.gather(*helpers, return_exceptions=True)
        await client.aclose()


def _stopping(supervisor: Supervisor) -> None:
    console.print("stopping: every service saves what it owns ...")
    supervisor.stop()


async def _report(reporter: ProgressReporter, final: bool = False) -> None:
    try:
        lines = await reporter.lines(final)
    except Exception as exc:  # Redis down, or a heartbeat too new for this version: the run goes on
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] progress unavailable: {exc}", highlight=False)
        return
    console.print(f"[dim]{time.strftime('%H:%M:%S')} progress[/]", highlight=False)
    for line in lines:
        console.print(line, highlight=False)


@app.command()
def status(
    service: Annotated[
        str | None, typer.Option(help="Probe one service: exit 0 only when it has a fresh heartbeat.")
    ] = None,
    this_host: Annotated[
        bool, typer.Option("--this-host", help="Only heartbeats written from this host (a container's probe).")
    ] = False,
    redis_url: RedisUrlOption = None,
    data_dir: DataDirOption = Path("data"),
    prefix: PrefixOption = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    http: Annotated[
        str | None,
        typer.Option(help="Also probe this URL (with CRL_DASHBOARD_TOKEN): healthy when it answers 200."),
    ] = None,
) -> None:
    """Services (heartbeats) and streams at a glance; the exit code is a health probe (0 healthy, 1 not)."""
    if http is not None:
        ok, why = http_probe(http, os.environ.get(DASHBOARD_TOKEN_VAR))
        console.print(("[green]healthy[/]: " if ok else "[red]unhealthy[/]: ") + why, highlight=False)
        raise typer.Exit(0 if ok else 1)
    url = resolve_url(redis_url, data_dir)
    keys = Keys(prefix or default_prefix())

    async def gather() -> tuple[str, list[ServiceRow], list[StreamInfo]]:
        client = client_for(url)
        try:
            return await which_server(client), await service_rows(client, keys), await stream_infos(client, keys)
        finally:
            await client.aclose()

    try:
        server, rows, streams = asyncio.run(gather())
    except UNREACHABLE as exc:
        raise unreachable(url, exc) from None
    ok, why = healthy(rows, service, this_host)
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "healthy": ok,
                    "reason": why,
                    "redis": {"url": redact(url), "server": server},
                    "services": [r.health.model_dump() | {"fresh": r.fresh} for r in rows],
                    "plans": _plan_figures(rows),
                    "streams": [
                        {
                            "name": s.name,
                            "length": s.length,
                            "groups": [g.model_dump(exclude={"consumer_list"}) for g in s.groups],
                        }
                        for s in streams
                    ],
                },
                default=str,
            )
        )
    elif service is None:
        console.print(f"Redis: {redact(url)} ({server})", highlight=False)
        table = Table(title="services")
        for column in ("service", "instance", "host", "pid", "status", "age", "counters"):
            table.add_column(column)
        for r in rows:
            h = r.health
            shown = ", ".join(f"{k}={v}" for k, v in list(h.counters.items())[:4])
            age = f"[{'green' if r.fresh else 'red'}]{r.age:.1f} s[/]"
            status = f"{h.status}: {h.about}" if h.about else h.status
            table.add_row(h.service, h.instance, h.host, str(h.pid), status, age, shown)
        console.print(table)
        plans = _plans_table(rows)
        if plans is not None:
            console.print(plans)
        console.print(_streams_table(streams, brief=True))
    if not as_json:
        console.print(("[green]healthy[/]: " if ok else "[red]unhealthy[/]: ") + why, highlight=False)
    raise typer.Exit(0 if ok else 1)


@app.command()
def streams(
    redis_url: RedisUrlOption = None,
    data_dir: DataDirOption = Path("data"),
    prefix: PrefixOption = "",
) -> None:
    """XINFO of every stream: length, first and last id, consumer groups with pending and lag."""
    url = resolve_url(redis_url, data_dir)
    keys = Keys(prefix or default_prefix())

    async def gather() -> list[StreamInfo]:
        client = client_for(url)
        try:
            return await stream_infos(client, keys)
        finally:
            await client.aclose()

    try:
        infos = asyncio.run(gather())
    except UNREACHABLE as exc:
        raise unreachable(url, exc) from None
    console.print(_streams_table(infos, brief=False))


def _plan_figures(rows: list[ServiceRow]) -> dict[str, planner_counters.Figures]:
    """Each env's plan figures, the emulator's half and the planners' joined (`shared.planner_counters`)."""
    emulators = planner_counters.emulator_counters(
        (r.health.instance, r.health.counters) for r in rows if r.health.service == "emulator"
    )
    return planner_counters.per_env(emulators, (r.health.counters for r in rows if r.health.service == "llm_planner"))


def _plans_table(rows: list[ServiceRow]) -> Table | None:
    """The plan figures per env, or None when no env has any yet."""
    per_env = _plan_figures(rows)
    if not per_env:
        return None
    table = Table(title="plans per env")
    columns = ("env", "requests", "applied", "rejected", "stale", "superseded", "failed", "model p50", "model p99")
    for column in columns:
        table.add_column(column)
    for env in sorted(per_env, key=lambda e: (len(e), e)):
        f = per_env[env]
        p50, p99 = (f"{f[k] / 1000:.2f} s" if k in f else "-" for k in ("model_p50_ms", "model_p99_ms"))
        rejected, stale = planner_counters.kinds(f, "rejected"), planner_counters.kinds(f, "stale")
        counts = (str(int(f.get(k, 0))) for k in ("superseded", "failed"))
        table.add_row(env, str(int(f.get("requests", 0))), str(int(f.get("applied", 0))), rejected, stale, *counts,
                      p50, p99)  # fmt: skip
    return table


def _streams_table(infos: list[StreamInfo], brief: bool) -> Table:
    table = Table(title="streams")
    for column in ("stream", "length", "first", "last", "groups (consumers, pending, lag)"):
        table.add_column(column)
    for s in infos:
        groups = "; ".join(f"{g.name} ({g.consumers}, {g.pending}, {g.lag})" for g in s.groups)
        table.add_row(s.name, f"{s.length:,}", "" if brief else s.first_id or "", s.last_id or "", groups or "-")
    return table


@app.command()
def save(
    name: Annotated[str | None, typer.Argument(help="Name of the save state (default: manual-<time>).")] = None,
    env: Annotated[str, typer.Option(help="Which game.")] = "0",
    redis_url: RedisUrlOption = None,
    data_dir: DataDirOption = Path("data"),
    prefix: PrefixOption = "",
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the emulator's answer.")] = 15.0,
) -> None:
    """Ask a running emulator to save its state now, under NAME."""
    _control("save", name or time.strftime("manual-%Y%m%d-%H%M%S"), env, redis_url, data_dir, prefix, timeout)


@app.command()
def load(
    name: Annotated[str, typer.Argument(help="Name of the save state to load.")],
    env: Annotated[str, typer.Option(help="Which game.")] = "0",
    redis_url: RedisUrlOption = None,
    data_dir: DataDirOption = Path("data"),
    prefix: PrefixOption = "",
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the emulator's answer.")] = 15.0,
) -> None:
    """Ask a running emulator to load the save state NAME."""
    _control("load", name, env, redis_url, data_dir, prefix, timeout)


@app.command(
    name="eval",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def evaluate_checkpoint(
    ctx: typer.Context,
    episodes: Annotated[int, typer.Option(min=1, help="Greedy episodes to play.")] = 5,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Checkpoint to evaluate (default: the newest usable one the learner wrote).")
    ] = None,
    rom: Annotated[
        Path | None, typer.Option(help="Game Boy Color ROM to play (default: a world of the bundled demo cartridge).")
    ] = None,
    world: WorldOption = None,
    first_seed: Annotated[
        int,
        typer.Option(
            min=0, help="Episode i's start is seeded with FIRST_SEED + i: N episodes are N games, recorded in the JSON."
        ),
    ] = 0,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the report here (default: DATA_DIR/eval/eval-<time>.json).")
    ] = None,
    video: Annotated[Path | None, typer.Option(help="Write each episode as a GIF into this directory.")] = None,
    anti_stuck: Annotated[
        bool,
        typer.Option(
            "--anti-stuck",
            help="Let the anti-stuck rule play, as in training (default: off, the policy is measured alone).",
        ),
    ] = False,
    data_dir: DataDirOption = Path("data"),
) -> None:
    """Play greedy episodes with a checkpoint's network (epsilon 0, no planner, no anti-stuck rule unless asked):
    a table of milestones, and JSON.

    Game settings are flags as for the emulator: --goal new_map, --episode-steps 200, --rewards.badge 20, ...

    Or CRL_GOAL, CRL_EPISODE_STEPS, ...: give those the agent trained with, and it plays the game it learned.
    """
    configure_logging("WARNING")
    world = checked_world(world, rom)
    game_args = [*ctx.args, "--data-dir", str(data_dir)]
    if rom is not None:
        game_args += ["--rom", str(rom)]
    if world is not None:
        game_args += ["--world", world]
    try:
        game = settings_from_cli(GameSettings, game_args, prog="crystal-rl eval")
    except SystemExit as exc:
        raise fail(str(exc.code).removeprefix("error: ")) from None
    try:
        import torch

        from services.dqn_learner.evaluate import default_checkpoint_dir, evaluate
    except ImportError as exc:
        raise fail(f"crystal-rl eval needs the learner's packages ({exc}): pip install 'crystal-rl[learner]'") from None
    torch.set_num_threads(1)  # one observation at a time: more threads only wait for each other
    where = checkpoint or default_checkpoint_dir(data_dir)
    seeds = f"seed {first_seed}" if episodes == 1 else f"seeds {first_seed}-{first_seed + episodes - 1}"
    console.print(f"evaluating {where}: {episodes} greedy episodes ({seeds})", highlight=False)
    try:
        report = evaluate(
            game,
            episodes,
            checkpoint,
            video_dir=video,
            seed=game.seed,
            first_seed=first_seed,
            progress=lambda episode: console.print(episode_line(episode), highlight=False),
            anti_stuck=anti_stuck,
        )
    except CrystalRLError as exc:
        raise fail(str(exc)) from None
    console.print(report_table(report))
    path = write_report(report, json_path or default_json_path(data_dir))
    console.print(f"report: {path}" + (f" · videos: {video}" if video else ""), highlight=False)


@app.command(name="walkthrough")
def walkthrough_command(
    world: Annotated[
        str, typer.Option(help=f"The demo cartridge's world whose walkthrough to play: {', '.join(CHAPTERS)}.")
    ] = DEFAULT_WORLD,
    seeds: Annotated[int, typer.Option(min=1, help="Games to play, one a seed.")] = 10,
    first_seed: Annotated[int, typer.Option(min=0, help="The first seed; the others follow it.")] = 1,
    max_presses: Annotated[
        int | None, typer.Option(min=1, help="Presses a seed gets to earn the badge (default: the world's episode).")
    ] = None,
    video: Annotated[Path | None, typer.Option(help="Write the first seed's game here as a GIF (FILE.gif).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every seed's game here as JSON.")] = None,
    rom: Annotated[Path | None, typer.Option(help="Refused: a walkthrough exists for the demo's worlds only.")] = None,
    data_dir: DataDirOption = Path("data"),
) -> None:
    """Play a demo world's walkthrough policy headless through the game core, seed by seed: the presses to each
    milestone and to the badge, then least/median/most; exit 1 if a seed did not earn the badge."""
    configure_logging("WARNING")
    if rom is not None:
        raise fail(
            f"no walkthrough for {rom}: the walkthrough policies play the demo cartridge's own worlds (they read the"
            f" world's maps); name one with --world ({', '.join(CHAPTERS)})"
        )
    world = world.strip().lower()
    if world not in CHAPTERS:
        raise fail(f"no walkthrough for a world called {world!r}: the worlds with one are {', '.join(CHAPTERS)}")
    if video is not None and video.suffix.lower() != ".gif":
        raise fail(f"--video {video}: the game is written as a GIF, name the file FILE.gif")
    names = list(CHAPTERS[world]().names)
    console.print(f"walkthrough on the {world} world: seeds {first_seed}-{first_seed + seeds - 1}", highlight=False)
    try:
        report = walk(
            world,
            list(range(first_seed, first_seed + seeds)),
            limit=max_presses,
            boot_cache=data_dir / "boot",
            video=video,
            progress=lambda game: console.print(seed_line(game, names), highlight=False),
        )
    except CrystalRLError as exc:
        raise fail(str(exc)) from None
    console.print(walkthrough_table(report))
    if json_path is not None:
        console.print(f"report: {write_walkthrough(report, json_path)}", highlight=False)
    if video is not None:
        console.print(f"video: {video} (seed {first_seed})", highlight=False)
    if report.failed:
        raise fail(f"no badge within {report.limit:,} presses from seed(s) {', '.join(map(str, report.failed))}", 1)


def _control(
    command: str, name: str, env: str, redis_url: str | None, data_dir: Path, prefix: str, timeout: float
) -> None:
    url = resolve_url(redis_url, data_dir)
    reach, detail = probe(url)
    if reach is Reach.REFUSED:
        raise fail(refused_message(url, detail), 1)
    if reach is not Reach.OK:
        raise fail(f"cannot reach Redis at {redact(url)}: is a run going? (pass --redis-url)", 1)
    try:
        ack = asyncio.run(send_control(url, Keys(prefix or default_prefix()), env, command, name, timeout))
    except ValidationError as exc:
        raise fail(f"invalid {command} request: {exc.errors(include_url=False)[0]['msg']}") from None
    if ack is None:
        raise fail(f"env {env} did not answer the {command} within {timeout:g} s: is its emulator running?", 1)
    if not ack.data.get("ok"):
        raise fail(f"env {env}: {ack.message}", 1)
    console.print(f"env {env}: {ack.message}", highlight=False)


if __name__ == "__main__":
    app()
