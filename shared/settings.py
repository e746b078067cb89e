"""The settings base every service extends: one pydantic-settings object per service.

Every field reads from the environment with the `CRL_` prefix (`CRL_REDIS_URL`, ...), and
the CLI flags map onto the same fields, so a value has one name everywhere.
"""

import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError, field_serializer, field_validator, model_validator
from pydantic_settings import BaseSettings, CliApp, CliSettingsSource, SettingsConfigDict, SettingsError

from shared.game.config import GameConfig
from shared.keys import DEFAULT_PREFIX, Keys
from shared.redis_url import check_url, redact, with_password


def default_instance() -> str:
    """Instance id unique per host and process, so scaled-out replicas never collide."""
    return f"{socket.gethostname()}-{os.getpid()}"


class CommonSettings(BaseSettings):
    """Settings every service has."""

    model_config = SettingsConfigDict(
        env_prefix="CRL_",
        env_nested_delimiter="__",  # nested settings by name: CRL_REWARDS__BADGE=20
        extra="ignore",
        use_attribute_docstrings=True,
        cli_kebab_case=True,
        cli_implicit_flags=True,
    )

    redis_url: str = Field("redis://127.0.0.1:6379/0", repr=False)
    """Where Redis is: redis://[:PASSWORD@]HOST:PORT/DB, rediss://... for TLS (a private CA with
    ?ssl_ca_certs=/path/ca.crt). The CLI starts a local server when nothing answers at the default.
    Shown anywhere only without its password (`shared.redis_url.redact`)."""

    redis_password: SecretStr | None = None
    """Redis's password when the URL carries none (CRL_REDIS_PASSWORD; keeps it out of the URL you type)."""

    key_prefix: str = DEFAULT_PREFIX
    """Prefix of every key and stream; two runs with different prefixes can share one Redis."""

    data_dir: Path = Path("data")
    """One directory for everything a run writes: save states, checkpoints, stats, screens."""

    instance: str = Field(default_factory=default_instance)
    """This process's id in heartbeats and consumer groups (host name and pid by default)."""

    log_level: str = "INFO"
    """Python logging level name for the service."""

    @field_validator("key_prefix")
    @classmethod
    def _prefix_ends_with_colon(cls, value: str) -> str:
        if not value or not value.endswith(":"):
            raise ValueError(f"key_prefix must be non-empty and end with ':' (got {value!r}), e.g. 'crl:'")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url_scheme(cls, value: str) -> str:
        return check_url(value)

    @model_validator(mode="after")
    def _password_into_url(self) -> "CommonSettings":
        """Every client is built from `redis_url`: CRL_REDIS_PASSWORD goes into it (a password in the URL wins)."""
        if self.redis_password is not None:
            self.redis_url = with_password(self.redis_url, self.redis_password.get_secret_value())
        return self

    @field_serializer("redis_url")
    def _redis_url_shown(self, value: str) -> str:
        """Dumps (the learner's hyperparameters in stats.json and TensorBoard) carry the URL without its password."""
        return redact(value)

    @property
    def keys(self) -> Keys:
        return Keys(self.key_prefix)


class GameSettings(CommonSettings, GameConfig):
    """The settings of a process that plays the game (an emulator, an evaluation): the game's own config
    (`CRL_ROM`, `CRL_GOAL`, `CRL_REWARDS__BADGE`, ...) beside the common settings.

    The emulator service, `crystal-rl eval` and the learner's evaluations read the same fields from
    the same variables, so a greedy evaluation plays exactly the game the agent trained on.
    """

    @property
    def game(self) -> GameConfig:
        """The game alone, what `GameCore.start` builds it from."""
        return GameConfig.model_validate({name: getattr(self, name) for name in GameConfig.model_fields})

    @property
    def boot_cache(self) -> Path:
        """Where the state after boot is cached: the run's data directory."""
        return self.data_dir / "boot"


S = TypeVar("S", bound=CommonSettings)


def settings_from_cli(cls: type[S], argv: Sequence[str] | None = None, prog: str | None = None) -> S:
    """Build a service's settings from `CRL_*` variables and its command-line flags (flags win).

    Every field is a flag (`--max-steps 5` for `max_steps`), with the field's docstring as help.
    A bad value exits with one line naming the setting, never a traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        source = CliSettingsSource(cls, cli_prog_name=prog or sys.argv[0])
        return CliApp.run(cls, cli_args=args, cli_settings_source=source)
    except ValidationError as exc:
        problems = "; ".join(_describe(e["loc"], e["msg"]) for e in exc.errors(include_url=False))
        raise SystemExit(f"error: invalid settings: {problems}") from None
    except SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None


def _describe(loc: tuple[int | str, ...], msg: str) -> str:
    flag = "--" + ".".join(str(part) for part in loc).replace("_", "-")
    return f"{flag}: {msg}" if loc else msg
