"""The `Plan` a model must answer with, the JSON schema that tells it so, and the parser that checks it.

The schema is built per request (the request's legal buttons, and the places of its map a walk may
go to, as enums) and states every rule the parser checks, so a host that constrains decoding to
it (Ollama `format`, OpenAI `response_format`, llama.cpp's grammars) cannot produce an answer the
parser rejects. It asks for less than the parser allows: text in printable ASCII without quotes
or backslashes (no escape a small model can get wrong, one byte a character), at least one
button, a `ttl` that covers any number of buttons and a walk, integers as an enum (llama-cpp-python's
grammar ignores `minimum`/`maximum`). Hosts that ignore the schema are caught by `parse_plan`,
which never fixes an answer up silently: anything off is a `PlanError` that says what (its `kind`
is counted), and the planner asks once for a repair.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.buttons import Button
from shared.errors import CrystalRLError
from shared.game.navigation import WalkTo, side_of
from shared.game.textmap import PLAYER, WALL, TextMap
from shared.notes import MAX_NOTE_CHARS, MAX_NOTES

GOAL_MAX_CHARS = 500
"""`Action.goal` holds at most this much; the schema asks for less to leave room."""
EXIT_SIDES = ("north", "south", "west", "east")
LONGEST_WALK = max(len("exit north"), len("-999, -999"))
"""The longest `walk_to` the schema can offer (an exit, or a cell of a map of Crystal's sizes)."""

TEXT_CHAR = r"[\x20-\x21\x23-\x5B\x5D-\x7E]"
"""One character of an answer's text: printable ASCII but the quote and the backslash (no JSON escapes)."""
FIRST_CHAR = r"[\x21\x23-\x5B\x5D-\x7E]"
"""The same without the space: a goal starts with something to read."""

RejectKind = Literal["json", "shape", "goal", "walk_to", "buttons", "ttl", "notes"]
"""What an answer got wrong, by the field: counted per env, named in `plan_rejected` events."""


@dataclass(frozen=True)
class AnswerLimits:
    """What an answer may hold. The schema states these; the parser allows at least as much."""

    max_steps: int
    """Most buttons in a plan."""
    max_ttl: int
    """Longest time-to-live, in steps."""
    goal_chars: int = 160
    note_chars: int = MAX_NOTE_CHARS
    max_notes: int = MAX_NOTES

    def __post_init__(self) -> None:
        if self.min_ttl > self.max_ttl:
            raise ValueError(
                f"max_ttl_steps ({self.max_ttl}) must be at least max_plan_steps + 1 ({self.min_ttl}): a plan's "
                "ttl covers its buttons and its walk"
            )
        if not (1 <= self.goal_chars <= GOAL_MAX_CHARS and 1 <= self.note_chars <= MAX_NOTE_CHARS
                and 0 <= self.max_notes <= MAX_NOTES):  # fmt: skip
            raise ValueError(f"answer limits beyond what the parser allows: {self}")

    @property
    def min_ttl(self) -> int:
        """The schema's shortest ttl: enough for the most buttons and a walk, whatever the answer holds."""
        return self.max_steps + 1

    def longest_answer_tokens(self) -> int:
        """Tokens of the longest answer the schema allows, written with a space wherever the grammar allows
        one (llama-cpp-python's allows one after every token), plus the end of text. Every character of it
        is one ASCII byte and a token is at least one byte, so this bounds any tokenizer's count."""
        longest_button = max(len(b.value) for b in Button)
        answer: dict[str, Any] = {
            "goal": "x" * self.goal_chars,
            "walk_to": "x" * LONGEST_WALK,
            "buttons": ["x" * longest_button] * self.max_steps,
            "ttl": self.max_ttl,
        }
        if self.max_notes:
            answer["notes"] = ["x" * self.note_chars] * self.max_notes
        return _spaced_length(answer) + 1


def _spaced_length(value: Any) -> int:
    """Characters of `value` as JSON with one space after every token (the grammar's most)."""
    if isinstance(value, dict):
        inner = sum(len(json.dumps(k)) + 1 + 2 + _spaced_length(v) for k, v in value.items())
        return 2 + inner + 2 * max(0, len(value) - 1) + 2
    if isinstance(value, list):
        return 2 + sum(_spaced_length(v) for v in value) + 2 * max(0, len(value) - 1) + 2
    return len(json.dumps(value)) + 1


class PlanError(CrystalRLError):
    """A model's answer is not a usable plan; the message says what to fix (it goes into the repair prompt)."""

    def __init__(self, message: str, kind: RejectKind = "shape") -> None:
        super().__init__(message)
        self.kind: RejectKind = kind


class Plan(BaseModel):
    """A validated plan: 1..N legal buttons, how long they stay valid, and why."""

    model_config = ConfigDict(frozen=True)

    goal: str = Field(min_length=1, max_length=GOAL_MAX_CHARS)
    buttons: tuple[Button, ...] = Field(default=(), max_length=32)
    ttl_steps: int = Field(ge=1, le=1000)
    notes: tuple[str, ...] | None = None
    """The model's notes for its next calls (they replace the stored ones); None: the answer had none."""
    walk_to: WalkTo | None = None
    """Walk there first (the emulator finds the way), then press `buttons`."""

    @model_validator(mode="after")
    def _something_to_do(self) -> "Plan":
        if not self.buttons and self.walk_to is None:
            raise ValueError("a plan needs at least one button or a walk_to")
        return self


def text_pattern(most: int, *, first: bool = False) -> str:
    """A JSON schema `pattern` for answer text of at most `most` characters (`first`: at least one, not a space)."""
    if first:
        return f"^{FIRST_CHAR}{TEXT_CHAR}{{0,{most - 1}}}$"
    return f"^{TEXT_CHAR}{{0,{most}}}$"


def walk_targets(text_map: TextMap | None) -> list[str]:
    """What `walk_to` may say for a request: "" (no walk), an exit side the map has, or a cell of the map around
    the player that is not a wall nor the player's own: places on the map the request was made on."""
    targets = [""]
    if text_map is None or not text_map.rows:
        return targets
    sides: set[str] = set()
    for exit in text_map.exits:
        if exit.edge is not None:
            sides.add(exit.edge)
        elif exit.x is not None and exit.y is not None:
            side = side_of(exit.x - text_map.x, exit.y - text_map.y)
            if side is not None:
                sides.add(side)
    targets += [f"exit {side}" for side in EXIT_SIDES if side in sides]
    for row_y, row in enumerate(text_map.rows, start=text_map.top):
        for column, char in enumerate(row):
            if char not in (WALL, PLAYER):
                targets.append(f"{text_map.left + column}, {row_y}")
    return targets


def plan_schema(legal: Sequence[Button], limits: AnswerLimits, walks: Sequence[str] = ("",)) -> dict[str, Any]:
    """JSON schema of the answer to one request, strict enough for OpenAI's `strict` mode (all keys required, no
    extras): `legal` are the request's buttons, `walks` its `walk_targets`. Limits of no notes leave `notes` out
    (a grammar-bound model need not write an empty list)."""
    properties: dict[str, Any] = {
        "goal": {"type": "string", "pattern": text_pattern(limits.goal_chars, first=True)},
        "walk_to": {"type": "string", "enum": list(walks)},
        "buttons": {
            "type": "array",
            "items": {"type": "string", "enum": [b.value for b in legal]},
            "minItems": 1,
            "maxItems": limits.max_steps,
        },
        "ttl": {
            "type": "integer",
            "minimum": limits.min_ttl,
            "maximum": limits.max_ttl,
            "enum": list(range(limits.min_ttl, limits.max_ttl + 1)),
        },
    }
    if limits.max_notes:
        properties["notes"] = {
            "type": "array",
            "items": {"type": "string", "pattern": text_pattern(limits.note_chars)},
            "maxItems": limits.max_notes,
        }
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _extract_object(text: str) -> Any:
    """The JSON object in `text`: the whole text, a fenced block, or the first `{...}` in prose.

    Small models wrap JSON in code fences or a sentence even when asked not to; taking the
    object out of them is reading the answer, not repairing it.
    """
    stripped = text.strip()
    if not stripped:
        raise PlanError("the answer is empty; answer with one JSON object", "json")
    candidates = [stripped, *(m.group(1).strip() for m in _FENCE.finditer(stripped))]
    start = stripped.find("{")
    if start >= 0:
        candidates.append(stripped[start:])
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            value, _ = decoder.raw_decode(candidate)
        except json.JSONDecodeError:
            continue
        return value
    raise PlanError("the answer is not valid JSON; answer with one JSON object and nothing else", "json")


def parse_plan(text: str, legal: Sequence[Button], max_steps: int, max_ttl: int) -> Plan:
    """Turn a model's raw answer into a `Plan`, or raise `PlanError` naming the first thing wrong (and its kind).

    What it accepts is a superset of what `plan_schema` allows, whatever the limits the schema was built
    with (`tests/llm_planner/test_plan.py` checks answers drawn from the schema against it)."""
    data = _extract_object(text)
    if not isinstance(data, dict):
        raise PlanError(f"the answer is a JSON {type(data).__name__}, not an object with goal, buttons, ttl")
    missing = [key for key in ("goal", "buttons", "ttl") if key not in data]
    if missing:
        raise PlanError(f"the object lacks {', '.join(repr(k) for k in missing)}")

    goal = data["goal"]
    if not isinstance(goal, str) or not goal.strip():
        raise PlanError("'goal' must be a non-empty string", "goal")
    if len(goal) > GOAL_MAX_CHARS:
        raise PlanError(f"'goal' has {len(goal)} characters; keep it under {GOAL_MAX_CHARS}", "goal")

    walk_to = parse_walk(data.get("walk_to"))
    raw_buttons = data["buttons"]
    least = 0 if walk_to is not None else 1
    if not isinstance(raw_buttons, list) or len(raw_buttons) < least:
        raise PlanError(f"'buttons' must be a list of {least} to {max_steps} button names", "buttons")
    if len(raw_buttons) > max_steps:
        raise PlanError(f"'buttons' has {len(raw_buttons)} entries; at most {max_steps} are allowed", "buttons")
    allowed = {b.value: b for b in legal}
    buttons: list[Button] = []
    for raw in raw_buttons:
        name = raw.strip().lower() if isinstance(raw, str) else None
        if name is None or name not in allowed:
            raise PlanError(f"button {raw!r} is not one of the legal buttons {sorted(allowed)}", "buttons")
        buttons.append(allowed[name])

    ttl = data["ttl"]
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise PlanError("'ttl' must be an integer number of steps", "ttl")
    least_ttl = max(len(buttons) + (walk_to is not None), 1)
    if not least_ttl <= ttl <= max_ttl:
        what = "the number of buttons" + (" plus one for the walk" if walk_to is not None else "")
        raise PlanError(f"'ttl' is {ttl}; it must be between {what} ({least_ttl}) and {max_ttl}", "ttl")

    return Plan(
        goal=goal.strip(), buttons=tuple(buttons), ttl_steps=ttl, notes=_notes(data.get("notes")), walk_to=walk_to
    )


_WALK_CELL = re.compile(r"^\(?\s*(-?\d+)\s*[, ]\s*(-?\d+)\s*\)?$")
_WALK_EXIT = re.compile(r"\b(north|south|west|east)\b")


def parse_walk(raw: Any) -> WalkTo | None:
    """`walk_to` as a model writes it: "" or absent (no walk), "x, y" / "(x, y)", or "exit west" (any text naming
    an exit and one side); an object {"x", "y"} or {"exit"} from a host that ignores the schema."""
    if raw is None or raw == "":
        return None
    try:
        if isinstance(raw, dict):
            return WalkTo.model_validate(raw)
        if isinstance(raw, str):
            text = raw.strip().lower()
            cell = _WALK_CELL.match(text)
            if cell:
                return WalkTo(x=int(cell.group(1)), y=int(cell.group(2)))
            side = _WALK_EXIT.findall(text)
            if "exit" in text and len(set(side)) == 1:
                return WalkTo(exit=side[0])
    except ValidationError:
        pass
    raise PlanError(
        f'\'walk_to\' is {raw!r}; write "x, y" for a cell, "exit west" (north, south, east) for an exit, '
        'or "" for no walk',
        "walk_to",
    )


def _notes(raw: Any) -> tuple[str, ...] | None:
    """The answer's notes; absent (a host that ignores the schema) keeps the stored ones."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(note, str) for note in raw):
        raise PlanError(f"'notes' must be a list of at most {MAX_NOTES} short strings", "notes")
    notes = tuple(note.strip() for note in raw if note.strip())
    if len(notes) > MAX_NOTES:
        raise PlanError(f"'notes' has {len(notes)} entries; keep at most {MAX_NOTES}", "notes")
    long = [note for note in notes if len(note) > MAX_NOTE_CHARS]
    if long:
        raise PlanError(f"a note has {len(long[0])} characters; keep each under {MAX_NOTE_CHARS}", "notes")
    return notes
