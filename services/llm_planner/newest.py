"""Which request of an env is the newest: the planner serves only that one.

The emulator may ask again while an older request of its env still waits in `plan_requests` (a
trigger, or the interval, while a slow model answers another): planning the older one would
spend seconds of model time on a state the game has left. Before a request is planned, the
entries after it in the stream are looked at (newest first, one bounded page); a newer request of
the same env supersedes it, and it is acknowledged, counted and not planned. What was seen is
remembered, so a backlog of superseded requests is dropped without a look each.
"""

import logging
from dataclasses import dataclass

from shared.errors import RedisUnavailableError
from shared.messages import PlanRequest
from shared.streams import Delivery, StreamReader

log = logging.getLogger(__name__)

PEEK = 64
"""Entries after a request looked at for a newer one of its env: several per env with a few envs."""


def entry_order(entry_id: str) -> tuple[int, int]:
    """A stream id (`ms-seq`) as something that sorts as the stream does."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True)
class Newer:
    """The newest request known for an env."""

    entry_id: str
    step: int


class NewestRequests:
    """Remembers the newest request of each env, from the ones handled and the ones looked at."""

    def __init__(self, reader: StreamReader[PlanRequest], stream: str, peek: int = PEEK) -> None:
        self.reader = reader
        self.stream = stream
        self.peek = peek
        self.newest: dict[str, Newer] = {}

    def note(self, entry_id: str, request: PlanRequest) -> None:
        known = self.newest.get(request.env)
        if known is None or entry_order(entry_id) > entry_order(known.entry_id):
            self.newest[request.env] = Newer(entry_id, request.step)

    async def newer_than(self, delivery: Delivery[PlanRequest]) -> Newer | None:
        """A newer request of the delivery's env, or None when it is the newest known (or Redis could not tell)."""
        request = delivery.message
        self.note(delivery.entry_id, request)
        known = self.newest[request.env]
        if known.entry_id == delivery.entry_id:
            try:
                page = await self.reader.latest(self.stream, count=self.peek, after=delivery.entry_id)
            except RedisUnavailableError as exc:
                log.debug("could not look for newer requests (%s); planning this one", exc)
                return None
            for entry in page.entries:
                if entry.message is not None:
                    self.note(entry.entry_id, entry.message)
            known = self.newest[request.env]
        return None if known.entry_id == delivery.entry_id else known
