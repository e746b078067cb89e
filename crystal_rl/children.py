"""Which processes `crystal-rl run` supervises, and with which flags: the run's options as `ChildSpec`s.

A pure function of the options, so what a run starts can be tested without starting it. The
services are named by module (`python -m services.X`), never imported: the CLI depends on
their command lines, not on their internals.
"""

import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from crystal_rl.model_host import EmbeddedHost
from crystal_rl.supervisor import ChildSpec

DASHBOARD_TOKEN_VAR = "CRL_DASHBOARD_TOKEN"


@dataclass(frozen=True)
class RunOptions:
    """What `crystal-rl run` was asked for, after its flags were checked."""

    redis_url: str
    data_dir: Path
    envs: int = 1
    rom: Path | None = None
    world: str | None = None
    """The demo cartridge's world when no ROM is given (None: the default world)."""
    symbols: Path | None = None
    actions: int | None = None
    seed: int = 0
    llm: bool = True
    llm_model: str | None = None
    llm_url: str | None = None
    llm_interval: int | None = None
    llm_wait_ms: int | None = None
    model_host: EmbeddedHost | None = None
    """The model host this run starts for the planner (when none was given and none answers), or None."""
    dqn: bool = True
    web: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    dashboard_token: str = ""
    log_level: str = "INFO"


def module(name: str, *args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", name, *args)


def child_specs(options: RunOptions) -> list[ChildSpec]:
    """Emulators first (they own the game), then the learner, the model host and the planner, the dashboard.

    Consumers get a stable instance name per run slot (`host-0`), so a restarted consumer
    reuses its consumer name in the group instead of leaving a dead one behind each time.
    """
    host = socket.gethostname()
    common = ("--log-level", options.log_level)
    specs = []
    for env in range(options.envs):
        args = ["--env", str(env), "--seed", str(options.seed + env), *common]
        if options.actions is not None:
            args += ["--max-steps", str(options.actions)]
        if options.llm_interval is not None:
            args += ["--llm-interval", str(options.llm_interval)]
        if options.llm_wait_ms is not None:
            args += ["--llm-wait-ms", str(options.llm_wait_ms)]
        specs.append(
            ChildSpec(
                "emulator",
                f"env{env}",
                module("services.emulator", *args),
                fatal_on_exit_zero=options.actions is not None,
            )
        )
    if options.dqn:
        args = ["--seed", str(options.seed), "--instance", f"{host}-0", *common]
        specs.append(ChildSpec("dqn_learner", "0", module("services.dqn_learner", *args)))
    if options.llm:
        args = ["--instance", f"{host}-0", *common]
        if options.model_host is not None:
            specs.append(options.model_host.spec())
            args += options.model_host.planner_flags()
        else:
            if options.llm_model is not None:
                args += ["--llm-model", options.llm_model]
            if options.llm_url is not None:
                args += ["--llm-url", options.llm_url]
        specs.append(ChildSpec("llm_planner", "0", module("services.llm_planner", *args)))
    if options.web:
        args = ["--host", options.web_host, "--port", str(options.web_port), *common]
        specs.append(
            ChildSpec(
                "dashboard",
                "0",
                module("services.dashboard", *args),
                env={DASHBOARD_TOKEN_VAR: options.dashboard_token},
            )
        )
    return specs


def child_env(options: RunOptions) -> dict[str, str]:
    """Variables every child gets on top of the supervisor's own environment.

    The game settings (`shared.settings.GameSettings`: the ROM or the demo's world and the symbol
    file here, and any `CRL_GOAL`, `CRL_EPISODE_STEPS`, `CRL_REWARDS__*` of the user's environment,
    passed on as they are) go to every child, not as one service's flags: the learner's evaluations
    must play the game the emulators play.
    """
    env = {
        "CRL_REDIS_URL": options.redis_url,
        "CRL_DATA_DIR": str(options.data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    if options.rom is not None:
        env["CRL_ROM"] = str(options.rom.resolve())
    if options.world is not None:
        env["CRL_WORLD"] = options.world
    if options.symbols is not None:
        env["CRL_SYMBOLS"] = str(options.symbols.resolve())
    return env


def dashboard_url(options: RunOptions) -> str:
    host = "127.0.0.1" if options.web_host in ("0.0.0.0", "::") else options.web_host
    return f"http://{host}:{options.web_port}/?token={options.dashboard_token}"
