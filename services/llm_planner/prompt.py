"""Prompts from a `PlanRequest`: the wording lives in `prompts/*.md`, this module only fills it in.

Templates use `string.Template` (`$name`) so the JSON braces in them need no escaping. A
template that names a placeholder this module does not fill fails at start, not mid-run.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Literal, NotRequired, TypedDict

from services.llm_planner.plan import AnswerLimits
from shared.buttons import Button
from shared.errors import ConfigError
from shared.game.names import move_name, species_name
from shared.game.navigation import side_of
from shared.game.state import GameState, PartyMon
from shared.game.textmap import LEGEND, TextMap
from shared.messages import HistoryItem, PlanOutcome, PlanRequest
from shared.notes import Notes

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).with_name("prompts")
TEMPLATE_NAMES = ("system", "user", "repair")
LIMITS = frozenset({"max_steps", "min_ttl", "max_ttl", "goal_chars", "note_chars", "max_notes"})
"""The answer's limits (`AnswerLimits`), which every template may name."""
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "system": LIMITS | {"legend"},
    "user": LIMITS
    | {
        "reason",
        "step",
        "state",
        "history",
        "previous_plan",
        "legal",
        "notes",
        "screen_text",
        "text_map",
        "standing",
        "situation",
        "places",
    },
    "repair": LIMITS | {"error", "legal"},
}


@dataclass(frozen=True)
class Profile:
    """How much a prompt says and an answer may hold, for a kind of model.

    `full` is for models of a few billion parameters and up. `small` is for models of a few hundred
    million on a CPU (SmolLM2-135M, the embedded model host's): its system turn is short and the same
    on every call (the server's prefix cache keeps it evaluated; only the user turn costs prompt time),
    the user turn leaves out the history and the map drawn cell by cell, and puts what changes seldom first (the
    legal buttons, the party, the map's places: the server's prefix cache keeps them too), and the answer is
    shorter: at most 4 buttons, a short goal and no notes (every token is written at about 14 ms on one core;
    SmolLM2-135M's notes were noise, and they cost tokens twice, written and read back on the next call).
    """

    templates: Path
    max_steps: int
    """Most buttons in a plan (every button is a few tokens to write)."""
    budget_tokens: int
    """Most tokens a prompt may take by `estimate_tokens` (the history shown is cut to fit)."""
    history_limit: int
    goal_chars: int
    note_chars: int
    max_notes: int
    steady_places: bool = False
    """List a map's exits in the map's order, without their side of the player: the same text wherever the player
    stands on a map, so the server's prefix cache keeps it (by distance, with sides, every step moves them)."""


PROFILES: dict[str, Profile] = {
    "full": Profile(
        BUNDLED_DIR, max_steps=8, budget_tokens=2000, history_limit=16, goal_chars=160, note_chars=120, max_notes=5
    ),
    "small": Profile(
        BUNDLED_DIR / "small",
        max_steps=4,
        budget_tokens=700,
        history_limit=0,
        goal_chars=24,
        note_chars=40,
        max_notes=0,
        steady_places=True,
    ),
}

REASONS: dict[str, str] = {
    "interval": "the regular check-in; the last plan has run its course.",
    "stuck": "the player has not made progress for a while; try something different from recent steps.",
    "new_map": "the player just entered a new map.",
    "battle_start": "a battle just started.",
    "first_pokemon": "the player just got their first Pokémon.",
    "manual": "someone watching asked for a new plan.",
}

BATTLE_MODES = {1: "wild", 2: "trainer"}


class ChatMessage(TypedDict):
    """One chat turn; each back end puts it in its API's shape."""

    role: Literal["system", "user", "assistant"]
    content: str
    images: NotRequired[tuple[bytes, ...]]
    """PNG pictures that go with the turn's text (the screen, for vision models)."""


@dataclass(frozen=True)
class Templates:
    system: Template
    user: Template
    repair: Template

    @classmethod
    def load(cls, directory: Path | None = None) -> "Templates":
        """Read `system.md`, `user.md`, `repair.md` from `directory` (the bundled ones by default)."""
        directory = directory or BUNDLED_DIR
        loaded: dict[str, Template] = {}
        for name in TEMPLATE_NAMES:
            path = directory / f"{name}.md"
            try:
                template = Template(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigError(
                    f"prompt template {path} cannot be read ({exc.strerror}); "
                    f"a prompts directory needs {', '.join(n + '.md' for n in TEMPLATE_NAMES)}"
                ) from None
            unknown = set(template.get_identifiers()) - PLACEHOLDERS[name]
            if unknown or not template.is_valid():
                raise ConfigError(
                    f"prompt template {path} uses {sorted(unknown) or 'an invalid $ placeholder'}; "
                    f"it may use only {sorted(PLACEHOLDERS[name])} (write $$ for a literal $)"
                )
            loaded[name] = template
        log.debug("prompt templates loaded from %s", directory)
        return cls(**loaded)


def describe_state(state: GameState) -> str:
    """The state as short lines a small model can read: where, who, what is on screen."""
    where, battle, screen = describe_situation(state).split("\n")
    return "\n".join([where, describe_standing(state), battle, screen])


def describe_standing(state: GameState) -> str:
    """Money, badges and the party: what changes seldom (a prompt that starts with it keeps a server's prefix
    cache warm from one call to the next)."""
    lines = [
        f"- Money: {state.money}; badges: {state.badge_count} "
        f"(Johto {state.johto_badges.bit_count()}, Kanto {state.kanto_badges.bit_count()})",
    ]
    if state.party:
        mons = "; ".join(describe_mon(m) for m in state.party)
        lines.append(f"- Party ({len(state.party)}): {mons}")
    else:
        lines.append("- Party: none yet (no Pokémon)")
    return "\n".join(lines)


def describe_situation(state: GameState) -> str:
    """Where the player is, any battle, what the screen is doing: what changes every step."""
    place = state.map_name or f"unknown map (group {state.map_group}, number {state.map_number})"
    lines = [f"- Map: {place}; position x={state.x}, y={state.y}, facing {state.facing}"]
    if state.battle.active:
        kind = BATTLE_MODES.get(state.battle.mode, f"mode {state.battle.mode}")
        lines.append(
            f"- Battle: {kind}, against {species_name(state.battle.enemy_species)} Lv{state.battle.enemy_level} "
            f"(HP {state.battle.enemy_hp})"
        )
    else:
        lines.append("- Battle: none")
    screen = [
        label
        for flag, label in (
            (state.text_open, "a text box is open"),
            (state.menu_open, "a menu is open"),
            (state.script_running, "a script is running (input may be ignored)"),
        )
        if flag
    ]
    lines.append(f"- Screen: {'; '.join(screen) if screen else 'free to walk'}")
    return "\n".join(lines)


def describe_mon(mon: PartyMon) -> str:
    """One party member: species, level, HP, and its moves by name (what a battle plan chooses between)."""
    moves = f" (moves: {', '.join(move_name(m) for m in mon.moves)})" if mon.moves else ""
    return f"{species_name(mon.species)} Lv{mon.level} HP {mon.hp}/{mon.max_hp}{moves}"


def describe_history(history: Sequence[HistoryItem], limit: int) -> str:
    """The last `limit` steps, with runs of the same button from the same source merged to keep it short."""
    items = list(history)[-limit:] if limit else []
    if not items:
        return "(none)"
    runs: list[tuple[HistoryItem, HistoryItem, int, float]] = []
    for item in items:
        if runs:
            first, last, count, total = runs[-1]
            if item.action == last.action and item.source == last.source:
                runs[-1] = (first, item, count + 1, total + item.reward)
                continue
        runs.append((item, item, 1, item.reward))
    lines = []
    for first, last, count, total in runs:
        steps = f"step {first.step}" if count == 1 else f"steps {first.step}-{last.step}"
        button = first.action.value if first.action else "nothing"
        source = first.source.value if first.source else "?"
        times = f" x{count}" if count > 1 else ""
        lines.append(f"- {steps}: {button}{times} ({source}), reward {total:+.2f}")
    return "\n".join(lines)


def describe_outcome(outcome: PlanOutcome | None) -> str:
    if outcome is None:
        return "none (this is the first plan, or the last one was not answered)."
    cut = " It was cut short by another source or the anti-stuck rule." if outcome.interrupted else ""
    walked = f" The walk ended: {WALK_OUTCOMES.get(outcome.walked, outcome.walked)}." if outcome.walked else ""
    return (
        f'"{outcome.goal}": {outcome.buttons_executed} of {outcome.buttons_planned} buttons pressed, '
        f"reward {outcome.reward:+.2f}.{walked}{cut}"
    )


WALK_OUTCOMES = {
    "arrived": "arrived",
    "left_map": "left the map",
    "unreachable": "no way there was found (blocked)",
    "battle": "a battle started",
    "walking": "still on the way when the plan ran out",
}


MAX_EXITS_SHOWN = 8
"""The nearest exits listed (a city has a dozen doors; the nearest are the ones a plan can use)."""


def describe_legend() -> str:
    """The text map's characters, as the system prompt explains them."""
    return ", ".join(f"{char} {meaning}" for char, meaning in LEGEND.items())


def describe_screen_text(lines: Sequence[str]) -> str:
    if not lines:
        return "no text box or menu."
    return "\n" + "\n".join(f"  | {line}" for line in lines)


def describe_text_map(text_map: TextMap | None) -> str:
    """The window with its coordinates around it (x above, y on the left), then the exits, people and items."""
    if text_map is None or not text_map.rows:
        return "Map: not readable now (between maps)."
    xs = range(text_map.left, text_map.left + len(text_map.rows[0]))
    lines = [
        f"Map around you (you are @ at x={text_map.x}, y={text_map.y}, facing {text_map.facing}):",
        "    " + "".join(f"{x:>3}" for x in xs),
    ]
    for y, row in enumerate(text_map.rows, start=text_map.top):
        lines.append(f"{y:>4}" + "".join(f"{ch:>3}" for ch in row))
    return "\n".join([*lines, describe_places(text_map)])


def describe_places(text_map: TextMap | None, steady: bool = False) -> str:
    """The map's exits (with where they lead and which way), people and items, with their coordinates: the places
    a walk can go to. `steady`: the exits in the map's order (top to bottom, left to right) and without their side
    of the player, so the text stays the same while the player walks (`Profile.steady_places`)."""
    if text_map is None or not text_map.rows:
        return "Exits: not readable now (between maps)"
    shown = list(text_map.exits[:MAX_EXITS_SHOWN])
    if steady:
        shown.sort(key=lambda e: (e.edge is not None, e.y or 0, e.x or 0))
    exits = []
    for exit in shown:
        if exit.edge is not None:
            exits.append(f"the {exit.edge} edge of the map -> {exit.to}")
            continue
        assert exit.x is not None and exit.y is not None
        where = side_of(exit.x - text_map.x, exit.y - text_map.y)
        side = "" if steady else f", {'under you' if where is None else f'to the {where}'}"
        exits.append(f"({exit.x}, {exit.y}) -> {exit.to}{side}")
    lines = ["Exits: " + ("; ".join(exits) if exits else "none known")]
    for label, cells in (("People", text_map.people), ("Items", text_map.items)):
        if cells:
            lines.append(f"{label}: " + ", ".join(f"({x}, {y})" for x, y in cells))
    return "\n".join(lines)


def describe_notes(notes: Notes | None) -> str:
    if notes is None or not notes.notes:
        return "(none yet)"
    return "\n".join(f"- {note}" for note in notes.notes) + f"\n(written at step {notes.step})"


def estimate_tokens(messages: Sequence[ChatMessage]) -> int:
    """A simple estimate of a chat's size in tokens: 4 characters a token, as English text runs with common
    tokenizers (the prompt's JSON and numbers run a little denser; the budget leaves room for that)."""
    return -(-sum(len(m["content"]) for m in messages) // 4)


def legal_list(legal: Sequence[Button]) -> str:
    return ", ".join(b.value for b in legal)


class PromptBuilder:
    """Builds the chat for a request and the repair turn, from the templates and the answer's limits."""

    def __init__(
        self,
        templates: Templates,
        limits: AnswerLimits,
        history_limit: int,
        budget_tokens: int = 2000,
        images: bool = False,
        steady_places: bool = False,
    ) -> None:
        self.templates = templates
        self.steady_places = steady_places
        self.limits = limits
        self.history_limit = history_limit
        self.budget_tokens = budget_tokens
        self.images = images
        """Send the request's screen with the user turn, when it carries one."""
        self._values: dict[str, object] = {
            "max_steps": limits.max_steps, "min_ttl": limits.min_ttl, "max_ttl": limits.max_ttl,
            "goal_chars": limits.goal_chars, "note_chars": limits.note_chars, "max_notes": limits.max_notes,
        }  # fmt: skip
        self.system = self.templates.system.substitute(self._values, legend=describe_legend())
        """The system turn: the same text on every call, so a server's prefix cache keeps it evaluated."""

    def messages(self, request: PlanRequest, notes: Notes | None = None) -> list[ChatMessage]:
        """The chat for `request`, with the env's notes from earlier answers, within the token budget:
        the history shown is halved until the estimate fits (or no history is left)."""
        limit = self.history_limit
        while True:
            messages = self._messages(request, notes, limit)
            if limit == 0 or estimate_tokens(messages) <= self.budget_tokens:
                return messages
            limit //= 2

    def _messages(self, request: PlanRequest, notes: Notes | None, history_limit: int) -> list[ChatMessage]:
        user = self.templates.user.substitute(
            self._values,
            reason=REASONS.get(request.reason, request.reason),
            step=request.step,
            state=describe_state(request.state),
            history=describe_history(request.history, history_limit),
            previous_plan=describe_outcome(request.previous_plan),
            legal=legal_list(request.legal),
            notes=describe_notes(notes),
            screen_text=describe_screen_text(request.screen_text),
            text_map=describe_text_map(request.text_map),
            standing=describe_standing(request.state),
            situation=describe_situation(request.state),
            places=describe_places(request.text_map, self.steady_places),
        )
        turn: ChatMessage = {"role": "user", "content": user}
        if self.images and request.screen_png:
            turn["images"] = (request.screen_png,)
        return [{"role": "system", "content": self.system}, turn]

    def repair(
        self, messages: list[ChatMessage], answer: str, error: str, legal: Sequence[Button]
    ) -> list[ChatMessage]:
        """The same chat, the unusable answer, and a turn saying what was wrong with it."""
        turn = self.templates.repair.substitute(self._values, error=error.rstrip("."), legal=legal_list(legal))
        return [*messages, {"role": "assistant", "content": answer}, {"role": "user", "content": turn}]
