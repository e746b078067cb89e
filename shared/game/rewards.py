"""The reward of one step: the step's facts, each weighed by a setting.

Every component is a fact of `progress.StepFacts` times its weight; nothing here reads RAM
or remembers anything, so the same facts always give the same reward, and a weight of 0
turns a component off without hiding the fact from triggers and milestones.
"""

from pydantic import BaseModel

from shared.game.progress import StepFacts


class RewardWeights(BaseModel):
    """Weight of each reward component (0 turns one off)."""

    new_tile: float = 0.02
    """Each map tile stood on for the first time in the episode."""
    new_map: float = 1.0
    """Each map entered for the first time in the episode."""
    badge: float = 10.0
    """Each badge gained."""
    level: float = 1.0
    """Each party level gained."""
    first_pokemon: float = 5.0
    """The first Pokémon in the party."""
    money: float = 0.001
    """Each unit of money gained (losses are not punished)."""
    event_flag: float = 0.5
    """Each story event flag newly set."""
    pokedex_seen: float = 0.2
    pokedex_caught: float = 1.0
    battle_won: float = 2.0
    """The first battle won on each map in the episode (the enemy at 0 HP); more wins there pay only
    through the levels they bring."""
    stuck: float = -0.5
    """The anti-stuck rule had to intervene."""
    forbidden: float = -0.1
    """A forbidden button was chosen (and replaced)."""
    idle_press: float = 0.0
    """A press in the overworld that changed nothing (a wall, a person, A facing nothing): off by default until a
    learning run shows it helps (the bench's `*_idle` arms put it on)."""


COMPONENTS: dict[str, str] = {
    "new_tile": "new_tile",
    "new_map": "new_map",
    "badge": "badges",
    "level": "levels",
    "first_pokemon": "first_pokemon",
    "money": "money",
    "event_flag": "event_flags",
    "pokedex_seen": "pokedex_seen",
    "pokedex_caught": "pokedex_caught",
    "battle_won": "new_battle_won",
    "stuck": "intervention",
    "forbidden": "forbidden",
    "idle_press": "idle_press",
}
"""Reward component → the fact it weighs (a flag counts as 1)."""


class Scorer:
    """The weighted sum of a step's facts; the breakdown holds only the non-zero components."""

    def __init__(self, weights: RewardWeights) -> None:
        self.weights = weights
        self._weighted = tuple(
            (name, fact, weight) for name, fact in COMPONENTS.items() if (weight := getattr(weights, name))
        )

    def __call__(self, facts: StepFacts) -> tuple[float, dict[str, float]]:
        breakdown: dict[str, float] = {}
        for name, fact, weight in self._weighted:
            value = getattr(facts, fact)
            if value:
                breakdown[name] = value * weight
        return sum(breakdown.values()), breakdown
