"""Lockstep round trip over Redis streams: the latency the emulator's step deadline has to cover.

One iteration: the requester appends a ~6 KB frame, a responder in another process reads it
with XREADGROUP and appends an answer, the requester reads the answer (blocking XREAD).
Measured three ways, so the cost of the streams layer is visible next to bare redis-py:

- `api`: `Publisher` + `StreamReader.tail` against a `Consumer` whose handler publishes the answer;
- `raw_async`: bare `redis.asyncio` (XADD, then XREAD BLOCK) against a bare synchronous responder;
- `raw_sync_pipelined`: a synchronous client sending XADD and XREAD BLOCK in one pipeline.

`measure()` returns the figures as a dict (milliseconds); `make bench` calls it.
"""

import asyncio
import multiprocessing as mp
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis

from shared.keys import Keys
from shared.messages import Event, Frame
from shared.redis_server import LocalRedis
from shared.streams import Consumer, Delivery, Publisher, StreamReader, StreamSettings

KEYS = Keys("bench:")
REQUESTS = KEYS.frames("0")
ANSWERS = KEYS.actions("0")
GROUP = "responder"


def _frame(step: int) -> Frame:
    from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
    from shared.game.state import GameState

    state = GameState(map_group=24, map_number=4, x=5, y=6, facing="down", money=0, johto_badges=0, kanto_badges=0)
    return Frame(env="0", step=step, state=state, screen=bytes(step % 256 for _ in range(SCREEN_WIDTH * SCREEN_HEIGHT)))


def _answer(step: int) -> Event:
    return Event(service="bench", instance="responder", kind="answer", message="", data={"step": step})


# --- responders (each in its own process, like a real service) ---------------------------------------


def _api_responder(url: str, ready: MpEvent, stop: MpEvent) -> None:
    async def main() -> None:
        settings = StreamSettings(read_block_ms=100)
        async with Publisher(url, keys=KEYS, settings=settings) as publisher:

            async def handle(delivery: Delivery[Frame]) -> None:
                await publisher.publish(ANSWERS, _answer(delivery.message.step))

            consumer = Consumer(
                url, keys=KEYS, group=GROUP, name="api", model=Frame, handler=handle,
                streams=[REQUESTS], start_id="$", settings=settings,
            )  # fmt: skip
            async with consumer:
                await consumer.ready.wait()
                ready.set()
                while not stop.is_set():
                    await asyncio.sleep(0.05)

    asyncio.run(main())


def _raw_responder(url: str, ready: MpEvent, stop: MpEvent) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.xgroup_create(REQUESTS, GROUP, id="$", mkstream=True)
    except redis.ResponseError as exc:
        if not str(exc).startswith("BUSYGROUP"):
            raise
    ready.set()
    while not stop.is_set():
        reply = client.xreadgroup(GROUP, "raw", {REQUESTS: ">"}, count=16, block=100)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                step = Frame.from_fields(fields).step
                client.xadd(ANSWERS, _answer(step).to_fields(), maxlen=1000, approximate=True)
                client.xack(REQUESTS, GROUP, entry_id)
    client.close()


# --- requesters -------------------------------------------------------------------------------------------

Step = Callable[[int], Awaitable[None]]


async def _api_requester(url: str, n: int, warmup: int) -> list[float]:
    async with Publisher(url, keys=KEYS) as publisher:
        reader = StreamReader(url, model=Event, block_ms=2000)
        try:
            last = await reader.last_id(ANSWERS)

            async def step(i: int) -> None:
                nonlocal last
                await publisher.publish(REQUESTS, _frame(i))
                entries = await reader.tail({ANSWERS: last}, count=1)
                assert entries and entries[0].message and entries[0].message.data["step"] == i, entries
                last = entries[0].entry_id

            return await _timed(step, n, warmup)
        finally:
            await reader.aclose()


async def _raw_async_requester(url: str, n: int, warmup: int) -> list[float]:
    client = aioredis.Redis.from_url(url)
    try:
        rows = await client.xrevrange(ANSWERS, count=1)
        last = rows[0][0] if rows else b"0-0"

        async def step(i: int) -> None:
            nonlocal last
            await client.xadd(REQUESTS, _frame(i).to_fields(), maxlen=10_000, approximate=True)
            reply = await client.xread({ANSWERS: last}, count=1, block=2000)
            last = reply[0][1][0][0]

        return await _timed(step, n, warmup)
    finally:
        await client.aclose()


def _raw_sync_pipelined_requester(url: str, n: int, warmup: int) -> list[float]:
    client = redis.Redis.from_url(url)
    rows = client.xrevrange(ANSWERS, count=1)
    last = rows[0][0] if rows else b"0-0"
    times = []
    for i in range(warmup + n):
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        pipe.xadd(REQUESTS, _frame(i).to_fields(), maxlen=10_000, approximate=True)
        pipe.xread({ANSWERS: last}, count=1, block=2000)
        _, reply = pipe.execute()
        last = reply[0][1][0][0]
        if i >= warmup:
            times.append(time.perf_counter() - started)
    client.close()
    return times


async def _timed(step: Step, n: int, warmup: int) -> list[float]:
    times = []
    for i in range(warmup + n):
        started = time.perf_counter()
        await step(i)
        if i >= warmup:
            times.append(time.perf_counter() - started)
    return times


def _figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    ms = 1000.0
    return {
        "median_ms": round(statistics.median(ordered) * ms, 4),
        "mean_ms": round(statistics.fmean(ordered) * ms, 4),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * ms, 4),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * ms, 4),
        "n": len(ordered),
    }


def _scenario(
    url: str, responder: Callable[[str, MpEvent, MpEvent], None], run: Callable[[], list[float]]
) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    process = ctx.Process(target=responder, args=(url, ready, stop), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the bench responder did not start within 30 s")
        return _figures(run())
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.terminate()
        redis.Redis.from_url(url).delete(REQUESTS, ANSWERS)


def measure(redis_url: str | None = None, n: int = 2_000, warmup: int = 200) -> dict[str, Any]:
    """Median/mean/p90/p99 round trip in ms per variant; starts a throwaway redis-server without `redis_url`."""
    with tempfile.TemporaryDirectory() as tmp:
        server = None if redis_url else LocalRedis(Path(tmp) / "redis").start()
        url = redis_url or server.url  # type: ignore[union-attr]
        try:
            result: dict[str, Any] = {
                "frame_bytes": len(_frame(0).screen),
                "hiredis": _hiredis_available(),
                "api": _scenario(url, _api_responder, lambda: asyncio.run(_api_requester(url, n, warmup))),
                "raw_async": _scenario(url, _raw_responder, lambda: asyncio.run(_raw_async_requester(url, n, warmup))),
                "raw_sync_pipelined": _scenario(
                    url, _raw_responder, lambda: _raw_sync_pipelined_requester(url, n, warmup)
                ),
            }
        finally:
            if server is not None:
                server.stop()
    return result


def _hiredis_available() -> bool:
    try:
        import hiredis  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    import json
    import sys

    sys.stdout.write(json.dumps(measure(), indent=2) + "\n")
