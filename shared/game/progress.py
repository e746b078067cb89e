"""The facts of a step: what the game says happened between two states, whatever anything is worth.

Rewards weigh these facts (`rewards`), plan triggers and milestone saves read them, and the
anti-stuck rule asks whether any of them is progress. Keeping them apart from the weights
means a weight of 0 changes what a step is worth, never what the system notices.

A value that moves implausibly between two steps (a badge count jumping by several, money
changing by more than the game allows in one step, levels leaping) is a bad read, not
progress: it is logged and not counted.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.buttons import DPAD, Button
from shared.game.ram_map import MAX_MONEY
from shared.game.state import GameState

log = logging.getLogger(__name__)

MAX_MONEY_STEP = 100_000
"""More money than this in one step is a misread (the demo pays at most a few thousand)."""
MAX_LEVEL_STEP = 10
MAX_BADGE_STEP = 1
MAX_EVENT_FLAGS_STEP = 32
"""More story flags than this set in one step is a misread: the demo's chapter sets at most 3 at once; a crashed
game's RAM once paid 381 in one step."""
MAX_POKEDEX_STEP = 4
"""More Pokédex entries than this in one step is a misread: one battle shows one species, a catch adds one."""

Tile = tuple[int, int, int, int]
"""(map group, map number, x, y)."""


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What one step did. Counts are gains (never negative); the two rule flags say what the rules did."""

    new_tile: bool = False
    """The player stands on a tile not stood on before in this episode."""
    new_map: bool = False
    """The player entered a map not entered before in this episode."""
    first_pokemon: bool = False
    badges: int = 0
    """Badges gained."""
    levels: int = 0
    """Party levels gained (a new member's levels are not gained levels)."""
    money: int = 0
    """Money gained (losses are not counted)."""
    event_flags: int = 0
    """Story event flags newly set."""
    pokedex_seen: int = 0
    pokedex_caught: int = 0
    battle_started: bool = False
    battle_won: bool = False
    """A battle ended with the enemy at 0 HP (or fainted: the party gained experience)."""
    new_battle_won: bool = False
    """The first battle won on this map in the episode: what the reward pays for. A battle won again and
    again on one patch of grass is grinding, not progress (an agent paid for every win learned to stay in
    the grass: 87 wins in one 1,000-step episode, worth 17 badges); levels still pay for the experience."""
    intervention: bool = False
    """The anti-stuck rule replaced the chosen button."""
    forbidden: bool = False
    """The chosen button was forbidden and replaced."""
    idle_press: bool = False
    """A press that changed nothing (`idle_press`). In the overworld, free to walk before and after: the player on
    the same tile, facing the same way, nothing opened; a direction into a wall or a person, A facing nothing, B,
    SELECT. Greedy policies ended their episodes so: UP into a house's wall for 1,800 steps. In a menu: the same
    boxes open and the same screen; RIGHT in a one-column menu (one policy pressed it in ELM's lab for 4,961
    steps)."""

    @property
    def progressed(self) -> bool:
        """Anything that moves the game on: what the anti-stuck rule waits for."""
        return bool(
            self.new_tile
            or self.new_map
            or self.first_pokemon
            or self.badges
            or self.levels
            or self.money
            or self.event_flags
            or self.pokedex_seen
            or self.pokedex_caught
            or self.battle_won
        )

    @property
    def milestone(self) -> str | None:
        """The most important milestone of the step (worth a save state and an event), if any."""
        if self.badges:
            return "badge"
        if self.first_pokemon:
            return "first_pokemon"
        if self.new_map:
            return "new_map"
        return None


@dataclass
class Explored:
    """What the episode has seen: tiles, maps, maps with a battle won."""

    tiles: set[Tile] = field(default_factory=set)
    maps: set[tuple[int, int]] = field(default_factory=set)
    battles_won: set[tuple[int, int]] = field(default_factory=set)
    """Maps where a battle was won."""

    def around(self, state: GameState) -> tuple[bool, bool, bool, bool]:
        """Whether the tiles up, down, left and right of where `state` stands were stood on in this episode.

        The reward pays each new tile once an episode, so a step's worth hangs on what the episode has walked,
        which a screen does not show: without these four bits (in the state features) the step back to where the
        player came from looks like the step it paid for."""
        group, number, x, y = state.map_group, state.map_number, state.x, state.y
        tiles = self.tiles
        return (
            (group, number, x, y - 1) in tiles,
            (group, number, x, y + 1) in tiles,
            (group, number, x - 1, y) in tiles,
            (group, number, x + 1, y) in tiles,
        )

    def clear(self) -> None:
        self.tiles.clear()
        self.maps.clear()
        self.battles_won.clear()

    def copy(self) -> "Explored":
        """Its sets copied (tens of µs): a save takes this on the step loop and writes `to_stats` on its thread."""
        return Explored(set(self.tiles), set(self.maps), set(self.battles_won))

    def to_stats(self) -> dict[str, list[list[int]]]:
        """As JSON lists, for a save state's stats: a restart inside an episode must not pay for any of it again."""
        return {
            "tiles": [list(tile) for tile in sorted(self.tiles)],
            "maps": [list(m) for m in sorted(self.maps)],
            "battles_won": [list(m) for m in sorted(self.battles_won)],
        }

    def restore(self, stats: Mapping[str, Any]) -> None:
        """Add what a save state's stats say was explored (`to_stats`); a key a save of older code lacks is empty."""
        self.tiles.update((g, n, x, y) for g, n, x, y in stats.get("tiles", []))
        self.maps.update((g, n) for g, n in stats.get("maps", []))
        self.battles_won.update((g, n) for g, n in stats.get("battles_won", []))


class Progress:
    """Turns two consecutive states (and what the rules did) into the step's facts; remembers what was explored."""

    def __init__(self) -> None:
        self.explored = Explored()

    def start(self, state: GameState) -> None:
        """A new episode (or a loaded state): forget what was explored; where the player stands is not new."""
        self.explored.clear()
        self.explored.tiles.add((*state.map_id, state.x, state.y))
        self.explored.maps.add(state.map_id)

    def step(
        self,
        before: GameState,
        after: GameState,
        intervention: bool = False,
        forbidden: bool = False,
        button: Button | None = None,
        screens: tuple[bytes, bytes] | None = None,
    ) -> StepFacts:
        """`button`: what was pressed (None: unknown, never an idle press); `screens`: the screen before the press and
        after it (what tells an idle press in a menu, `idle_press`; None: unknown, never one there)."""
        explored = self.explored
        tile = (after.map_group, after.map_number, after.x, after.y)
        new_tile = tile not in explored.tiles
        if new_tile:
            explored.tiles.add(tile)
        new_map = after.map_id not in explored.maps
        if new_map:
            explored.maps.add(after.map_id)
        same_party = after.party_count == before.party_count
        in_battle, was_in_battle = after.battle.active, before.battle.active
        battle_won = was_in_battle and not in_battle and (before.battle.enemy_hp == 0 or _enemy_fainted(before, after))
        new_battle_won = battle_won and before.map_id not in explored.battles_won
        if new_battle_won:
            explored.battles_won.add(before.map_id)
        return StepFacts(
            new_tile=new_tile,
            new_map=new_map,
            first_pokemon=before.party_count == 0 and after.party_count > 0,
            badges=_plausible("badge", after.badge_count - before.badge_count, MAX_BADGE_STEP),
            levels=_plausible("level", after.party_levels - before.party_levels, MAX_LEVEL_STEP) if same_party else 0,
            money=_money(before, after),
            event_flags=_plausible("event flags", after.event_flags - before.event_flags, MAX_EVENT_FLAGS_STEP),
            pokedex_seen=_plausible("pokedex seen", after.pokedex_seen - before.pokedex_seen, MAX_POKEDEX_STEP),
            pokedex_caught=_plausible("pokedex caught", after.pokedex_caught - before.pokedex_caught, MAX_POKEDEX_STEP),
            battle_started=in_battle and not was_in_battle,
            battle_won=battle_won,
            new_battle_won=new_battle_won,
            intervention=intervention,
            forbidden=forbidden,
            idle_press=button is not None and idle_press(before, after, button, screens),
        )


def idle_press(before: GameState, after: GameState, button: Button, screens: tuple[bytes, bytes] | None = None) -> bool:
    """`button` changed nothing. In the overworld (free to walk before and after): same map, tile and facing (for a
    direction, the one already faced: one not yet faced turns the player, which is a change); a direction so is a
    blocked way. In a menu: the same boxes open and nothing on the screen changed (`screens`: before and after the
    press; compared only here, so no other step pays for it), as RIGHT in a one-column menu; the screen is asked
    because the cursor lives in RAM the state does not read. A text box, a script or a battle outside a menu keeps
    its own pace: a press there is never idle (the walkthrough's A in a battle left the screen as it was 59 times in
    1,636 presses, each time before the game read it: pressed again, it went on)."""
    if (after.map_id, after.x, after.y, after.facing) != (before.map_id, before.x, before.y, before.facing):
        return False
    if before.menu_open:
        boxes = (after.menu_open, after.text_open, after.battle.mode)
        same_boxes = boxes == (before.menu_open, before.text_open, before.battle.mode)
        return same_boxes and screens is not None and screens[0] == screens[1]
    if before.busy or after.busy or after.battle.active:
        return False
    return button not in DPAD or after.facing == button.value


def _enemy_fainted(before: GameState, after: GameState) -> bool:
    """The battle ended and the party gained experience: the enemy fainted (running away gives none)."""
    gained = sum(m.exp for m in after.party) - sum(m.exp for m in before.party)
    return gained > 0 and after.party_count == before.party_count


def _money(before: GameState, after: GameState) -> int:
    if after.money == before.money:
        return 0
    if after.money > MAX_MONEY:
        log.warning("money reads %d, above the game's maximum %d: not counted", after.money, MAX_MONEY)
        return 0
    return _plausible("money", after.money - before.money, MAX_MONEY_STEP)


def _plausible(name: str, delta: int, limit: int) -> int:
    if delta <= 0:
        return 0
    if delta > limit:
        log.warning("%s moved by %d in one step (limit %d): a misread, not counted", name, delta, limit)
        return 0
    return delta
