"""What reaches the emulator: actions (`actions:{env}`) and commands (`control:{env}`).

Both streams are tailed with plain XREAD from where the emulator started (it is their only
reader), in the same round trip that sends the step's frame. An entry that does not decode
goes to `dead` with its reason; it never stops the step.
"""

import logging

from redis.exceptions import ResponseError

from shared.errors import MessageError, RedisUnavailableError
from shared.keys import Keys
from shared.messages import Action, ControlCommand, Fields, Message
from shared.streams import Decoder, Publisher, StreamReader, dead_letter

log = logging.getLogger(__name__)

Incoming = Action | ControlCommand
_DECODER: Decoder[Incoming] = Decoder(Action, ControlCommand)


class Inbox:
    def __init__(self, publisher: Publisher, keys: Keys, env: str) -> None:
        self.publisher = publisher
        self.keys = keys
        self.streams = [keys.actions(env), keys.control(env)]
        self.positions: dict[str, str] | None = None
        self.bad = 0

    async def start(self) -> bool:
        """Begin after what is already there: old plans and commands are not for this run."""
        if not self.publisher.availability.ready():
            return False
        reader: StreamReader[Incoming] = StreamReader(model=_DECODER, client=self.publisher.client)
        try:
            self.positions = {stream: await reader.last_id(stream) for stream in self.streams}
        except RedisUnavailableError:
            self.publisher.availability.failed()
            return False
        return True

    async def exchange(self, outgoing: list[tuple[str, Message]], block_ms: int = 0) -> list[Incoming] | None:
        """Send `outgoing` and take what arrived, in one round trip; None when Redis is unreachable.

        Waits up to `block_ms` for something to arrive (0: never waits).
        """
        if self.positions is None and not await self.start():
            await self.publisher.publish_many(outgoing)
            return None
        assert self.positions is not None
        try:
            rows = await self.publisher.publish_then_read(outgoing, self.positions, block_ms=block_ms)
        except ResponseError as exc:  # e.g. a key of the wrong type where a stream should be
            self.bad += 1
            log.error("cannot read %s: %s (fix or delete the key; the game goes on)", ", ".join(self.streams), exc)
            return []
        if rows is None:
            return None
        messages: list[Incoming] = []
        for stream, entry_id, fields in rows:
            self.positions[stream] = entry_id
            try:
                messages.append(_DECODER.decode(fields))
            except MessageError as exc:
                await self._dead(stream, entry_id, str(exc), fields)
        return messages

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
