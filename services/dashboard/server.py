"""Running the app: settings from flags and `CRL_*`, logging, uvicorn; SIGTERM ends it cleanly (exit 0)."""

import logging
import signal
from types import FrameType

import uvicorn

from services.dashboard.main import create_app
from services.dashboard.settings import DashboardSettings
from shared.logs import configure_logging
from shared.settings import settings_from_cli

log = logging.getLogger(__name__)


def _stopped(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises the signal that stopped it once it is done; by then there is nothing left to do."""
    log.info("dashboard stopped (%s)", signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> None:
    settings = settings_from_cli(DashboardSettings, argv, prog="python -m services.dashboard")
    configure_logging(settings.log_level)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace,
        lifespan="on",
    )
    log.info(
        "dashboard on http://%s:%d/ (controls %s)",
        settings.host,
        settings.port,
        "need the token" if settings.dashboard_token else "disabled: no CRL_DASHBOARD_TOKEN",
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    uvicorn.Server(config).run()
