"""`python -m services.emulator`: wires settings, logging, PyBoy and Redis, then runs the step loop."""

from services.emulator.app import main

if __name__ == "__main__":
    main()
