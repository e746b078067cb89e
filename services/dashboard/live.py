"""The hub: one reader per dashboard process, fanning decimated updates out to every open page.

Pages never cause Redis reads: the hub tails `frames:{env}`, `events` and `episodes` (plain XREAD, no group),
reads the heartbeats and screens on its own clock, and every `1/update_hz` seconds encodes each
change once as a Server-Sent Event that all pages' queues share. A slow page loses its oldest
updates; it never slows the others, the reader, or the emulator.
"""

import asyncio
import base64
import json
import logging
import time
from collections import OrderedDict, deque
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from redis.asyncio import Redis

from services.dashboard.curve import LearningCurve
from services.dashboard.settings import DashboardSettings
from services.dashboard.views import EnvView, LightFrame, light, pick
from shared import planner_counters
from shared.counters import Counters
from shared.health import Health, read_health
from shared.messages import Episode, Event, Frame, Message
from shared.streams import LoopGuard, StreamCounters, StreamEntry, StreamReader, cancelled, is_transient

log = logging.getLogger(__name__)

SEED_PAGE = 1_000
READ_COUNT = 1_000
READ_BLOCK_MS = 200
KEEPALIVE = b": keepalive\n\n"


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event, encoded once and shared by every page."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class Client:
    """One open page: a bounded queue of encoded events; the oldest are dropped when it falls behind."""

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    def offer(self, chunk: bytes | None) -> None:
        while True:
            try:
                self.queue.put_nowait(chunk)
                return
            except asyncio.QueueFull:
                with suppress(asyncio.QueueEmpty):
                    self.queue.get_nowait()
                    self.dropped += 1


@dataclass
class Seen:
    """A service instance as last seen; `up` is recomputed at every health read."""

    health: Health
    up: bool
    seen_at: float


class Hub:
    """The live state of the run, and the fan-out of its changes to every open page."""

    def __init__(self, settings: DashboardSettings, client: Redis, reader: StreamReader[Message]) -> None:
        self.settings = settings
        self.keys = settings.keys
        self.client = client
        self.reader = reader
        self.envs: dict[str, EnvView] = {}
        self.services: dict[tuple[str, str], Seen] = {}
        self.events: deque[dict[str, Any]] = deque(maxlen=settings.events_kept)
        self.acks: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.learner_series: deque[dict[str, Any]] = deque(maxlen=settings.series_points)
        self.curve = LearningCurve(settings.curve_episodes, settings.curve_window)
        self.clients: set[Client] = set()
        self.counters = Counters("frames_read events_read episodes_read bad_entries updates_sent clients")
        """What the hub read and sent; `bad_entries` did not decode, or were of a kind their stream does not carry
        (skipped, never fatal)."""
        self.stats = StreamCounters()
        """Connection errors, reconnects and loop errors of the hub's loops (their `LoopGuard`s count here)."""
        self.ready = asyncio.Event()
        """Set once the streams were discovered and the retained windows read (tests wait on it)."""
        self._positions: dict[str, str] = {}
        self._new_events: list[dict[str, Any]] = []
        self._new_episodes: list[dict[str, Any]] = []
        self._curve_sent = 0
        """The curve's version its last `episodes` update carried (new points, or a new count of skipped)."""
        self._services_dirty = False
        self._next_discover = 0.0
        self._tick_sent: dict[str, tuple[int, int]] = {}
        """Per env, the (view, screen) versions its last `env` update carried."""
        self._heat_sent: dict[str, int] = {}
        self._next_point = self._next_heat = self._next_screen = 0.0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        loops = {"read": self._read_loop, "health": self._health_loop, "tick": self._tick_loop}
        self._tasks = [asyncio.create_task(loop(), name=f"dashboard:{name}") for name, loop in loops.items()]

    def _guard(self, what: str) -> LoopGuard:
        return LoopGuard(f"dashboard {what}", self.settings.streams, self.stats, self._stop, log)

    async def aclose(self) -> None:
        self._stop.set()
        for client in list(self.clients):
            client.offer(None)
        await cancelled(self._tasks)

    def subscribe(self) -> Client:
        """A new page: it first gets the whole picture, then only changes."""
        client = Client(self.settings.client_queue)
        client.offer(sse("snapshot", self.snapshot()))
        self.clients.add(client)
        self.counters.clients = len(self.clients)
        return client

    def unsubscribe(self, client: Client) -> None:
        self.clients.discard(client)
        self.counters.clients = len(self.clients)

    def broadcast(self, chunk: bytes) -> None:
        for client in self.clients:
            client.offer(chunk)
        self.counters.updates_sent += 1

    # -- what pages and the API see -------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "envs": {env: self.env_payload(view, full=True) for env, view in sorted(self.envs.items())},
            "services": self.services_payload(),
            "learner_series": list(self.learner_series),
            "events": list(self.events)[-100:],
            "curve": self.curve.payload(),
            "ts": time.time(),
        }

    def env_payload(self, view: EnvView, full: bool = False) -> dict[str, Any]:
        payload = view.summary()
        planners = (seen.health.counters for (service, _), seen in self.services.items() if service == "llm_planner")
        emulator = view.health.counters if view.health else {}
        payload["plans"] = planner_counters.per_env({view.env: emulator}, planners).get(view.env, {})
        if full:
            payload["series"] = view.series_points()
            payload["heat"] = self.current_heat(view)
            payload["screen"] = view.screen_b64
            payload["screen_version"] = view.screen_version
        return payload

    def current_heat(self, view: EnvView) -> dict[str, Any] | None:
        if view.frame is None:
            return None
        heat = view.heat.one(view.frame.state.map_id)
        if heat is not None:
            heat["env"] = view.env
            heat["position"] = [view.frame.state.x, view.frame.state.y]
        return heat

    def services_payload(self) -> list[dict[str, Any]]:
        now = time.time()
        out = []
        for (service, instance), seen in sorted(self.services.items()):
            health = seen.health
            out.append(
                {
                    "service": service,
                    "instance": instance,
                    "up": seen.up,
                    "status": health.status if seen.up else "down",
                    "last_status": health.status,
                    "age_s": round(now - health.ts, 1),
                    "interval": health.interval,
                    "host": health.host,
                    "pid": health.pid,
                    "uptime_s": round(health.ts - health.started_at, 1),
                    "counters": health.counters,
                    "about": health.about,
                }
            )
        return out

    # -- the reader ---------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        """Discover envs, read their retained windows once, then tail frames and events."""
        await self._guard("reader").run(self._read_turn)

    async def _read_turn(self) -> None:
        if time.monotonic() >= self._next_discover:
            await self._discover()
            self._next_discover = time.monotonic() + self.settings.discover_interval
            self.ready.set()
        batch = await self.reader.tail(self._positions, count=READ_COUNT, block_ms=READ_BLOCK_MS)
        for entry in batch:
            self._positions[entry.stream] = entry.entry_id
            message = entry.message
            if isinstance(message, Frame):
                view = self.envs.get(message.env)
                if view is not None:
                    view.add(message)
                    self.counters.frames_read += 1
            elif isinstance(message, Event):
                self._take_event(entry.entry_id, message)
            elif entry.stream == self.keys.episodes:
                self._take_episode(entry)
            else:
                self.counters.bad_entries += 1
        if not batch:
            await asyncio.sleep(0)

    async def _discover(self) -> None:
        """New `frames:{env}` streams become envs (their window read first); `events` and `episodes` are tailed
        from their newest retained entries."""
        if self.keys.episodes not in self._positions:
            await self._seed_curve()
        if self.keys.events not in self._positions:
            page = await self.reader.latest(self.keys.events, count=self.settings.events_kept)
            for entry in reversed(page.entries):
                if isinstance(entry.message, Event):
                    self._take_event(entry.entry_id, entry.message, announce=False)
            self._positions[self.keys.events] = page.entries[0].entry_id if page.entries else "0-0"
        prefix = self.keys.frames("")
        for stream in await self.reader.streams(f"{prefix}*"):
            env = stream[len(prefix) :]
            if env and env not in self.envs:
                await self._seed(env, stream)

    async def _seed(self, env: str, stream: str) -> None:
        """Replay the newest `seed_frames` of an env's retained window: heat map, windows and plots from the start."""
        view = EnvView(env, self.settings)
        newest_id = await self.reader.last_id(stream)
        steps: list[LightFrame] = []
        newest: Frame | None = None
        before: str | None = None
        remaining = self.settings.seed_frames
        if newest_id != "0-0":
            before = _after(newest_id)
        while remaining > 0 and before is not None:
            page = await self.reader.latest(stream, count=min(SEED_PAGE, remaining), before=before)
            for entry in page.entries:
                if isinstance(entry.message, Frame):
                    newest = newest or entry.message
                    steps.append(light(entry.message))
            remaining -= len(page.entries)
            before = page.next_before
            await asyncio.sleep(0)
        steps.reverse()
        for item in steps:
            view.add_step(item)
        view.frame = newest
        view.seed_points([item[0] for item in steps])
        self.envs[env] = view
        self._positions[stream] = newest_id
        seen = self.services.get(("emulator", f"env{env}"))
        if seen is not None:
            view.anchor(seen.health)
        log.info("env %s: read %d frames of its retained window", env, len(steps))

    async def _seed_curve(self) -> None:
        """The newest `curve_episodes` of the `episodes` stream, replayed oldest first so the rolling figures
        are those of their time."""
        stream = self.keys.episodes
        newest_id = await self.reader.last_id(stream)
        entries: list[StreamEntry[Message]] = []
        before: str | None = _after(newest_id) if newest_id != "0-0" else None
        while before is not None and len(entries) < self.settings.curve_episodes:
            count = min(SEED_PAGE, self.settings.curve_episodes - len(entries))
            page = await self.reader.latest(stream, count=count, before=before)
            entries.extend(page.entries)
            before = page.next_before
        for entry in reversed(entries):
            self._take_episode(entry, announce=False)
        self._curve_sent = self.curve.version
        self._positions[stream] = newest_id
        if entries:
            log.info("learning curve: read %d episodes of the retained window", len(entries))

    def _take_episode(self, entry: StreamEntry[Message], announce: bool = True) -> None:
        """An entry of `episodes`: a point of the curve, or skipped and counted (a bad entry never stops the read)."""
        if not isinstance(entry.message, Episode):
            self.counters.bad_entries += 1
            self.curve.skip()
            log.warning(
                "%s %s skipped: %s",
                entry.stream,
                entry.entry_id,
                entry.error or f"a {entry.message.KIND if entry.message else '?'} entry, not an episode",
            )
            return
        self.counters.episodes_read += 1
        point = self.curve.add(entry.entry_id, entry.message)
        if announce:
            self._new_episodes.append(point)

    def _take_event(self, entry_id: str, event: Event, announce: bool = True) -> None:
        self.counters.events_read += 1
        item = {"id": entry_id, **event.model_dump(mode="json")}
        self.events.append(item)
        if event.kind == "control_ack" and isinstance(event.data.get("id"), str):
            self.acks[event.data["id"]] = item
            while len(self.acks) > 1_000:
                self.acks.popitem(last=False)
        if announce:
            self._new_events.append(item)

    # -- heartbeats and screens ----------------------------------------------------------------------

    async def _health_loop(self) -> None:
        await self._guard("health read").run(self._read_health, interval=self.settings.health_interval)

    async def _read_health(self) -> None:
        self._update_services(await read_health(self.client, self.keys))

    def _update_services(self, healths: list[Health]) -> None:
        """Live keys are up unless stale; a key that vanished (expired or deleted at shutdown) is down."""
        now = time.time()
        present = set()
        for health in healths:
            key = (health.service, health.instance)
            present.add(key)
            stale = health.age(now) > health.interval * self.settings.streams.heartbeat_ttl_factor
            self.services[key] = Seen(health, up=not stale, seen_at=now)
            if health.service == "emulator" and health.instance.startswith("env"):
                view = self.envs.get(health.instance[3:])
                if view is not None:
                    view.anchor(health)
            if health.service == "dqn_learner":
                self._learner_point(health)
        for key, seen in list(self.services.items()):
            if key not in present:
                seen.up = False
                if now - seen.seen_at > self.settings.down_forget_after:
                    del self.services[key]
        self._services_dirty = True

    def _learner_point(self, health: Health) -> None:
        if self.learner_series and self.learner_series[-1]["t"] >= health.ts:
            return
        c = health.counters
        self.learner_series.append(
            {
                "t": round(health.ts, 2),
                "loss": pick(c, "loss", "losses/td_loss"),
                "margin_loss": pick(c, "losses/margin_loss"),
                "epsilon": pick(c, "epsilon", "charts/epsilon"),
                "mean_q": pick(c, "mean_q", "losses/q_values"),
                "updates_per_s": pick(c, "updates_per_s", "charts/updates_per_s"),
                "samples_per_step": pick(c, "samples_per_step", "charts/samples_per_step"),
            }
        )

    async def _read_screens(self) -> None:
        """The newest PNG of each env, read in the tick that sends it, so no picture waits for the next tick.

        With Redis unreachable the tick goes on without new pictures (the reader's loop reports the
        outage); any other failure is the tick's to report.
        """
        envs = list(self.envs)
        try:
            pngs = await self.client.mget([self.keys.screen(env) for env in envs])
        except Exception as exc:
            if not is_transient(exc):
                raise
            return
        for env, png in zip(envs, pngs, strict=True):
            view = self.envs[env]
            if png is not None and png != view.screen:
                view.set_screen(png, base64.b64encode(png).decode())

    # -- the fan-out --------------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        """Every 1/update_hz: one `env` update per changed env (with its new screen, read here only while a
        page is open), and the services, heat maps and events when due."""
        period = 1 / self.settings.update_hz
        guard = self._guard("tick")
        while not self._stop.is_set():
            started = time.monotonic()
            if await guard.turn(partial(self._tick, started, period)):
                await guard.wait(max(0.0, period - (time.monotonic() - started)))

    async def _tick(self, started: float, period: float) -> None:
        now_wall = time.time()
        points = started >= self._next_point
        if points:
            self._next_point = started + self.settings.series_interval
        if self.settings.screen_hz and self.clients and self.envs and started >= self._next_screen:
            self._next_screen = started + 1 / self.settings.screen_hz - period / 2
            await self._read_screens()
        heat_due = started >= self._next_heat
        if heat_due:
            self._next_heat = started + 1.0
        for env, view in list(self.envs.items()):
            point = view.point(now_wall) if points else None
            if not self.clients:
                continue
            marker = (view.version, view.screen_version)
            if marker != self._tick_sent.get(env) or point is not None:
                payload = self.env_payload(view)
                if view.screen_version != self._tick_sent.get(env, (0, 0))[1]:
                    payload["screen"] = view.screen_b64
                    payload["screen_version"] = view.screen_version
                if point is not None:
                    payload["point"] = point
                self.broadcast(sse("env", payload))
                self._tick_sent[env] = marker
            if heat_due and self._heat_sent.get(env) != view.heat.version:
                heat = self.current_heat(view)
                if heat is not None:
                    self.broadcast(sse("heat", heat))
                self._heat_sent[env] = view.heat.version
        if self._services_dirty:
            self._services_dirty = False
            if self.clients:
                learner = self.learner_series[-1] if self.learner_series else None
                self.broadcast(sse("services", {"services": self.services_payload(), "learner": learner}))
        if self._new_events:
            events, self._new_events = self._new_events, []
            if self.clients:
                self.broadcast(sse("events", events))
        if self._curve_sent != self.curve.version:
            self._curve_sent = self.curve.version
            points, self._new_episodes = self._new_episodes, []
            if self.clients:
                self.broadcast(sse("episodes", {"points": points, "skipped": self.curve.skipped}))


def _after(entry_id: str) -> str:
    """The smallest id greater than `entry_id`, so an exclusive `before` includes `entry_id` itself."""
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


def known_envs(hub: Hub) -> list[str]:
    """Envs with frames, or with an emulator heartbeat (an emulator that has not sent a frame yet)."""
    from_health = {i[3:] for (s, i), seen in hub.services.items() if s == "emulator" and i.startswith("env")}
    return sorted(set(hub.envs) | from_health)
