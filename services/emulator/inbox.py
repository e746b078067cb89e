"""What reaches the emulator: actions (`actions:{env}`: plans, DQN answers, the planner's `NoPlan`s) and commands
(`control:{env}`), held for the step loop.

Both streams are tailed with plain XREAD from where the emulator started (it is their only
reader), in the same round trip that sends the step's frame (`Outbox.exchange` hands the rows
here). An entry that does not decode goes to `dead` with its reason; it never stops the step. The
step loop takes what arrived between two steps: actions go to the arbiter, commands are carried out.
"""

import asyncio
import logging
from collections import deque

from redis.exceptions import ResponseError

from shared.errors import MessageError, RedisUnavailableError
from shared.keys import Keys
from shared.messages import Action, ControlCommand, Fields, NoPlan
from shared.streams import Decoder, Publisher, StreamReader, dead_letter

log = logging.getLogger(__name__)

Incoming = Action | NoPlan | ControlCommand
_DECODER: Decoder[Incoming] = Decoder(Action, NoPlan, ControlCommand)


class Inbox:
    def __init__(self, publisher: Publisher, keys: Keys, env: str) -> None:
        self.publisher = publisher
        self.keys = keys
        self.streams = [keys.actions(env), keys.control(env)]
        self.positions: dict[str, str] | None = None
        """Where each stream was last read; None until Redis first answered (`reading`)."""
        self.actions: deque[Action | NoPlan] = deque()
        """Plans and DQN answers, and the planner's `NoPlan`s (what closes a request with no plan)."""
        self.commands: deque[ControlCommand] = deque()
        self.bad = 0

    async def reading(self) -> dict[str, str] | None:
        """Where to read from now; the first time, after what is already there (old plans and commands are not
        for this run). None while Redis cannot be reached."""
        if self.positions is None:
            if not self.publisher.availability.ready():
                return None
            reader: StreamReader[Incoming] = StreamReader(model=_DECODER, client=self.publisher.client)
            try:
                async with asyncio.timeout(self.publisher.settings.publish_timeout):  # its client has no timeout
                    self.positions = {stream: await reader.last_id(stream) for stream in self.streams}
            except (RedisUnavailableError, TimeoutError):
                self.publisher.availability.failed()
                return None
        return self.positions

    async def receive(self, rows: list[tuple[str, str, Fields | None]]) -> None:
        """Entries read, as (stream, id, fields): decoded and held, the undecodable ones to `dead`."""
        assert self.positions is not None
        for stream, entry_id, fields in rows:
            self.positions[stream] = entry_id
            try:
                message = _DECODER.decode(fields)
            except MessageError as exc:
                await self._dead(stream, entry_id, str(exc), fields)
                continue
            if isinstance(message, Action | NoPlan):
                self.actions.append(message)
            else:
                self.commands.append(message)

    def unreadable(self, exc: ResponseError) -> None:
        """The streams could not be read (a key of the wrong type where a stream should be): said and counted."""
        self.bad += 1
        log.error("cannot read %s: %s (fix or delete the key; the game goes on)", ", ".join(self.streams), exc)

    async def _dead(self, stream: str, entry_id: str, reason: str, fields: Fields | None) -> None:
        self.bad += 1
        log.warning("bad entry %s in %s: %s (moved to dead)", entry_id, stream, reason)
        letter = dead_letter(
            stream=stream,
            entry_id=entry_id,
            reason=reason,
            fields=fields,
            max_field_bytes=self.publisher.settings.dead_max_field_bytes,
        )
        await self.publisher.publish(self.keys.dead, letter)
