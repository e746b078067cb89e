"""What an episode did, summed step by step: the record the `episodes` stream, eval and the benchmark share
(`shared.messages.Episode.of_record` makes the stream's message of it).

The emulator service, `crystal-rl eval` and the learning benchmark all play episodes of the
game core; they all describe a finished one the same way, so a curve of training episodes,
greedy evaluations and another library's agent can be drawn on one plot.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.buttons import BUTTON_INDEX, Button
from shared.game.state import GameState

if TYPE_CHECKING:
    from shared.game.core import Step

MILESTONES: tuple[str, ...] = ("first_pokemon", "new_map", "battle_won", "badge")
"""The milestones every record tracks; a map entered adds `map:{name}` besides."""
ANTI_STUCK = "anti_stuck"
"""The source of a button the anti-stuck rule pressed, whoever had chosen another (its own share, apart from the
rule-based policy's `rules`: how much the rule plays is a figure of its own)."""


Situation = Literal["overworld", "text", "menu", "battle", "script"]
"""What the player faces: a battle, a menu, a text box, a cut-scene, or the map to walk (`episode.situation`)."""


class Stall(BaseModel):
    """The longest run of an episode's steps without progress, and where its last step left the player: what a
    policy that stops moving on was doing (a press a text box ignores, a wall walked into, a menu it cannot leave)."""

    model_config = ConfigDict(frozen=True)

    steps: int = Field(ge=1)
    map: str
    x: int
    y: int
    situation: Situation
    button: Button
    """The last press of the run."""

    def where(self) -> str:
        """What it was doing and where, in a few words (`text, Route 30 12,5, last press up`): the one wording of
        `crystal-rl eval` and the learning report."""
        return f"{self.situation}, {self.map} {self.x},{self.y}, last press {self.button}"


@dataclass
class EpisodeRecord:
    """One episode in progress: `add` each step, read the totals at the end."""

    start_state: str = "start"
    """Where the episode began: `start`, `archive:{cell}` or a save state's name."""
    seed: int | None = None
    """The seed its start was seeded with (the core's `seed`), None for a start as given."""
    steps: int = 0
    total_reward: float = 0.0
    components: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    milestones: dict[str, int] = field(default_factory=dict)
    """Milestone → the episode step (1-based) at which it first happened; besides `MILESTONES`, `map:NAME` for each
    map entered and `story:N` when N story flags were first set (a map entered again is no milestone, so a story
    step made where the episode had been shows only here)."""
    sources: Counter[str] = field(default_factory=Counter)
    """Who chose the buttons: `dqn`, `llm`, `rules`, `dashboard`, `random`, ..., and `anti_stuck` for the presses
    of the anti-stuck rule."""
    anti_stuck: int = 0
    """Presses the anti-stuck rule made."""
    buttons: bytearray = field(default_factory=bytearray)
    """Every button played, one byte a step (its index in `BUTTONS`): the trajectory's `fingerprint`."""
    furthest_map: str = ""
    max_badges: int = 0
    max_level: int = 0
    stall_steps: int = 0
    """The longest run of steps without progress (`StepFacts.progressed`): a policy that stops moving on shows
    here, with `stall_at`, where and how."""
    stall_at: tuple[GameState, Button] | None = None
    """The state that run's last step left and its press: kept as they are while the episode is played (the longest
    run grows with every step of a policy that is stuck) and described once, by `stall()`."""
    _run: int = field(default=0, repr=False, compare=False)
    """Steps without progress up to this one (an idle press is another thing: `StepFacts.idle_press`)."""
    _party: tuple[object, ...] | None = field(default=None, repr=False, compare=False)
    """The party `max_level` was last taken from."""

    def add(self, step: "Step", source: str) -> None:
        self.steps += 1
        self.total_reward += step.reward
        for name, value in step.breakdown.items():
            self.components[name] += value
        facts = step.facts
        if facts.intervention:
            self.anti_stuck += 1
            source = ANTI_STUCK
        self.sources[source] += 1
        self.buttons.append(BUTTON_INDEX[step.button])
        state = step.view.state
        if facts.progressed:
            self._run = 0
        else:
            self._run += 1
            if self._run > self.stall_steps:
                self.stall_steps = self._run
                self.stall_at = (state, step.button)
        if facts.first_pokemon or facts.new_map or facts.battle_won or facts.badges:  # most steps: none
            for name in MILESTONES:
                happened = facts.badges > 0 if name == "badge" else getattr(facts, name)
                if happened and name not in self.milestones:
                    self.milestones[name] = self.steps
            if facts.new_map:
                self.milestones.setdefault(f"map:{_map_name(state)}", self.steps)
                self.furthest_map = _map_name(state)
            self.max_badges = max(self.max_badges, state.badge_count)
        if facts.event_flags:
            self.milestones.setdefault(f"story:{state.event_flags}", self.steps)
        if state.party is not self._party:  # the reader hands the same tuple while the party's bytes stay
            self._party = state.party
            self.max_level = max(self.max_level, max((m.level for m in state.party), default=0))

    def begin(self, state: GameState) -> None:
        """Where the episode starts counts as reached (its map, its badges), not as progress made."""
        self.furthest_map = self.furthest_map or _map_name(state)
        self.max_badges = max(self.max_badges, state.badge_count)
        self.max_level = max(self.max_level, max((m.level for m in state.party), default=0))

    def fingerprint(self) -> str:
        """A hash of the buttons played: two episodes with one fingerprint played the same game (the demo has no
        chance, so a deterministic policy from one start replays one trajectory however often it is run)."""
        return hashlib.blake2b(bytes(self.buttons), digest_size=8).hexdigest()

    def stall(self) -> Stall | None:
        """The longest run of steps without progress and where it ended; None when every step made some."""
        if self.stall_at is None:
            return None
        state, button = self.stall_at
        return Stall(steps=self.stall_steps, map=_map_name(state), x=state.x, y=state.y, situation=situation(state),
                     button=button)  # fmt: skip

    def source_shares(self) -> dict[str, float]:
        total = sum(self.sources.values())
        return {name: count / total for name, count in sorted(self.sources.items())} if total else {}


def situation(state: GameState) -> Situation:
    """What the player faces: `battle`, `menu`, `text` (a text box), `script` (a cut-scene) or `overworld`."""
    if state.battle.active:
        return "battle"
    if state.menu_open:
        return "menu"
    if state.text_open:  # with no menu and no battle: `state.text_box`
        return "text"
    return "script" if state.script_running else "overworld"


def _map_name(state: GameState) -> str:
    return state.map_name or f"{state.map_group}:{state.map_number}"
