"""`python -m services.dashboard`: settings from flags and `CRL_*`, then the server."""

from services.dashboard.app import main

if __name__ == "__main__":
    main()
