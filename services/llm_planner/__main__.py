"""`python -m services.llm_planner`: settings from `CRL_*` and flags, logging, then the service loop."""

from services.llm_planner.app import main

if __name__ == "__main__":
    main()
