"""The planner's notes for one env, as stored under `memory:{env}`: written by the planner, shown by the dashboard."""

from pydantic import BaseModel, Field

MAX_NOTES = 5
MAX_NOTE_CHARS = 120


class Notes(BaseModel):
    """One env's notes (the model's own goals and facts, at most `MAX_NOTES` lines), and when they were written."""

    notes: tuple[str, ...] = Field(default=(), max_length=MAX_NOTES)
    step: int = 0
    """The step of the request whose answer wrote them."""
    ts: float = 0.0
