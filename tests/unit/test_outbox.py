"""The outbox: messages in order, and a bounded queue that holds the step back while the sender is busy."""

import asyncio

import pytest

from services.emulator.outbox import Outbox
from shared.messages import Event, Message

pytestmark = pytest.mark.timeout(10)


def _event(n: int) -> tuple[str, Message]:
    return ("events", Event(service="test", instance="t", kind="note", message=str(n)))


async def test_a_busy_sender_holds_the_step_back_at_the_bound_and_nothing_is_reordered() -> None:
    """A slow Redis keeps the sender in one round trip; the step may queue up to the bound, then waits."""
    delivered: list[str] = []
    redis_slow = asyncio.Event()

    async def deliver(batch: list[tuple[str, Message]]) -> None:
        if not redis_slow.is_set():
            await redis_slow.wait()
        delivered.extend(m.message for _, m in batch)  # type: ignore[attr-defined]

    outbox = Outbox(deliver, max_pending=8)
    sender = asyncio.create_task(outbox.run())
    await outbox.put([_event(0)])
    await asyncio.sleep(0.01)  # the sender takes it and waits on Redis

    async def step() -> None:
        for n in range(1, 30):
            await outbox.put([_event(n)])

    stepping = asyncio.create_task(step())
    await asyncio.sleep(0.05)
    assert not stepping.done() and not delivered  # 8 queued: the bound holds the step back
    redis_slow.set()
    await asyncio.wait_for(stepping, 5)
    await asyncio.wait_for(outbox.drain(), 5)
    sender.cancel()
    assert delivered == [str(n) for n in range(30)]
