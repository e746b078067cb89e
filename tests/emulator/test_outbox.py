"""The outbox against a real Redis: messages in order, and a bounded queue that holds the step back while the
sender's round trip waits on Redis."""

import asyncio

import pytest
import redis

from services.emulator.inbox import Inbox
from services.emulator.outbox import Outbox
from shared.keys import Keys
from shared.messages import Action, ActionSource, Event
from shared.streams import Publisher, StreamSettings

pytestmark = pytest.mark.timeout(20)


async def test_a_busy_sender_holds_the_step_back_at_the_bound_and_nothing_is_reordered(
    redis_url: str, redis_client: redis.Redis
) -> None:
    keys = Keys("outbox-test:")
    publisher = Publisher(redis_url, keys=keys, settings=StreamSettings(publish_timeout=5.0))
    inbox = Inbox(publisher, keys, "0")
    outbox = Outbox(publisher, inbox, service="test", instance="t", env="0", max_pending=8)
    assert await outbox.exchange()  # the inbox starts here
    sender = asyncio.create_task(outbox.run())
    redis_client.client_pause(400)  # a slow Redis: the sender's round trip waits on it
    await outbox.event("note", "0")
    await asyncio.sleep(0.05)

    async def step() -> None:
        for n in range(1, 30):
            await outbox.event("note", str(n))

    stepping = asyncio.create_task(step())
    await asyncio.sleep(0.1)
    assert not stepping.done()  # 8 queued: the bound holds the step back
    await asyncio.wait_for(stepping, 5)
    await asyncio.wait_for(outbox.drain(), 5)
    sender.cancel()
    notes = [Event.from_fields(fields) for _, fields in redis_client.xrange(keys.events)]
    assert [e.message for e in notes] == [str(n) for n in range(30)]
    assert {(e.service, e.instance, e.env, e.kind) for e in notes} == {("test", "t", "0", "note")}
    await publisher.aclose()


async def test_what_arrives_waits_in_the_inbox_for_the_step_loop(redis_url: str, redis_client: redis.Redis) -> None:
    """Actions and commands come back with the round trip that sends; a bad entry goes to dead, the rest stays."""
    keys = Keys("inbox-test:")
    publisher = Publisher(redis_url, keys=keys)
    inbox = Inbox(publisher, keys, "0")
    outbox = Outbox(publisher, inbox, service="test", instance="t", env="0")
    redis_client.xadd(keys.actions("0"), {"kind": "action", "v": "1", "json": "{}"})  # before the start: not read
    assert await outbox.exchange()
    answer = Action(env="0", step=5, source=ActionSource.DQN, buttons=("a",))  # type: ignore[arg-type]
    redis_client.xadd(keys.actions("0"), answer.to_fields())  # type: ignore[arg-type]
    redis_client.xadd(keys.control("0"), {"kind": "control", "v": "1", "json": "not json"})
    assert await outbox.exchange(block_ms=100)
    assert list(inbox.actions) == [answer] and not inbox.commands
    assert inbox.bad == 1 and redis_client.xlen(keys.dead) == 1
    await publisher.aclose()
