"""How far a demo world's chapter goes without learning, and whether its chance is the game's own
(`make bench ARGS="--only world_play"`, never in the default run: its figures are the game's, not speed).

Through the game core (the project's step and its rules), from seeds `first_seed`.. on:

- the world's walkthrough policy, one game a seed: the presses to each milestone and to the badge;
- random buttons over the learner's seven (no SELECT; uniform over those the rules allow now, as the
  learner explores), `episodes` episodes of `steps` steps: the furthest milestone of each;
- the rule-based fallback alone (`GameCore.step(None)`), the same;
- chance: the walkthrough's first 1,000 presses from seeds 1, 2 and 1 again: the wild encounters met, and
  a digest of every step's screen and state (one seed twice: the same game frame for frame; two seeds:
  different encounters).

The README's Johto figures come from a run of this suite and of `crystal-rl walkthrough`.
"""

import random
from collections import Counter
from typing import Any

from cartridge.worlds import DEFAULT_WORLD
from crystal_rl.playthrough import CHAPTERS, Chapter, Chooser, Played, play
from shared.buttons import BUTTONS, Button, parse_buttons
from shared.game.config import GameConfig
from shared.game.core import GameCore

LEARNERS_BUTTONS: tuple[Button, ...] = parse_buttons("no_select")
CHANCE_PRESSES = 1_000
"""Enough for the rival's battle and several wild ones: where two seeds differ and one seed must not."""


def random_buttons(seed: int) -> Chooser:
    """A uniform choice among the learner's buttons the rules allow now, reproducible from `seed`."""
    rng = random.Random(seed)

    def choose(core: GameCore) -> Button:
        legal = [button for button, ok in zip(BUTTONS, core.legal(), strict=True) if ok]
        return rng.choice([button for button in legal if button in LEARNERS_BUTTONS] or legal)

    return choose


def _summary(chapter: Chapter, games: list[Played]) -> dict[str, Any]:
    """How many games reached each milestone, and how many stopped at each as their furthest."""
    return {
        "episodes": len(games),
        "reached": {name: sum(name in g.milestones for g in games) for name in chapter.names},
        "furthest": dict(Counter(g.furthest or "none" for g in games)),
        "badges": sum(g.badge is not None for g in games),
        "wild_battles": sum(g.wild_battles for g in games),
        "trainer_battles": sum(g.trainer_battles for g in games),
        "interventions": sum(g.interventions for g in games),
    }


def run(
    world: str = DEFAULT_WORLD,
    episodes: int = 10,
    steps: int = 5_000,
    first_seed: int = 1,
    chance_presses: int = CHANCE_PRESSES,
    progress: Any = print,
) -> dict[str, Any]:
    """Every player's games from seeds `first_seed`.., then the chance check; the JSON keeps each game."""
    chapter = CHAPTERS[world]()
    core = GameCore.start(GameConfig(world=world, episode_steps=0), boot_cache=None)
    seeds = range(first_seed, first_seed + episodes)
    results: dict[str, Any] = {"world": world, "rom": core.machine.rom.describe(), "steps": steps, "seeds": list(seeds)}
    try:
        players: dict[str, tuple[bool, Any]] = {
            "walkthrough": (True, lambda seed: chapter.walkthrough()),
            "random": (False, random_buttons),
            "fallback": (False, lambda seed: lambda core: None),
        }
        for name, (until_badge, chooser) in players.items():
            games = []
            for seed in seeds:
                game = play(core, chapter, chooser(seed), seed, steps, until_badge=until_badge)
                games.append(game)
                progress(f"{name} seed {seed}: furthest {game.furthest}, {game.steps} steps, {game.wall_s:.0f} s")
            results[name] = {
                "summary": _summary(chapter, games),
                "games": [g.model_dump(mode="json") for g in games],
            }
        chance = [
            play(core, chapter, chapter.walkthrough(), seed, chance_presses, until_badge=False) for seed in (1, 2, 1)
        ]
    finally:
        core.close()
    first, other, again = chance
    results["chance"] = {
        "presses": chance_presses,
        "encounters": {"seed 1": first.encounters, "seed 2": other.encounters, "seed 1 again": again.encounters},
        "two_seeds_differ": first.encounters != other.encounters,
        "one_seed_twice_identical": (first.digest, first.encounters) == (again.digest, again.encounters),
    }
    return results
