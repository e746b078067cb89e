"""The outbox: messages in order, a bounded queue, and a sender that can queue while the queue is full."""

import asyncio

import pytest

from services.emulator.outbox import Outbox
from shared.messages import Event, Message

pytestmark = pytest.mark.timeout(10)


def _event(n: int) -> tuple[str, Message]:
    return ("events", Event(service="test", instance="t", kind="note", message=str(n)))


async def test_a_sender_busy_past_a_full_queue_can_still_queue_its_acks() -> None:
    """A control command run by the sender (a save, a load) takes long enough for the step to fill the
    queue; its ack, queued from inside the sender, must not wait for room only the sender can make."""
    delivered: list[str] = []
    command_done = asyncio.Event()

    async def deliver(batch: list[tuple[str, Message]]) -> None:
        delivered.extend(m.message for _, m in batch)  # type: ignore[attr-defined]
        if "0" in delivered and "ack" not in delivered and not command_done.is_set():
            await command_done.wait()  # the command's work, while the step goes on
            outbox.put_nowait([("events", Event(service="test", instance="t", kind="ack", message="ack"))])

    outbox = Outbox(deliver, max_pending=8)
    sender = asyncio.create_task(outbox.run())
    await outbox.put([_event(0)])
    await asyncio.sleep(0.01)  # the sender takes it and starts the command

    async def step() -> None:
        for n in range(1, 30):
            await outbox.put([_event(n)])  # waits at 8 queued until the sender comes back

    stepping = asyncio.create_task(step())
    await asyncio.sleep(0.05)
    assert not stepping.done()  # the bound holds the step back
    command_done.set()
    await asyncio.wait_for(stepping, 5)
    await asyncio.wait_for(outbox.drain(), 5)
    sender.cancel()
    assert delivered.index("ack") > delivered.index("0")
    assert [m for m in delivered if m != "ack"] == [str(n) for n in range(30)]
