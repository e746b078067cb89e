"""Wiring: settings → ROM → PyBoy (booted once, then from a cached boot state) → Redis → the loop."""

import asyncio
import contextlib
import hashlib
import logging
import signal
import socket
from pathlib import Path

from services.emulator.game import Game
from services.emulator.inbox import Inbox
from services.emulator.peers import Peers
from services.emulator.savestates import SaveStateStore
from services.emulator.service import SERVICE, EmulatorService
from services.emulator.settings import EmulatorSettings
from shared.errors import CrystalRLError, SaveStateError
from shared.health import Heartbeat
from shared.logs import configure_logging
from shared.rom import RomInfo, inspect_rom
from shared.settings import settings_from_cli
from shared.streams import Publisher, is_transient, make_client

log = logging.getLogger(__name__)


def resolve_rom(rom: Path | None) -> RomInfo:
    """The given ROM, checked; or the project's demo cartridge, built when missing or out of date."""
    if rom is None:
        from cartridge.build import ensure_built

        rom = ensure_built()
    return inspect_rom(rom)


def boot_cache_path(settings: EmulatorSettings, rom: RomInfo) -> Path:
    key = hashlib.sha256(f"{rom.sha256}:{settings.boot_frames}".encode()).hexdigest()[:16]
    return settings.data_dir / "boot" / f"{key}.state"


def start_game(settings: EmulatorSettings, rom: RomInfo) -> Game:
    """PyBoy at the start of play: the boot animation is run once and cached as a save state."""
    game = Game(rom, settings.hold_frames, settings.step_frames)
    cache = boot_cache_path(settings, rom)
    if cache.exists():
        try:
            game.load_state(cache.read_bytes(), cache)
            log.info("started from cached boot state %s", cache)
            return game
        except SaveStateError as exc:
            log.warning("%s; booting from power-on instead", exc)
            cache.unlink(missing_ok=True)
    frames = game.boot(settings.boot_frames)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(game.save_state())
    tmp.replace(cache)
    log.info("booted %s in %d frames; boot state cached at %s", rom.title or rom.path.name, frames, cache)
    return game


AUTO_ENV = "auto"
MAX_AUTO_ENVS = 1_000


def env_claim_key(settings: EmulatorSettings, env: int) -> str:
    return f"{settings.key_prefix}env-claim:{env}"


def env_claim_ttl(settings: EmulatorSettings) -> int:
    """Seconds a claim outlives its owner: long enough for a restart, short enough to free a removed replica's id."""
    return max(30, int(settings.streams.heartbeat_interval * 6))


async def claim_env(settings: EmulatorSettings, owner: str) -> str:
    """`--env auto`: the smallest env id free in Redis (`SET env-claim:{n} owner NX EX ttl`), or the one `owner` holds.

    Replicas of one compose service share every setting, so each takes a number here. A
    restarted replica keeps its host name, finds its own claim and resumes the same game
    from that env's save states; a removed replica's claim expires and is taken by the next.
    """
    client = make_client(settings.redis_url, settings.streams)
    ttl = env_claim_ttl(settings)
    delay = settings.streams.backoff_initial
    try:
        while True:
            try:
                for n in range(MAX_AUTO_ENVS):
                    key = env_claim_key(settings, n)
                    if await client.set(key, owner, nx=True, ex=ttl) or await client.get(key) == owner.encode():
                        await client.expire(key, ttl)
                        log.info("env auto: claimed env %d as %s", n, owner)
                        return str(n)
                raise CrystalRLError(f"env auto: all {MAX_AUTO_ENVS} env ids are claimed under {settings.key_prefix}")
            except CrystalRLError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("env auto: Redis unreachable (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(settings.streams.backoff_max, delay * 2)
    finally:
        await client.aclose()


async def keep_env_claim(settings: EmulatorSettings, owner: str) -> None:
    """Refresh the claim with the heartbeat's rhythm; an outage only delays it (the TTL covers a few)."""
    key = env_claim_key(settings, int(settings.env))
    client = make_client(settings.redis_url, settings.streams)
    try:
        while True:
            await asyncio.sleep(settings.streams.heartbeat_interval)
            try:
                if await client.get(key) in (owner.encode(), None):
                    await client.set(key, owner, ex=env_claim_ttl(settings))
                else:
                    log.warning("env auto: env %s is claimed by another owner now", settings.env)
            except Exception as exc:
                if not is_transient(exc):
                    raise
    finally:
        with contextlib.suppress(Exception):
            if await client.get(key) == owner.encode():
                await client.delete(key)
        await client.aclose()


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


async def _serve(settings: EmulatorSettings) -> None:
    rom = resolve_rom(settings.rom)
    game = await asyncio.to_thread(start_game, settings, rom)
    keys = settings.keys
    publisher = Publisher(settings.redis_url, keys=keys, settings=settings.streams)
    inbox = Inbox(publisher, keys, settings.env)
    peers_client = make_client(settings.redis_url, settings.streams)
    peers = Peers(peers_client, keys, settings.peer_check_interval)
    store = SaveStateStore(settings.data_dir / "states" / f"env{settings.env}", rom.sha256, settings.keep_states)
    service = EmulatorService(settings, game, publisher, inbox, peers, store)
    heartbeat = Heartbeat(
        settings.redis_url,
        keys=keys,
        service=SERVICE,
        instance=f"env{settings.env}",
        counters=service.health_counters,
        status="running",
        settings=settings.streams,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("env %s playing %s (%s)", settings.env, rom.title or "?", rom.path)
    peers_task = asyncio.create_task(peers.run(), name="peers")
    try:
        async with heartbeat:
            await service.run(stop)
    finally:
        peers_task.cancel()
        await publisher.aclose()
        await peers_client.aclose()
        game.close()
    log.info("env %s stopped at step %d", settings.env, service.step)


def main(argv: list[str] | None = None) -> None:
    settings = settings_from_cli(EmulatorSettings, argv, prog="python -m services.emulator")
    configure_logging(settings.log_level)
    try:
        asyncio.run(serve(settings))
    except CrystalRLError as exc:
        log.error("%s", exc)
        raise SystemExit(2) from None
