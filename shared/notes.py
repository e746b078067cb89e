"""The planner's notes for one env, as stored under `memory:{env}`: written by the planner, shown by the dashboard."""

from pydantic import BaseModel, Field

MAX_NOTES = 5
MAX_NOTE_CHARS = 120


class Notes(BaseModel):
    """One env's notes (the model's own goals and facts, at most `MAX_NOTES` lines), and when they were written."""

    notes: tuple[str, ...] = Field(default=(), max_length=MAX_NOTES)
    step: int = 0
    """The step of the request whose answer wrote them."""
    episode: int | None = None
    """The episode they were written in (None: unknown, from a request that did not say): a new episode starts
    with none."""
    ts: float = 0.0
