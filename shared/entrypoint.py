"""The one way a service starts: settings from flags and `CRL_*`, logging, the asyncio loop, clean errors.

The loop is uvloop's: every service spends most of its Python time in the loop's own
machinery (socket reads and writes, callbacks, timeouts), which uvloop does in C.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import uvloop

from shared.errors import CrystalRLError
from shared.logs import configure_logging
from shared.redis_server import check_credentials
from shared.redis_url import redact
from shared.settings import CommonSettings, settings_from_cli

S = TypeVar("S", bound=CommonSettings)
log = logging.getLogger(__name__)


def run_service(
    settings_cls: type[S], serve: Callable[[S], Awaitable[None]], prog: str, argv: Sequence[str] | None = None
) -> None:
    """Run `serve(settings)` until it returns; an intended error ends the process with one line and exit 2.

    Redis refusing the credentials is such an error, found before the service starts: retrying would
    only repeat the refusal.
    """
    settings = settings_from_cli(settings_cls, argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        check_redis(settings.redis_url)
        uvloop.run(serve(settings))
    except CrystalRLError as exc:
        fail(prog, exc)


def check_redis(url: str) -> None:
    """Log which Redis this service uses (without its password); ConfigError when it refuses the credentials."""
    log.info("Redis at %s", redact(url))
    check_credentials(url)


def fail(prog: str, exc: CrystalRLError) -> None:
    """End a service that cannot start: one line naming what was wrong, exit 2 (the supervisor does not restart it)."""
    logging.getLogger(prog.rsplit(" ", 1)[-1]).error("%s", exc)
    raise SystemExit(2) from None
