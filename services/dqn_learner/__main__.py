"""`python -m services.dqn_learner`: settings from flags and `CRL_*`, logging, then the service until SIGTERM."""

import asyncio
import logging

from services.dqn_learner.service import serve
from services.dqn_learner.settings import LearnerSettings
from shared.errors import CrystalRLError
from shared.logs import configure_logging
from shared.settings import settings_from_cli

log = logging.getLogger("services.dqn_learner")


def main(argv: list[str] | None = None) -> None:
    settings = settings_from_cli(LearnerSettings, argv, prog="python -m services.dqn_learner")
    configure_logging(settings.log_level)
    try:
        asyncio.run(serve(settings))
    except CrystalRLError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
