"""`python -m services.llm_planner`: settings from `CRL_*` and flags, logging, then the service loop."""

import asyncio
import logging
from collections.abc import Sequence

from services.llm_planner.service import run
from services.llm_planner.settings import PlannerSettings
from shared.errors import CrystalRLError
from shared.logs import configure_logging
from shared.settings import settings_from_cli

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> None:
    settings = settings_from_cli(PlannerSettings, argv, prog="python -m services.llm_planner")
    configure_logging(settings.log_level)
    try:
        asyncio.run(run(settings))
    except CrystalRLError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
