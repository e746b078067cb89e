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
from shared.settings import CommonSettings, settings_from_cli

S = TypeVar("S", bound=CommonSettings)
log = logging.getLogger(__name__)


def run_service(
    settings_cls: type[S], serve: Callable[[S], Awaitable[None]], prog: str, argv: Sequence[str] | None = None
) -> None:
    """Run `serve(settings)` until it returns; an intended error ends the process with one line and exit 2."""
    settings = settings_from_cli(settings_cls, argv, prog=prog)
    configure_logging(settings.log_level)
    try:
        uvloop.run(serve(settings))
    except CrystalRLError as exc:
        logging.getLogger(prog.rsplit(" ", 1)[-1]).error("%s", exc)
        raise SystemExit(2) from None
