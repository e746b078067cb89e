"""`python -m services.dqn_learner`: settings from flags and `CRL_*`, logging, then the service until SIGTERM."""

from services.dqn_learner.app import main

if __name__ == "__main__":
    main()
