"""Logging set-up, called once by each entry point (never at import time)."""

import logging


def configure_logging(level: str = "INFO") -> None:
    """One line per record on stderr, with the logger name so a service's modules can be told apart."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
