"""What the dashboard keeps per env, built from frames as they are read: numbers, plot points, the heat map.

Everything here is bounded (windows, point counts, maps and tiles per map) and cheap per frame,
because one dashboard reads every frame of every env; the heavier summaries are built at most
`update_hz` times per second, once for all pages.
"""

import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from services.dashboard.settings import DashboardSettings
from shared.health import Health
from shared.messages import ActionSource, Frame

SOURCES = tuple(source.value for source in ActionSource)


@dataclass(frozen=True, slots=True)
class Step:
    """The part of a frame the windows keep (never the screen)."""

    ts: float
    step: int
    reward: float
    breakdown: dict[str, float]
    source: str | None
    intervention: bool


LightFrame = tuple[Step, tuple[int, int], str | None, int, int, tuple[int, int]]
"""A frame reduced to what the aggregates need: the step, the map id and name, x, y, the map's size in steps."""


def light(frame: Frame) -> LightFrame:
    state = frame.state
    source = frame.action_source.value if frame.action_source else None
    step = Step(frame.ts, frame.step, frame.reward, frame.reward_breakdown, source, frame.intervention)
    return step, state.map_id, state.map_name, state.x, state.y, (state.map_width, state.map_height)


def pick(counters: dict[str, Any], *names: str) -> float | None:
    """The first of `names` a service reports: counter names differ between versions of a service.

    A tag such as `losses/td_loss` is also looked up as the heartbeat writes it (`losses_td_loss`).
    """
    for name in names:
        for key in (name, name.replace("/", "_")):
            value = counters.get(key)
            if isinstance(value, int | float):
                return float(value)
    return None


class HeatMap:
    """Visits per tile per map, bounded: the least recently visited maps go first when there are too many.

    Each map keeps its size in steps as the game last gave it, so the page draws the whole map (a scrolling
    map up to 40×36 steps, of which a few tiles are visited) rather than the box around the visited tiles.
    """

    def __init__(self, max_maps: int, max_tiles: int) -> None:
        self.max_maps = max_maps
        self.max_tiles = max_tiles
        self.maps: OrderedDict[tuple[int, int], dict[tuple[int, int], int]] = OrderedDict()
        self.names: dict[tuple[int, int], str | None] = {}
        self.sizes: dict[tuple[int, int], tuple[int, int]] = {}
        """The map's (width, height) in steps; (0, 0) where the frames did not say."""
        self.unplaced = 0
        """Visits not placed because their map already had `max_tiles` tiles."""
        self.version = 0

    def visit(self, map_id: tuple[int, int], name: str | None, x: int, y: int, size: tuple[int, int] = (0, 0)) -> None:
        tiles = self.maps.get(map_id)
        if tiles is None:
            tiles = self.maps[map_id] = {}
            self.names[map_id] = name
            if len(self.maps) > self.max_maps:
                dropped, _ = self.maps.popitem(last=False)
                self.names.pop(dropped, None)
                self.sizes.pop(dropped, None)
        else:
            self.maps.move_to_end(map_id)
        self.sizes[map_id] = size
        tile = (x, y)
        if tile in tiles:
            tiles[tile] += 1
        elif len(tiles) < self.max_tiles:
            tiles[tile] = 1
        else:
            self.unplaced += 1
        self.version += 1

    def one(self, map_id: tuple[int, int]) -> dict[str, Any] | None:
        tiles = self.maps.get(map_id)
        if tiles is None:
            return None
        return {
            "map": list(map_id),
            "name": self.names.get(map_id),
            "size": list(self.sizes.get(map_id, (0, 0))),
            "tiles": [[x, y, n] for (x, y), n in tiles.items()],
            "visits": sum(tiles.values()),
        }

    def all(self) -> list[dict[str, Any]]:
        return [m for map_id in reversed(self.maps) if (m := self.one(map_id)) is not None]


class EnvView:
    """One env as the page shows it; fed every frame, summarised a few times a second."""

    def __init__(self, env: str, settings: DashboardSettings) -> None:
        self.env = env
        self.settings = settings
        self.frame: Frame | None = None
        self.frames_seen = 0
        self.recent: deque[Step] = deque(maxlen=settings.recent_steps)
        self.rate: deque[tuple[float, int]] = deque(maxlen=256)
        """(ts, step) of recent frames, for steps/s measured from the frames themselves."""
        self.cumulative = 0.0
        """Sum of the rewards of every frame this dashboard has read (its own window, not the run's)."""
        self.cumulative_log: deque[tuple[float, float]] = deque(maxlen=8_192)
        self.total_offset: float | None = None
        """The run's total reward minus `cumulative`, known once the emulator's heartbeat was read."""
        self.breakdown_seen: Counter[str] = Counter()
        self.interventions_seen = 0
        self.heat = HeatMap(settings.max_maps, settings.max_tiles_per_map)
        self.series: deque[dict[str, Any]] = deque(maxlen=settings.series_points)
        self.version = 0
        self.screen: bytes | None = None
        self.screen_b64: str | None = None
        self.screen_version = 0
        self.health: Health | None = None

    # -- fed by the reader ------------------------------------------------------------------------

    def add(self, frame: Frame) -> None:
        """One frame: a few deque appends and dict updates, nothing proportional to the window."""
        self.frame = frame
        self.add_step(light(frame))

    def add_step(self, light_step: "LightFrame") -> None:
        """The part of `add` that needs no screen: also how the retained window is replayed at start."""
        s, map_id, name, x, y, size = light_step
        self.frames_seen += 1
        self.recent.append(s)
        if self.rate and s.step < self.rate[-1][1]:
            self.rate.clear()  # the emulator restarted from an older save state
        self.rate.append((s.ts, s.step))
        self.cumulative += s.reward
        self.cumulative_log.append((s.ts, self.cumulative))
        self.breakdown_seen.update(s.breakdown)
        self.interventions_seen += s.intervention
        self.heat.visit(map_id, name, x, y, size)
        self.version += 1

    def anchor(self, health: Health) -> None:
        """The emulator's heartbeat says the run's total reward at `health.ts`: align ours to it."""
        self.health = health
        total = health.counters.get("total_reward")
        if not isinstance(total, int | float):
            return
        seen = 0.0
        for ts, cumulative in reversed(self.cumulative_log):
            if ts <= health.ts:
                seen = cumulative
                break
        self.total_offset = float(total) - seen

    def set_screen(self, png: bytes, b64: str) -> None:
        self.screen, self.screen_b64 = png, b64
        self.screen_version += 1

    # -- read by the page ---------------------------------------------------------------------------

    def steps_per_s(self) -> float:
        """Steps per second over the last ~2 seconds of frames (by their own timestamps)."""
        if len(self.rate) < 2:
            return 0.0
        last_ts, last_step = self.rate[-1]
        first_ts, first_step = self.rate[0]
        for ts, step in self.rate:
            if last_ts - ts <= 2.0:
                first_ts, first_step = ts, step
                break
        if time.time() - last_ts > 2.0:
            return 0.0  # paused or stopped: no frames, no speed
        return (last_step - first_step) / (last_ts - first_ts) if last_ts > first_ts else 0.0

    def total_reward(self) -> float:
        return self.cumulative + (self.total_offset or 0.0)

    def shares(self) -> dict[str, float]:
        """Who chose the last actions, as fractions of the recent window."""
        counts = Counter(s.source for s in self.recent if s.source)
        n = sum(counts.values())
        return {source: (counts[source] / n if n else 0.0) for source in SOURCES}

    def summary(self) -> dict[str, Any]:
        """Every live number of this env (what one `env` update carries)."""
        frame = self.frame
        recent_breakdown: Counter[str] = Counter()
        for s in self.recent:
            recent_breakdown.update(s.breakdown)
        counters = self.health.counters if self.health else {}
        out: dict[str, Any] = {
            "env": self.env,
            "frames_seen": self.frames_seen,
            "steps_per_s": round(self.steps_per_s(), 1),
            "total_reward": round(self.total_reward(), 3),
            "total_exact": self.total_offset is not None,
            "recent_reward": round(sum(s.reward for s in self.recent), 3),
            "recent_steps": len(self.recent),
            "recent_breakdown": {k: round(v, 3) for k, v in recent_breakdown.most_common()},
            "breakdown_seen": {k: round(v, 3) for k, v in self.breakdown_seen.most_common()},
            "sources": self.shares(),
            "interventions_recent": sum(s.intervention for s in self.recent),
            "interventions": counters.get("interventions", self.interventions_seen),
            "paused": bool(counters.get("paused", 0)),
            "llm_interval": counters.get("llm_interval"),
            "plan_requests": counters.get("plan_requests"),
            "maps_visited": len(self.heat.maps),
            "tiles_visited": sum(len(t) for t in self.heat.maps.values()),
        }
        if frame is not None:
            state = frame.state
            out.update(
                step=frame.step,
                episode=frame.episode,
                ts=frame.ts,
                action=frame.action.value if frame.action else None,
                action_source=frame.action_source.value if frame.action_source else None,
                state=state.model_dump(mode="json"),
                badges=state.badge_count,
            )
        return out

    def point(self, now: float) -> dict[str, Any]:
        """One plot point; `cum` is turned into the run's total with the offset known when it is served."""
        point = {
            "t": round(now, 2),
            "step": self.frame.step if self.frame else 0,
            "cum": round(self.cumulative, 3),
            "recent_reward": round(sum(s.reward for s in self.recent), 3),
            "steps_per_s": round(self.steps_per_s(), 1),
            **{f"share_{k}": round(v, 3) for k, v in self.shares().items()},
        }
        self.series.append(point)
        return self.served(point)

    def served(self, point: dict[str, Any]) -> dict[str, Any]:
        return {**point, "total_reward": round(point["cum"] + (self.total_offset or 0.0), 3)}

    def series_points(self) -> list[dict[str, Any]]:
        return [self.served(p) for p in self.series]

    def seed_points(self, steps: list[Step]) -> None:
        """Plot points for the retained window read at start, one per `series_interval` of frame time."""
        interval = self.settings.series_interval
        cumulative = self.cumulative - sum(s.reward for s in steps)
        bucket_start: Step | None = None
        window: deque[Step] = deque(maxlen=self.settings.recent_steps)
        for s in steps:
            cumulative += s.reward
            window.append(s)
            if bucket_start is None:
                bucket_start = s
                continue
            if s.ts - bucket_start.ts >= interval:
                counts = Counter(w.source for w in window if w.source)
                n = sum(counts.values()) or 1
                self.series.append(
                    {
                        "t": round(s.ts, 2),
                        "step": s.step,
                        "cum": round(cumulative, 3),
                        "recent_reward": round(sum(w.reward for w in window), 3),
                        "steps_per_s": round((s.step - bucket_start.step) / (s.ts - bucket_start.ts), 1),
                        **{f"share_{k}": round(counts[k] / n, 3) for k in SOURCES},
                    }
                )
                bucket_start = s
