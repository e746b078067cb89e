"""What every crystal-rl service shares: message models, key names, settings, the game profile."""
