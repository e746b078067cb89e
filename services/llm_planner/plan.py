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

from pydantic import BaseModel, ConfigDict, Field

from shared.buttons import Button
from shared.errors import CrystalRLError
from shared.notes import MAX_NOTE_CHARS, MAX_NOTES

GOAL_MAX_CHARS = 500
"""`Action.goal` holds at most this much; the schema asks for less to leave room."""
GOAL_SCHEMA_CHARS = 160


class PlanError(CrystalRLError):
    """A model's answer is not a usable plan; the message says what to fix (it goes into the repair prompt)."""


class Plan(BaseModel):
    """A validated plan: 1..N legal buttons, how long they stay valid, and why."""

    model_config = ConfigDict(frozen=True)

    goal: str = Field(min_length=1, max_length=GOAL_MAX_CHARS)
    buttons: tuple[Button, ...] = Field(min_length=1, max_length=32)
    ttl_steps: int = Field(ge=1, le=1000)
    notes: tuple[str, ...] | None = None
    """The model's notes for its next calls (they replace the stored ones); None: the answer had none."""


def plan_schema(legal: Sequence[Button], max_steps: int, max_ttl: int) -> dict[str, Any]:
    """JSON schema of the answer, strict enough for OpenAI's `strict` mode (all keys required, no extras)."""
    return {
        "type": "object",
        "properties": {
            "goal": {"type": "string", "minLength": 1, "maxLength": GOAL_SCHEMA_CHARS},
            "buttons": {
                "type": "array",
                "items": {"type": "string", "enum": [b.value for b in legal]},
                "minItems": 1,
                "maxItems": max_steps,
            },
            "ttl": {"type": "integer", "minimum": 1, "maximum": max_ttl},
            "notes": {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_NOTE_CHARS},
                "maxItems": MAX_NOTES,
            },
        },
        "required": ["goal", "buttons", "ttl", "notes"],
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

    raw_buttons = data["buttons"]
    if not isinstance(raw_buttons, list) or not raw_buttons:
        raise PlanError(f"'buttons' must be a list of 1 to {max_steps} button names")
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
    if not len(buttons) <= ttl <= max_ttl:
        raise PlanError(f"'ttl' is {ttl}; it must be between the number of buttons ({len(buttons)}) and {max_ttl}")

    return Plan(goal=goal.strip(), buttons=tuple(buttons), ttl_steps=ttl, notes=_notes(data.get("notes")))


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
