"""Wiring: settings → ROM → the game core (`GameCore.start`, booted once, then from a cached boot state) → the start
state → the runtime (Redis, the heartbeat, the peer and hold checks) → the step loop's parts → the loop."""

import asyncio
import gc
import logging
import random
import socket

from services.emulator.arbiter import Arbiter
from services.emulator.backpressure import Backpressure
from services.emulator.commands import Commands
from services.emulator.envclaim import AUTO_ENV, claim_env, keep_env_claim
from services.emulator.episodes import Episodes
from services.emulator.inbox import Inbox
from services.emulator.loop import Parts, StepLoop
from services.emulator.outbox import Outbox
from services.emulator.peers import Peers
from services.emulator.persistence import Persistence
from services.emulator.planning import Planning
from services.emulator.resets import START, Resets, Start
from services.emulator.run_state import RunState
from services.emulator.savestates import SaveStateStore, read_start_state
from services.emulator.screens import ScreenWriter
from services.emulator.settings import EmulatorSettings
from shared.archive import Archive, RedisHash
from shared.errors import SaveStateError
from shared.game.core import GameCore
from shared.game.machine import resolve_rom
from shared.runtime import Runtime, run_service
from shared.streams import Publisher

log = logging.getLogger(__name__)

SERVICE = "emulator"


async def serve(settings: EmulatorSettings) -> None:
    owner = socket.gethostname()
    if settings.env == AUTO_ENV:
        settings = settings.model_copy(update={"env": await claim_env(settings, owner)})
        await _serve(settings, owner)
    else:
        await _serve(settings)


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


async def _serve(settings: EmulatorSettings, claim_owner: str | None = None) -> None:
    rom = resolve_rom(settings.rom, settings.symbols is not None, settings.world)
    core = await asyncio.to_thread(lambda: GameCore.start(settings.game, boot_cache=settings.boot_cache, rom=rom))
    store = SaveStateStore(settings.data_dir / "states" / f"env{settings.env}", rom.sha256, settings.keep_states)
    try:
        start = begin_at_start(core, settings, store)
    except BaseException:
        core.close()
        raise
    runtime = Runtime.of(settings, SERVICE, f"env{settings.env}")
    runtime.at_close(core.close, "the game")
    keys = settings.keys
    publisher = runtime.publisher()
    inbox = Inbox(publisher, keys, settings.env)
    peers = Peers(
        runtime.redis, keys, settings.peer_check_interval, settings=settings.streams, counters=runtime.counters
    )
    resets = Resets(
        start,
        fixed=settings.start_state is not None,
        archive=Archive(RedisHash(runtime.redis, keys.archive), rom.sha256, settings.archive_size),
        share=settings.archive_share,
        rng=random.Random(f"{settings.seed}:{settings.env}"),
        settings=settings.streams,
    )
    backpressure = Backpressure(
        peers, keys, settings.hold_poll_ms / 1000, settings=settings.streams, counters=runtime.counters
    )
    loop = StepLoop(settings, parts(settings, core, store, publisher, inbox, peers, resets, backpressure))
    runtime.heartbeat(loop.health_counters, about=rom.describe())
    log.info("env %s playing %s", settings.env, rom.describe())
    gc.freeze()  # PyBoy, the modules, the models: they live as long as the process, no collection need walk them
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    async with runtime:
        runtime.spawn(peers.run(), "peers")
        runtime.spawn(backpressure.run(), "hold")
        if claim_owner is not None:
            runtime.spawn(keep_env_claim(settings, claim_owner, runtime.redis), "env-claim")
        await loop.run(runtime.stop)
    log.info("env %s stopped at step %d", settings.env, loop.run_state.step)


def parts(
    settings: EmulatorSettings,
    core: GameCore,
    store: SaveStateStore,
    publisher: Publisher,
    inbox: Inbox,
    peers: Peers,
    resets: Resets,
    backpressure: Backpressure,
) -> Parts:
    """The step loop's parts, each given what it works on."""
    run = RunState()
    arbiter = Arbiter(terrain=core, plan_max_age=settings.llm_plan_max_age)
    outbox = Outbox(
        publisher,
        inbox,
        service=SERVICE,
        instance=settings.instance,
        env=settings.env,
        coalesce_s=settings.send_coalesce_ms / 1000,
    )
    planning = Planning(settings, core, arbiter, peers)
    episodes = Episodes(settings.env, core, resets, arbiter, planning, run_seed=settings.seed)
    persistence = Persistence(
        core, store, resets, episodes, run, outbox, env=settings.env, autosave_every=settings.autosave_every
    )
    commands = Commands(core, store, arbiter, planning, persistence, resets, run, outbox)
    screens = ScreenWriter(settings.redis_url, settings.keys.screen(settings.env), settings.streams)
    return Parts(
        core=core,
        run=run,
        arbiter=arbiter,
        inbox=inbox,
        outbox=outbox,
        planning=planning,
        episodes=episodes,
        persistence=persistence,
        commands=commands,
        resets=resets,
        peers=peers,
        backpressure=backpressure,
        screens=screens,
        publisher=publisher,
    )


def main(argv: list[str] | None = None) -> None:
    run_service(EmulatorSettings, serve, "python -m services.emulator", argv)
