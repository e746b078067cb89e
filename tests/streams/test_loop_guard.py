"""The one loop boundary, against a real Redis: outages back off with a warning per retry, other errors are
counted, logged with their traceback and paused on, the delays grow and are capped, and the loop goes on."""

import asyncio
import logging
import re
import time
from itertools import pairwise

import pytest

from shared.redis_server import LocalRedis
from shared.streams import LoopGuard, StreamCounters, cancelled, make_client
from tests.streams.conftest import eventually, fast_settings

pytestmark = pytest.mark.timeout(30)

LOGGER = "tests.loop_guard"
SETTINGS = fast_settings(backoff_initial=0.05, backoff_max=0.2, backoff_jitter=0.0)
DELAYS = [0.05, 0.1, 0.2, 0.2]
"""What SETTINGS give: doubled from 0.05 s, capped at 0.2 s (no jitter, so exact)."""


def guard_for(counters: StreamCounters, stop: asyncio.Event) -> LoopGuard:
    return LoopGuard("test loop", SETTINGS, counters, stop, logging.getLogger(LOGGER))


def delays_said(messages: list[str], pattern: str) -> list[float]:
    return [float(m.group(1)) for m in (re.search(pattern, text) for text in messages) if m]


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


async def test_an_outage_backs_off_with_one_warning_per_retry_and_the_loop_goes_on_when_redis_is_back(
    redis_server: LocalRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    client = make_client(redis_server.url, SETTINGS)
    counters, stop = StreamCounters(), asyncio.Event()
    guard = guard_for(counters, stop)
    failures: list[float] = []
    done = 0

    async def turn() -> None:
        nonlocal done
        try:
            await client.incr("turns")
        except Exception:
            failures.append(time.monotonic())
            raise
        done += 1

    task = asyncio.create_task(guard.run(turn, interval=0.01))
    try:
        await eventually(lambda: done >= 3, what="turns while Redis is up")
        await asyncio.to_thread(redis_server.stop)
        await eventually(lambda: counters.connection_errors >= 5, what="five failed retries")
        assert guard.down
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert all(m.startswith("test loop: Redis unreachable (ConnectionError") for m in warnings), warnings
        assert delays_said(warnings, r"retry \d+ in ([\d.]+) s")[:4] == DELAYS
        # it waited each delay before the next try
        waited = gaps(failures)[:4]
        assert all(w >= d - 0.01 for w, d in zip(waited, DELAYS, strict=True)), waited
        assert counters.loop_errors == 0 and not any(r.exc_info for r in caplog.records)

        await asyncio.to_thread(redis_server.start)
        back = done
        await eventually(lambda: done >= back + 3, what="turns after Redis came back")
        assert counters.reconnects == 1 and not guard.down
        assert any("test loop: Redis reachable again after" in r.getMessage() for r in caplog.records)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await client.aclose()


async def test_any_other_error_is_counted_logged_with_its_traceback_and_paused_on(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    client = make_client(redis_url, SETTINGS)
    counters, stop = StreamCounters(), asyncio.Event()
    guard = guard_for(counters, stop)
    attempts: list[float] = []
    wrong = {1, 2, 3, 4, 5, 7}
    """Turns on which the key is a string where a stream should be: Redis answers WRONGTYPE."""

    async def turn() -> None:
        attempts.append(time.monotonic())
        if len(attempts) in wrong:
            await client.set("plain", "not a stream")
        else:
            await client.delete("plain")
        await client.xadd("plain", {"n": len(attempts)})

    task = asyncio.create_task(guard.run(turn, interval=0.01))
    try:
        await eventually(lambda: len(attempts) >= 9, what="the turns after the errors")
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await client.aclose()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 6 and counters.loop_errors == 6
    assert all(r.exc_info is not None and "WRONGTYPE" in str(r.exc_info[1]) for r in errors)
    assert all(r.getMessage().startswith("test loop: unexpected error; going on in") for r in errors)
    # the pause grows while errors repeat, is capped, and starts short again after a success (turn 6)
    paused = delays_said([r.getMessage() for r in errors], r"going on in ([\d.]+) s")
    assert paused == [*DELAYS, 0.2, 0.05]
    waited = gaps(attempts)[:5]
    assert all(w >= d - 0.01 for w, d in zip(waited, [*DELAYS, 0.2], strict=True)), waited
    assert counters.connection_errors == 0 and counters.reconnects == 0, "a bug is not reported as an outage"


async def test_until_done_retries_a_start_up_step_until_it_succeeds_or_the_loop_is_stopped(
    redis_server: LocalRedis,
) -> None:
    client = make_client(redis_server.url, SETTINGS)
    counters, stop = StreamCounters(), asyncio.Event()
    guard = guard_for(counters, stop)
    await asyncio.to_thread(redis_server.stop)
    try:
        starting = asyncio.create_task(guard.until_done(client.ping))
        await eventually(lambda: counters.connection_errors >= 2, what="failed start-up attempts")
        assert not starting.done()
        await asyncio.to_thread(redis_server.start)
        assert await asyncio.wait_for(starting, 5) is True
        assert counters.reconnects == 1

        await asyncio.to_thread(redis_server.stop)
        stopped = asyncio.create_task(guard.until_done(client.ping))
        await eventually(lambda: counters.connection_errors >= 3, what="a failed attempt")
        stop.set()
        assert await asyncio.wait_for(stopped, 1) is False
    finally:
        await client.aclose()


async def test_stop_cuts_a_long_pause_short() -> None:
    counters, stop = StreamCounters(), asyncio.Event()
    guard = LoopGuard("slow loop", fast_settings(backoff_initial=10.0, backoff_max=10.0), counters, stop)

    async def broken() -> None:
        raise RuntimeError("a bug")

    task = asyncio.create_task(guard.run(broken))
    await eventually(lambda: counters.loop_errors == 1, what="the first failure")
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 1)
    assert time.monotonic() - started < 0.5


async def test_cancelled_stops_a_task_that_takes_its_first_cancellation_for_something_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As a loop does when a cancellation lands while a timeout expires: it goes on as after an outage."""
    turns = 0

    async def stubborn() -> None:
        nonlocal turns
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                turns += 1
                if turns > 1:
                    raise

    async def failing() -> None:
        raise ValueError("broken at the end")

    task = asyncio.create_task(stubborn(), name="stubborn")
    broken = asyncio.create_task(failing(), name="broken")
    await asyncio.sleep(0)
    await asyncio.wait_for(cancelled([task, broken, None]), 2)
    assert task.cancelled() and turns == 2
    assert "broken failed before it was stopped" in caplog.text  # said, not raised
