"""Wiring: settings → the learner (from its newest usable checkpoint) → Redis clients → start-up → the loops.

`serve` builds every part from `LearnerSettings`, runs the clock sync and the replay refill
(`start_up`), then the consumer, the answer and stats loops and the training thread until
SIGTERM, and on the way out finishes the current update, checkpoints and writes the stats.
"""

import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from redis.exceptions import RedisError

from services.dqn_learner.agent import choose_device
from services.dqn_learner.checkpoints import load_latest, move_aside
from services.dqn_learner.learner import Learner
from services.dqn_learner.service import GROUP, SERVICE, FrameDecoder, LearnerService
from services.dqn_learner.settings import LearnerSettings
from services.dqn_learner.stats import Stats
from shared.messages import Frame
from shared.runtime import Runtime, run_service
from shared.streams import LoopGuard, StreamReader

log = logging.getLogger(__name__)


def restore(
    settings: LearnerSettings, device: torch.device, directory: Path
) -> tuple[Learner, Path | None, list[Path]]:
    """A learner from the newest usable checkpoint (a fresh one when none is); also which were unusable.

    A file that loads but does not fit (another frame stack, missing keys) is moved aside
    like a corrupt one, and the learner is rebuilt so no half-loaded state survives.
    """
    unusable: list[Path] = []
    while True:
        learner = Learner(settings, device)
        loaded = load_latest(directory, map_location=device)
        if loaded is None:
            return learner, None, unusable
        unusable.extend(loaded.corrupt)
        try:
            learner.load_state_dict(loaded.state)
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            unusable.append(move_aside(loaded.path, exc))
            continue
        return learner, loaded.path, unusable


def run_name(settings: LearnerSettings) -> str:
    """CleanRL-style run name: what, which instance, which seed, when."""
    return f"{SERVICE}__{settings.instance}__{settings.seed}__{int(time.time())}"


async def start_up(service: LearnerService, reader: StreamReader[Frame], client: Any, stop: asyncio.Event) -> None:
    """Clock offset and refill, tried again after each failure (`LoopGuard`) until done or `stop`."""

    async def clock_and_refill() -> None:
        await service.sync_clock(client)
        if service.settings.refill_on_start:
            await service.refill(reader, stop)

    guard = LoopGuard("learner start-up", service.settings.streams, service.stream_counters, stop, log)
    await guard.until_done(clock_and_refill)


async def serve(settings: LearnerSettings, stop: asyncio.Event | None = None) -> None:
    """Run the learner until SIGTERM/SIGINT (or `stop`, when given), then checkpoint and exit cleanly."""
    runtime = Runtime.of(settings, SERVICE, settings.instance, stop=stop, signals=stop is None)
    torch.set_num_threads(settings.torch_threads)
    sys.setswitchinterval(settings.gil_switch_ms / 1000)
    device = choose_device(settings.device)
    base = settings.data_dir / SERVICE
    checkpoint_dir = base / "checkpoints"
    learner, resumed_from, unusable = await asyncio.to_thread(restore, settings, device, checkpoint_dir)
    hyperparameters = settings.model_dump(mode="json", exclude={"streams"})
    tensorboard_dir = settings.data_dir / "tensorboard" / run_name(settings) if settings.tensorboard else None
    stats = Stats(base / "stats.json", tensorboard_dir, hyperparameters, batch_size=settings.batch_size)
    runtime.at_close(stats.close, "the statistics")
    reader = runtime.reader(FrameDecoder())
    service = LearnerService(
        settings, learner, runtime.publisher(), stats, checkpoint_dir, runtime.counters, runtime.redis
    )
    consumer = runtime.consumer(
        group=GROUP,
        name=settings.instance,
        model=FrameDecoder(),
        handler=service.handle,
        patterns=[settings.keys.frames("*")],
    )
    async with runtime:
        log.info(
            "learner on %s (%d torch threads); %s; buffer %d transitions (%.0f MB when full)",
            device,
            settings.torch_threads,
            f"resumed from {resumed_from.name} at {learner.agent.updates} updates" if resumed_from else "fresh network",
            settings.buffer_capacity,
            learner.buffer.nbytes / 1e6,
        )
        for path in unusable:
            await service.event("checkpoint_corrupt", f"unusable checkpoint moved aside: {path.name}", level="warning")
        if resumed_from is not None:
            await service.event("resumed", f"resumed from {resumed_from.name}", data={"updates": learner.agent.updates})
        try:
            await start_up(service, reader, runtime.redis, runtime.stop)
            if settings.replay_ratio_mode == "hold":
                # The refill's frames were played while no learner held the game (most of them trained on before
                # the restart): holding the game until up to `max_update_backlog` updates are paid for them would
                # stop it for a minute at every start. The ratio holds from here on.
                forgiven = learner.forgive_backlog()
                log.info(
                    "hold mode: %d updates owed to the refilled frames dropped; the ratio holds from now", forgiven
                )
            service.trainer.start()
            if runtime.stop.is_set():
                return
            # The heartbeat starts after the refill: emulators wait for answers only while it is alive.
            runtime.heartbeat(service.health_counters)
            runtime.spawn(consumer.run(), f"consumer:{GROUP}:{settings.instance}")
            runtime.spawn(service.answer_loop(), "answer")
            runtime.spawn(service.stats_loop(runtime.redis), "stats")
            if settings.replay_ratio_mode == "hold":
                runtime.spawn(service.hold.run(), "hold")
            await runtime.stop.wait()
            log.info("stopping: finishing the current update, then a checkpoint")
        finally:
            await runtime.end_heartbeat()  # emulators stop waiting for answers at once
            await runtime.cancel_tasks()
            await release_hold(service)
            await asyncio.to_thread(service.trainer.stop)
            await asyncio.to_thread(service.trainer.checkpoint)
            await service.write_stats()
    log.info("stopped at %d updates, %d frames seen", learner.agent.updates, learner.frames_seen)


async def release_hold(service: LearnerService) -> None:
    """Let the emulators go at once on the way out (else they would wait for the key's TTL)."""
    try:
        await service.hold.release()
    except (RedisError, OSError) as exc:
        log.warning("could not delete the hold key (%s); it expires by itself within its TTL", exc)


def main(argv: Sequence[str] | None = None) -> None:
    run_service(LearnerSettings, serve, "python -m services.dqn_learner", argv)
