"""The `Plan` a model must answer with, the JSON schema that tells it so, and the parser that checks it.

The schema is built per request with the request's legal buttons as an enum, so a host that
constrains decoding to it (Ollama `format`, OpenAI `response_format`) cannot produce an
illegal button. Hosts that ignore it are caught by `parse_plan`, which never fixes an answer
up silently: anything off is a `PlanError` that says what, and the planner asks once for a repair.
"""

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.buttons import Button
from shared.errors import CrystalRLError
from shared.game.navigation import WalkTo
from shared.notes import MAX_NOTE_CHARS, MAX_NOTES

GOAL_MAX_CHARS = 500
"""`Action.goal` holds at most this much; the schema asks for less to leave room."""
GOAL_SCHEMA_CHARS = 160
WALK_SCHEMA_CHARS = 40


class PlanError(CrystalRLError):
    """A model's answer is not a usable plan; the message says what to fix (it goes into the repair prompt)."""


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


def plan_schema(legal: Sequence[Button], max_steps: int, max_ttl: int) -> dict[str, Any]:
    """JSON schema of the answer, strict enough for OpenAI's `strict` mode (all keys required, no extras)."""
    return {
        "type": "object",
        "properties": {
            "goal": {"type": "string", "minLength": 1, "maxLength": GOAL_SCHEMA_CHARS},
            "walk_to": {"type": "string", "maxLength": WALK_SCHEMA_CHARS},
            "buttons": {
                "type": "array",
                "items": {"type": "string", "enum": [b.value for b in legal]},
                "minItems": 0,
                "maxItems": max_steps,
            },
            "ttl": {"type": "integer", "minimum": 1, "maximum": max_ttl},
            "notes": {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_NOTE_CHARS},
                "maxItems": MAX_NOTES,
            },
        },
        "required": ["goal", "walk_to", "buttons", "ttl", "notes"],
        "additionalProperties": False,
    }


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _extract_object(text: str) -> Any:
    """The JSON object in `text`: the whole text, a fenced block, or the first `{...}` in prose.

    Small models wrap JSON in code fences or a sentence even when asked not to; taking the
    object out of them is reading the answer, not repairing it.
    """
    stripped = text.strip()
    if not stripped:
        raise PlanError("the answer is empty; answer with one JSON object")
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
    raise PlanError("the answer is not valid JSON; answer with one JSON object and nothing else")


def parse_plan(text: str, legal: Sequence[Button], max_steps: int, max_ttl: int) -> Plan:
    """Turn a model's raw answer into a `Plan`, or raise `PlanError` naming the first thing wrong."""
    data = _extract_object(text)
    if not isinstance(data, dict):
        raise PlanError(f"the answer is a JSON {type(data).__name__}, not an object with goal, buttons, ttl")
    missing = [key for key in ("goal", "buttons", "ttl") if key not in data]
    if missing:
        raise PlanError(f"the object lacks {', '.join(repr(k) for k in missing)}")

    goal = data["goal"]
    if not isinstance(goal, str) or not goal.strip():
        raise PlanError("'goal' must be a non-empty string")
    if len(goal) > GOAL_MAX_CHARS:
        raise PlanError(f"'goal' has {len(goal)} characters; keep it under {GOAL_SCHEMA_CHARS}")

    walk_to = parse_walk(data.get("walk_to"))
    raw_buttons = data["buttons"]
    least = 0 if walk_to is not None else 1
    if not isinstance(raw_buttons, list) or len(raw_buttons) < least:
        raise PlanError(f"'buttons' must be a list of {least} to {max_steps} button names")
    if len(raw_buttons) > max_steps:
        raise PlanError(f"'buttons' has {len(raw_buttons)} entries; at most {max_steps} are allowed")
    allowed = {b.value: b for b in legal}
    buttons: list[Button] = []
    for raw in raw_buttons:
        name = raw.strip().lower() if isinstance(raw, str) else None
        if name is None or name not in allowed:
            raise PlanError(f"button {raw!r} is not one of the legal buttons {sorted(allowed)}")
        buttons.append(allowed[name])

    ttl = data["ttl"]
    if isinstance(ttl, bool) or not isinstance(ttl, int):
        raise PlanError("'ttl' must be an integer number of steps")
    least_ttl = max(len(buttons) + (walk_to is not None), 1)
    if not least_ttl <= ttl <= max_ttl:
        what = "the number of buttons" + (" plus one for the walk" if walk_to is not None else "")
        raise PlanError(f"'ttl' is {ttl}; it must be between {what} ({least_ttl}) and {max_ttl}")

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
        'or "" for no walk'
    )


def _notes(raw: Any) -> tuple[str, ...] | None:
    """The answer's notes; absent (a host that ignores the schema) keeps the stored ones."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(note, str) for note in raw):
        raise PlanError(f"'notes' must be a list of at most {MAX_NOTES} short strings")
    notes = tuple(note.strip() for note in raw if note.strip())
    if len(notes) > MAX_NOTES:
        raise PlanError(f"'notes' has {len(notes)} entries; keep at most {MAX_NOTES}")
    long = [note for note in notes if len(note) > MAX_NOTE_CHARS]
    if long:
        raise PlanError(f"a note has {len(long[0])} characters; keep each under {MAX_NOTE_CHARS}")
    return notes
