"""The game profile: Pokémon Crystal's RAM layout and the reader that turns RAM into a `GameState`."""
