"""The reward of one step: small named components, each a pure function of (before, after).

Weights live in settings (`RewardWeights`). A value that moves implausibly between two
steps (a badge count jumping by several, money changing by more than the game allows in
one step, levels leaping) is a bad read, not progress: it is logged and not rewarded.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from shared.game.ram_map import MAX_MONEY
from shared.game.state import GameState

log = logging.getLogger(__name__)


class RewardWeights(BaseModel):
    """Weight of each reward component (0 turns one off)."""

    new_tile: float = 0.02
    """Each map tile stood on for the first time."""
    new_map: float = 1.0
    """Each map entered for the first time."""
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
    """A battle that ended with the enemy at 0 HP."""
    stuck: float = -0.5
    """The anti-stuck rule had to intervene."""
    forbidden: float = -0.1
    """A forbidden button was chosen (and replaced)."""


MAX_MONEY_STEP = 100_000
"""More money than this in one step is a misread (the demo pays at most a few thousand)."""
MAX_LEVEL_STEP = 10
MAX_BADGE_STEP = 1


@dataclass
class Explored:
    """What the run has seen: tiles per map, maps. Lives as long as the episode."""

    tiles: set[tuple[int, int, int, int]] = field(default_factory=set)
    maps: set[tuple[int, int]] = field(default_factory=set)


@dataclass(frozen=True)
class StepFacts:
    """What happened in the step besides RAM: the rules' decisions."""

    intervention: bool = False
    forbidden: bool = False


Component = Callable[[GameState, GameState, Explored, StepFacts], float]


def new_tile(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    tile = (*after.map_id, after.x, after.y)
    if tile in explored.tiles:
        return 0.0
    explored.tiles.add(tile)
    return 1.0


def new_map(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    if after.map_id in explored.maps:
        return 0.0
    explored.maps.add(after.map_id)
    return 1.0


def badge(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    gained = after.badge_count - before.badge_count
    return _plausible("badge", gained, MAX_BADGE_STEP)


def level(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    if after.party_count != before.party_count:
        return 0.0  # a new member's levels are not levels gained
    return _plausible("level", after.party_levels - before.party_levels, MAX_LEVEL_STEP)


def first_pokemon(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return 1.0 if before.party_count == 0 and after.party_count > 0 else 0.0


def money(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    if after.money > MAX_MONEY:
        log.warning("money reads %d, above the game's maximum %d: not rewarded", after.money, MAX_MONEY)
        return 0.0
    return _plausible("money", after.money - before.money, MAX_MONEY_STEP)


def event_flag(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return float(max(0, after.event_flags - before.event_flags))


def pokedex_seen(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return float(max(0, after.pokedex_seen - before.pokedex_seen))


def pokedex_caught(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return float(max(0, after.pokedex_caught - before.pokedex_caught))


def battle_won(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    if not (before.battle.active and not after.battle.active):
        return 0.0
    return 1.0 if before.battle.enemy_hp == 0 or _enemy_fainted(before, after) else 0.0


def _enemy_fainted(before: GameState, after: GameState) -> bool:
    """The battle ended and the party gained experience: the enemy fainted (running away gives none)."""
    gained = sum(m.exp for m in after.party) - sum(m.exp for m in before.party)
    return gained > 0 and after.party_count == before.party_count


def stuck(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return 1.0 if facts.intervention else 0.0


def forbidden(before: GameState, after: GameState, explored: Explored, facts: StepFacts) -> float:
    return 1.0 if facts.forbidden else 0.0


COMPONENTS: dict[str, Component] = {
    "new_tile": new_tile,
    "new_map": new_map,
    "badge": badge,
    "level": level,
    "first_pokemon": first_pokemon,
    "money": money,
    "event_flag": event_flag,
    "pokedex_seen": pokedex_seen,
    "pokedex_caught": pokedex_caught,
    "battle_won": battle_won,
    "stuck": stuck,
    "forbidden": forbidden,
}


def _plausible(name: str, delta: int, limit: int) -> float:
    if delta <= 0:
        return 0.0
    if delta > limit:
        log.warning("%s moved by %d in one step (limit %d): a misread, not rewarded", name, delta, limit)
        return 0.0
    return float(delta)


class RewardCalculator:
    """Applies every component with its weight; the breakdown holds only the non-zero ones."""

    def __init__(self, weights: RewardWeights) -> None:
        self.weights = weights
        self.explored = Explored()
        # exploration records what it saw whatever its weight; the others are left out at weight 0
        self._weighted = [
            (name, component, getattr(weights, name))
            for name, component in COMPONENTS.items()
            if getattr(weights, name) or name in ("new_tile", "new_map")
        ]

    def start(self, state: GameState) -> None:
        """The first state of a run: where the player stands is not an exploration reward."""
        new_tile(state, state, self.explored, StepFacts())
        new_map(state, state, self.explored, StepFacts())

    def __call__(self, before: GameState, after: GameState, facts: StepFacts) -> tuple[float, dict[str, float]]:
        breakdown: dict[str, float] = {}
        for name, component, weight in self._weighted:
            value = component(before, after, self.explored, facts) * weight
            if value:
                breakdown[name] = value
        return sum(breakdown.values()), breakdown
