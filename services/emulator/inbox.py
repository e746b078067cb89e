"""What reaches the emulator: actions (`actions:{env}`) and commands (`control:{env}`), read without waiting.

Both streams are tailed with plain XREAD from where the emulator started (it is their only
reader). An entry that does not decode goes to `dead` with its reason; it never stops the step.
"""

import logging

from shared.keys import Keys
from shared.messages import Action, ControlCommand
from shared.streams import Decoder, Publisher, StreamReader, StreamSettings, dead_letter

log = logging.getLogger(__name__)

Incoming = Action | ControlCommand


class Inbox:
    def __init__(self, reader: StreamReader[Incoming], publisher: Publisher, keys: Keys, env: str) -> None:
        self.reader = reader
        self.publisher = publisher
        self.keys = keys
        self.streams = [keys.actions(env), keys.control(env)]
        self.positions: dict[str, str] | None = None
        self.bad = 0

    @classmethod
    def connect(cls, url: str, publisher: Publisher, keys: Keys, env: str, settings: StreamSettings) -> "Inbox":
        reader: StreamReader[Incoming] = StreamReader(url, model=Decoder(Action, ControlCommand), settings=settings)
        return cls(reader, publisher, keys, env)

    async def start(self) -> None:
        """Begin after what is already there: old plans and commands are not for this run."""
        self.positions = {stream: await self.reader.last_id(stream) for stream in self.streams}

    async def read(self, block_ms: int = 0) -> list[Incoming]:
        """New messages, oldest first; waits up to `block_ms` only when asked (0: never waits)."""
        if self.positions is None:
            await self.start()
        assert self.positions is not None
        entries = await self.reader.tail(self.positions, count=64, block_ms=block_ms)
        messages: list[Incoming] = []
        for entry in entries:
            self.positions[entry.stream] = entry.entry_id
            if entry.message is not None:
                messages.append(entry.message)
                continue
            self.bad += 1
            log.warning("bad entry %s in %s: %s (moved to dead)", entry.entry_id, entry.stream, entry.error)
            letter = dead_letter(
                stream=entry.stream,
                entry_id=entry.entry_id,
                reason=entry.error or "undecodable",
                fields=entry.fields,
                max_field_bytes=self.reader.settings.dead_max_field_bytes,
            )
            await self.publisher.publish(self.keys.dead, letter)
        return messages

    async def aclose(self) -> None:
        await self.reader.aclose()
