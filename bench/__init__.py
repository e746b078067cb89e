"""`make bench`: the system's speed as ratios to the bare emulator, measured in one run."""
