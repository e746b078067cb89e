"""The game: read, play and score it, with no Redis and no asyncio.

- `ram_map`, `reader`, `state`, `maps`: Pokémon Crystal's RAM, read into a typed `GameState`.
- `machine`: PyBoy and the step (press, hold, release, wait, render), the small screen, save states as bytes.
- `progress`: the facts of a step (new tile, new map, badge, ...), apart from what they are worth.
- `rewards`: the facts weighed into a reward.
- `rules`: the rules that always win (forbidden buttons, anti-stuck); `fallback`: the rule-based policy.
- `features`: the state as the vector of numbers a network sees beside the screen.
- `core`: all of it as one game with episodes: what the emulator service and the Gymnasium env both play.
"""
