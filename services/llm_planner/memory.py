"""The planner's memory: a few notes per env that the model writes in one answer and reads in the next.

A model asked every few dozen steps forgets everything between calls; the agents that
finished Pokémon games keep a short list of goals and facts ("current goal: reach Violet
City", "the gym is north of the Pokémon Center") and give it back each time. Here the notes
come with the plan (`Plan.notes`, replacing the previous ones), live in Redis under
`memory:{env}` so a restarted planner (or another one) goes on with them, and are shown on
the dashboard. Redis being away costs the notes of that call, never the plan.
"""

import logging
import time

from pydantic import ValidationError
from redis.asyncio import Redis

from shared.keys import Keys
from shared.notes import Notes
from shared.streams import TRANSIENT_ERRORS

log = logging.getLogger(__name__)


class MemoryStore:
    """Reads and writes `memory:{env}`; a failed read is an empty memory, a failed write is logged."""

    def __init__(self, client: Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    async def get(self, env: str) -> Notes:
        try:
            raw = await self.client.get(self.keys.memory(env))
        except TRANSIENT_ERRORS as exc:
            log.warning("env %s: the planner's notes could not be read (%s); planning without them", env, exc)
            return Notes()
        if raw is None:
            return Notes()
        try:
            return Notes.model_validate_json(raw)
        except ValidationError as exc:
            log.warning("env %s: the stored notes are unreadable and are ignored: %s", env, exc)
            return Notes()

    async def put(self, env: str, notes: tuple[str, ...], step: int) -> None:
        stored = Notes(notes=notes, step=step, ts=time.time())
        try:
            await self.client.set(self.keys.memory(env), stored.model_dump_json())
        except TRANSIENT_ERRORS as exc:
            log.warning("env %s: the planner's notes could not be written (%s); the plan still goes out", env, exc)
