"""`python -m services.llm_planner`: settings from `CRL_*` and flags, logging, then the service loop."""

from collections.abc import Sequence

from services.llm_planner.service import run
from services.llm_planner.settings import PlannerSettings
from shared.entrypoint import run_service


def main(argv: Sequence[str] | None = None) -> None:
    run_service(PlannerSettings, run, "python -m services.llm_planner", argv)


if __name__ == "__main__":
    main()
