"""Wiring: settings → ROM → the game core (booted once, then from a cached boot state) → the start state → Redis →
the archive → the loop."""

import asyncio
import contextlib
import gc
import logging
import random
import signal
import socket

from services.emulator.archive import Archive
from services.emulator.backpressure import Backpressure
from services.emulator.envclaim import AUTO_ENV, claim_env, keep_env_claim
from services.emulator.inbox import Inbox
from services.emulator.peers import Peers
from services.emulator.resets import START, Resets, Start
from services.emulator.savestates import SaveStateStore, read_start_state
from services.emulator.service import SERVICE, EmulatorService
from services.emulator.settings import EmulatorSettings
from shared.entrypoint import run_service
from shared.errors import SaveStateError
from shared.game.core import GameCore
from shared.game.machine import resolve_rom
from shared.health import Heartbeat
from shared.streams import Publisher, make_client

log = logging.getLogger(__name__)


async def serve(settings: EmulatorSettings) -> None:
    claim_task: asyncio.Task[None] | None = None
    if settings.env == AUTO_ENV:
        owner = socket.gethostname()
        settings = settings.model_copy(update={"env": await claim_env(settings, owner)})
        claim_task = asyncio.create_task(keep_env_claim(settings, owner), name="env-claim")
    try:
        await _serve(settings)
    finally:
        if claim_task is not None:
            claim_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await claim_task


GC_YOUNG_THRESHOLD = 20_000
"""Allocations between two collections of the youngest objects. With Python's 700 a collection came every
60 steps and took 0.26 ms (5 µs a step); the step makes almost no cycles, and with this none came in 3,000."""


def begin_at_start(core: GameCore, settings: EmulatorSettings, store: SaveStateStore) -> Start:
    """The start state: `--start-state` loaded into the core (a bad one stops the emulator here, with one line
    naming it), or the state after boot the core began at."""
    if settings.start_state is None:
        return Start(core.start_state, START)
    try:
        data = read_start_state(settings.start_state, store)
        core.load(data, settings.start_state)
    except SaveStateError as exc:
        raise SaveStateError(f"--start-state: {exc}") from None
    core.start_state = data
    core.progress.start(core.state)
    return Start(data, settings.start_state)


async def _serve(settings: EmulatorSettings) -> None:
    rom = resolve_rom(settings.rom, settings.symbols is not None)
    core = await asyncio.to_thread(settings.start_core, rom)
    store = SaveStateStore(settings.data_dir / "states" / f"env{settings.env}", rom.sha256, settings.keep_states)
    try:
        start = begin_at_start(core, settings, store)
    except BaseException:
        core.close()
        raise
    keys = settings.keys
    publisher = Publisher(settings.redis_url, keys=keys, settings=settings.streams)
    inbox = Inbox(publisher, keys, settings.env)
    peers_client = make_client(settings.redis_url, settings.streams)
    peers = Peers(
        peers_client, keys, settings.peer_check_interval, settings=settings.streams, counters=publisher.counters
    )
    archive_client = make_client(settings.redis_url, settings.streams)
    resets = Resets(
        start,
        fixed=settings.start_state is not None,
        archive=Archive(archive_client, keys, rom.sha256, settings.archive_size),
        share=settings.archive_share,
        rng=random.Random(f"{settings.seed}:{settings.env}"),
        settings=settings.streams,
    )
    backpressure = Backpressure(
        peers, keys, settings.hold_poll_ms / 1000, settings=settings.streams, counters=publisher.counters
    )
    service = EmulatorService(settings, core, publisher, inbox, peers, store, resets, backpressure)
    heartbeat = Heartbeat(
        settings.redis_url,
        keys=keys,
        service=SERVICE,
        instance=f"env{settings.env}",
        counters=service.health_counters,
        status="running",
        about=rom.describe(),
        settings=settings.streams,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("env %s playing %s", settings.env, rom.describe())
    gc.freeze()  # PyBoy, the modules, the models: they live as long as the process, no collection need walk them
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    peers_task = asyncio.create_task(peers.run(), name="peers")
    hold_task = asyncio.create_task(backpressure.run(), name="hold")
    try:
        async with heartbeat:
            await service.run(stop)
    finally:
        peers_task.cancel()
        hold_task.cancel()
        await publisher.aclose()
        await peers_client.aclose()
        await archive_client.aclose()
        core.close()
    log.info("env %s stopped at step %d", settings.env, service.step)


def main(argv: list[str] | None = None) -> None:
    run_service(EmulatorSettings, serve, "python -m services.emulator", argv)
