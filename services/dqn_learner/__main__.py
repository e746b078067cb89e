"""`python -m services.dqn_learner`: settings from flags and `CRL_*`, logging, then the service until SIGTERM."""

from collections.abc import Sequence

from services.dqn_learner.service import serve
from services.dqn_learner.settings import LearnerSettings
from shared.entrypoint import run_service


def main(argv: Sequence[str] | None = None) -> None:
    run_service(LearnerSettings, serve, "python -m services.dqn_learner", argv)


if __name__ == "__main__":
    main()
