"""The planner's memory: a few notes per env that the model writes in one answer and reads in the next.

A model asked every few dozen steps forgets everything between calls; the agents that
finished Pokémon games keep a short list of goals and facts ("current goal: reach Violet
City", "the gym is north of the Pokémon Center") and give it back each time. Here the notes
come with the plan (`Plan.notes`, replacing the previous ones), live in Redis under
`memory:{env}` so a restarted planner (or another one) goes on with them, and are shown on
the dashboard. They belong to an episode: a request of a new episode clears them (what was true
of the last game's run is not of this one). Redis being away costs the notes of that call,
never the plan.
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

    async def for_episode(self, env: str, episode: int | None) -> Notes:
        """The env's notes for a request of `episode`: cleared in Redis when it is newer than theirs, none for a
        request of an older episode (a late one); as stored when either episode is unknown."""
        notes = await self.get(env)
        if episode is None or notes.episode is None or notes.episode == episode:
            return notes
        if episode > notes.episode:
            log.info("env %s: episode %d began; the notes of episode %d are cleared", env, episode, notes.episode)
            try:
                await self.client.delete(self.keys.memory(env))
            except TRANSIENT_ERRORS as exc:
                log.warning("env %s: the old episode's notes could not be cleared (%s)", env, exc)
        return Notes()

    async def put(self, env: str, notes: tuple[str, ...], step: int, episode: int | None = None) -> None:
        """Replace the env's notes, unless they are of a newer episode than the request the answer was for."""
        if episode is not None:
            current = await self.get(env)
            if current.episode is not None and current.episode > episode:
                return
        stored = Notes(notes=notes, step=step, ts=time.time(), episode=episode)
        try:
            await self.client.set(self.keys.memory(env), stored.model_dump_json())
        except TRANSIENT_ERRORS as exc:
            log.warning("env %s: the planner's notes could not be written (%s); the plan still goes out", env, exc)
