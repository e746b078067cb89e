"""The emulator service: owns the PyBoy instance, the game clock and the final say on every button."""
