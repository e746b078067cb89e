"""The learner service: frames of every env in, one batched answer per env out, training on the side.

    frames:{env} ──(group `learner`)──> handle: decode, stack, store transition, ack
                                           │ newest frame per env
                                           ▼
                                  answer loop: one forward pass for all waiting envs
                                           │ (the traced actor network, on the loop's thread)
                                           ▼
                                  actions:{env} (source dqn, the frame's step)
    training thread (at `train_priority`): Double-DQN updates while owed, checkpoint every N updates
    hold loop (`replay_ratio_mode=hold`): the emulators wait while training is behind (`hold.py`)
    stats loop: heartbeat counters, TensorBoard (with the `episodes` stream's episodes), stats file

"Ack after use": a frame is acknowledged once it is stored for learning. Its answer
follows within a millisecond or two; after a crash, answering it again would be too late
for the emulator's deadline anyway, so the answer is not what the acknowledgement waits for.

The streams layer hands its handler one message at a time and acknowledges a read's
entries after the handler returns, so the handler must not wait for the forward pass (that
would make every batch one frame). It queues the observation instead, and the answer loop
takes everything queued (one read can hold frames of every env) into one forward pass.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from services.dqn_learner.hold import Hold
from services.dqn_learner.learner import Learner
from services.dqn_learner.observation import Observation, legal_mask, screen_array
from services.dqn_learner.settings import LearnerSettings
from services.dqn_learner.stats import Stats, flat
from services.dqn_learner.trainer import TrainingThread
from shared.buttons import BUTTONS
from shared.health import read_health
from shared.messages import Action, ActionSource, Episode, Event, Fields, Frame
from shared.streams import (
    Decoder,
    Delivery,
    LoopGuard,
    Publisher,
    StreamCounters,
    StreamReader,
)

log = logging.getLogger(__name__)

SERVICE = "dqn_learner"
GROUP = "learner"
EMULATOR = "emulator"
EMULATOR_COUNTERS = ("steps", "deadline_waits", "deadline_missed", "source_dqn")
"""Counters of the emulators' heartbeats summed into the learner's stats (`emulator/…`)."""
REFILL_PAGE = 500
EPISODES_PAGE = 500


class FrameDecoder(Decoder[Frame]):
    """Frames the network can read; any other entry is a `MessageError`, which the consumer sends to `dead`."""

    def __init__(self) -> None:
        super().__init__(Frame)

    def decode(self, fields: Fields | None) -> Frame:
        frame = super().decode(fields)
        screen_array(frame)
        legal_mask(frame)
        return frame


def entry_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id ("ms-seq") as a comparable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class _Waiting:
    obs: Observation
    frame: Frame
    entry_ms: int
    """When Redis stored the frame (its entry id), on Redis's clock."""
    taken: float
    """When the learner was handed the frame (`time.perf_counter`)."""


class LearnerService:
    """The loops around a `Learner`: the frame handler, the answer loop, stats; the training thread."""

    def __init__(
        self,
        settings: LearnerSettings,
        learner: Learner,
        publisher: Publisher,
        stats: Stats,
        checkpoint_dir: Path,
        stream_counters: StreamCounters,
        client: Any,
    ) -> None:
        self.settings = settings
        self.keys = settings.keys
        self.learner = learner
        self.publisher = publisher
        self.stats = stats
        self.stream_counters = stream_counters
        self.trainer = TrainingThread(learner, checkpoint_dir, stats.counters)
        self.hold = Hold(learner, client, settings, stream_counters)
        self.episodes: StreamReader[Episode] = StreamReader(model=Episode, client=client)
        self._episodes_after = "0-0"
        """The last entry of the `episodes` stream written to TensorBoard: a new run shows every retained one."""
        self.refilled_until: dict[str, tuple[int, int]] = {}
        """Per stream, the last entry the refill learned from; the group's deliveries up to it are only acked."""
        self._refill_done: set[str] = set()
        self._waiting: dict[str, _Waiting] = {}
        self._work = asyncio.Event()
        self.answer_failures = 0
        self.redis_clock_offset_ms = 0.0
        """Redis's clock minus ours: frame ages are measured on Redis's clock (entry ids), so the
        emulators' and the learner's hosts need not agree on the time."""

    def redis_now_ms(self) -> float:
        return time.time() * 1000 + self.redis_clock_offset_ms

    async def sync_clock(self, client: Any) -> None:
        """Measure the offset of Redis's clock (TIME), halving the round trip."""
        before = time.time()
        seconds, micros = await client.time()
        after = time.time()
        self.redis_clock_offset_ms = (seconds + micros / 1e6 - (before + after) / 2) * 1000

    # --- frames in -------------------------------------------------------------------------

    async def handle(self, delivery: Delivery[Frame]) -> None:
        """The consumer's handler: learn from the frame, and queue it for an answer if it is fresh."""
        taken = time.perf_counter()
        until = self.refilled_until.get(delivery.stream)
        if until is not None and entry_key(delivery.entry_id) <= until:
            self.stats.counters.skipped += 1
            return
        frame = delivery.message
        obs = self.learner.observe(frame)
        self.stats.counters.frames += 1
        if obs.final:
            return  # the episode's last frame: the emulator resets without waiting for an answer
        if delivery.redelivered:
            return  # claimed after a restart or a failure: far too late to answer
        entry_ms = entry_key(delivery.entry_id)[0]
        if self.redis_now_ms() - entry_ms > self.settings.answer_max_age_ms:
            self.stats.counters.stale += 1
            return
        if frame.env in self._waiting:
            self.stats.counters.superseded += 1
        self._waiting[frame.env] = _Waiting(obs, frame, entry_ms, taken)
        self._work.set()

    async def refill(self, reader: StreamReader[Frame], stop: asyncio.Event) -> None:
        """Learn from the retained window of every `frames:*` stream, oldest first, before consuming.

        Each stream is read up to its newest entry at this moment; the group then delivers
        what follows (and redelivers what was already here, which `handle` only acks). After
        an outage, a second call goes on where the first stopped.
        """
        streams = await reader.streams(self.keys.frames("*"))
        started = time.perf_counter()
        for stream in streams:
            end = await reader.last_id(stream)
            if end == "0-0" or stream in self._refill_done:
                continue
            done = self.refilled_until.get(stream)
            start = f"({done[0]}-{done[1]}" if done else "-"
            while not stop.is_set():
                entries = await reader.range(stream, start, end, count=REFILL_PAGE)
                for entry in entries:
                    if entry.message is None:
                        self.stats.counters.refill_bad += 1
                    else:
                        self.learner.observe(entry.message)
                        self.stats.counters.refilled += 1
                    self.refilled_until[stream] = entry_key(entry.entry_id)
                if len(entries) < REFILL_PAGE:
                    break
                start = f"({entries[-1].entry_id}"
                await asyncio.sleep(0)  # let the heartbeat and signals through between pages
            if stop.is_set():
                return
            self.refilled_until[stream] = entry_key(end)
            self._refill_done.add(stream)
        log.info(
            "refilled the replay buffer from %d streams: %d frames, %d transitions in %.1f s (%d undecodable)",
            len(streams),
            self.stats.counters.refilled,
            len(self.learner.buffer),
            time.perf_counter() - started,
            self.stats.counters.refill_bad,
        )

    # --- actions out -----------------------------------------------------------------------

    async def answer_loop(self) -> None:
        """Answer every waiting env with one forward pass; runs until cancelled."""
        while True:
            await self._work.wait()
            self._work.clear()
            while self._waiting:
                try:
                    await self._answer_batch()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Loop boundary: a failed batch loses those answers (the emulator falls back
                    # to its rules for the step), is logged and counted, and the next batch goes on.
                    self.answer_failures += 1
                    log.exception("answering a batch of frames failed")

    async def _answer_batch(self) -> None:
        envs = list(self._waiting)[: self.settings.max_batch]
        batch = [self._waiting.pop(env) for env in envs]
        started = time.perf_counter()
        # On the loop's thread: the forward pass runs without the GIL (see `DQNAgent`), and a hop to a worker
        # thread would cost more than it (two thread wake-ups and a GIL handover, on cores the emulators share).
        actions, _ = self.learner.act([w.obs for w in batch])
        self.stats.inference.add((time.perf_counter() - started) * 1000)
        messages = [
            (
                self.keys.actions(w.frame.env),
                Action(env=w.frame.env, step=w.frame.step, source=ActionSource.DQN, buttons=(BUTTONS[int(a)],)),
            )
            for w, a in zip(batch, actions, strict=True)
        ]
        await self.publisher.publish_many(messages)
        published = time.perf_counter()
        now_ms = self.redis_now_ms()
        counters = self.stats.counters
        counters.actions_sent += len(batch)
        counters.batches += 1
        self.stats.batch_sizes.append(len(batch))
        for w in batch:
            self.stats.turnaround.add((published - w.taken) * 1000)
            age_ms = now_ms - w.entry_ms
            self.stats.answer.add(age_ms)
            if age_ms > self.settings.action_deadline_ms:
                counters.late += 1

    # --- stats -----------------------------------------------------------------------------

    def values(self) -> dict[str, float]:
        means = self.trainer.take_means()
        learner_values = {
            **self.learner.values(),
            "losses/td_loss": round(means["loss"], 6),
            "losses/margin_loss": round(means["margin_loss"], 6),
            "losses/q_values": round(means["mean_q"], 4),
            "charts/demo_batch_share": round(means["demo_share"], 4),
        }
        values = self.stats.snapshot(learner_values)
        values["counters/answer_failures"] = self.answer_failures
        return values

    def health_counters(self) -> dict[str, int | float]:
        values = flat(self.values())
        return {
            **values,
            "samples_per_step": values.pop("charts_samples_per_step"),
            **self.hold.counters(),
            **self.stream_counters.as_dict(),
            "publish_backlog": self.publisher.backlog,
        }

    async def stats_loop(self, health_client: Any) -> None:
        """Every `stats_interval`: fold in the emulators' counters, write TensorBoard and the stats file, log a line.

        A failed round is retried after its delay (`LoopGuard`), then the rhythm goes on.
        """
        guard = LoopGuard("learner stats", self.settings.streams, self.stream_counters, logger=log)
        await asyncio.sleep(self.settings.stats_interval)
        await guard.run(partial(self._stats_round, health_client), interval=self.settings.stats_interval)

    async def _stats_round(self, health_client: Any) -> None:
        await self.sync_clock(health_client)
        await self._collect_emulators(health_client)
        await self.write_stats(await self._new_episodes())

    async def _new_episodes(self) -> list[Episode]:
        """The `episodes` stream's entries since the last round (undecodable ones counted and skipped)."""
        stream = self.keys.episodes
        found: list[Episode] = []
        while True:
            entries = await self.episodes.range(stream, f"({self._episodes_after}", "+", count=EPISODES_PAGE)
            for entry in entries:
                if entry.message is None:
                    self.stats.counters.episodes_bad += 1
                else:
                    found.append(entry.message)
                self._episodes_after = entry.entry_id
            if len(entries) < EPISODES_PAGE:
                return found

    async def _collect_emulators(self, client: Any) -> None:
        sums = dict.fromkeys(EMULATOR_COUNTERS, 0.0)
        for health in await read_health(client, self.keys):
            if health.service == EMULATOR:
                for name in EMULATOR_COUNTERS:
                    sums[name] += float(health.counters.get(name, 0))
        self.stats.emulators = sums

    async def write_stats(self, episodes: list[Episode] | None = None) -> dict[str, float]:
        values = self.values()
        await asyncio.to_thread(self._write, values, episodes or [])
        log.info(
            "updates %d (%.1f/s) frames %d samples/step %.2f (%s %.2f) held %d ms"
            " epsilon %.3f loss %.4f q %.3f buffer %d (%.0f MB)"
            " | answered %d, inference p50/p99 %.2f/%.2f ms, answer p50/p99 %.1f/%.1f ms, emulator missed %d",
            values["charts/updates"],
            values["charts/updates_per_s"],
            values["counters/frames"],
            values["charts/samples_per_step"],
            self.settings.replay_ratio_mode,
            self.settings.batch_size / self.settings.train_every,
            self.hold.counters()["held_ms"],
            values["charts/epsilon"],
            values["losses/td_loss"],
            values["losses/q_values"],
            values["buffer/size"],
            values["buffer/used_bytes"] / 1e6,
            values["counters/actions_sent"],
            values["latency/inference_ms_p50"],
            values["latency/inference_ms_p99"],
            values["latency/answer_ms_p50"],
            values["latency/answer_ms_p99"],
            values.get("emulator/deadline_missed", 0),
        )
        return values

    def _write(self, values: dict[str, float], episodes: list[Episode]) -> None:
        self.stats.write(values, self.learner.agent.updates)
        self.stats.write_episodes(episodes)

    async def event(self, kind: str, message: str, level: str = "info", data: dict[str, Any] | None = None) -> None:
        event = Event(
            service=SERVICE,
            instance=self.settings.instance,
            kind=kind,
            message=message,
            level=level,  # type: ignore[arg-type]
            data=data or {},
        )
        await self.publisher.publish(self.keys.events, event)
