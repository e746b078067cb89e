"""The console progress report: every `interval` seconds, what the game, the planner and the learner are doing.

Everything comes from Redis and nothing is consumed: the newest frame of each env (level,
badges, money, position), the frames since the last report (recent reward and its
breakdown), the newest finished episodes (how many, their return, how often the badge was
won), and the heartbeats (steps/s, LLM decisions and latency, DQN loss/epsilon/updates,
anti-stuck interventions, which services are up). A service that is down shows as down;
Redis being down shows as one line, never a crash of the run.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from redis.asyncio import Redis

from shared import planner_counters
from shared.health import Health, read_health
from shared.keys import Keys
from shared.messages import Episode, Frame
from shared.streams import StreamReader

RECENT_LIMIT = 5_000
"""Most frames read for the recent reward (the newest ones since the last report; a fast emulator makes more)."""
EPISODES_READ = 200
"""Newest entries of `episodes` read per report: enough for the last ten training episodes between evaluations."""
EPISODES_WINDOW = 10
"""Training episodes the mean return and the badge rate are taken over."""


@dataclass
class EnvProgress:
    """One env's line of the report."""

    env: str
    step: int
    steps_per_s: float
    total_reward: float
    recent_reward: float
    recent_steps: int
    breakdown: dict[str, float]
    frame: Frame
    interventions: int | None = None

    def line(self) -> str:
        s = self.frame.state
        levels = "/".join(str(m.level) for m in s.party) or "-"
        parts = sorted(self.breakdown.items(), key=lambda kv: -abs(kv[1]))[:4]
        breakdown = ", ".join(f"{k} {v:+.2f}" for k, v in parts) or "nothing"
        stuck = f" · anti-stuck {self.interventions}" if self.interventions is not None else ""
        battle = " · battle" if s.battle.active else ""
        return (
            f"env {self.env}: step {self.step:,} ({self.steps_per_s:,.0f} steps/s) · reward {self.total_reward:,.2f} "
            f"(last {self.recent_steps:,} steps {self.recent_reward:+.2f}: {breakdown}) · "
            f"{s.map_name or '?'} ({s.map_group},{s.map_number}) at ({s.x},{s.y}) · money {s.money:,} · "
            f"badges {s.badge_count} · party lv {levels}{stuck}{battle}"
        )


@dataclass
class ProgressReporter:
    """Builds the report's lines from Redis; remembers where the last report ended, per env."""

    client: Redis
    keys: Keys
    envs: list[str]
    expected: dict[str, int] = field(default_factory=dict)
    """Services this run started (name → instances): shown as down when their heartbeat is missing."""
    _last_ids: dict[str, str] = field(default_factory=dict)
    _last_seen: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per env, (step, ts) of the newest frame the last report read: where the next report's rate is taken from."""
    _first_seen: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per env, (step, ts) of the run's first frame the reports read: where the final report's rate is taken from."""
    _anchor: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per env, (step, total reward up to it) where the total was last known."""
    _frames: StreamReader[Frame] = field(init=False)
    _episodes: StreamReader[Episode] = field(init=False)

    def __post_init__(self) -> None:
        self._frames = StreamReader(model=Frame, client=self.client)
        self._episodes = StreamReader(model=Episode, client=self.client)

    async def start(self) -> None:
        """Begin after the frames the streams hold now: a second run in the same data directory (and Redis) reports
        on its own frames, its rate and rewards, not on the last run's."""
        for env in self.envs:
            self._last_ids.setdefault(env, await self._frames.last_id(self.keys.frames(env)))

    async def episodes_line(self) -> str:
        """Training episodes: how many finished, the last one's return, the mean return and the badge rate of the
        last ten (evaluations are left out: they are not the policy that trains)."""
        page = await self._episodes.latest(self.keys.episodes, count=EPISODES_READ)
        training = [e.message for e in page.entries if e.message is not None and not e.message.eval]
        if not training:
            return "episodes: none finished yet"
        newest_by_env: dict[str, int] = {}
        for episode in training:  # newest first: each env's first is its newest
            newest_by_env.setdefault(episode.env, episode.episode)
        count = sum(number + 1 for number in newest_by_env.values())
        window = training[:EPISODES_WINDOW]
        mean = sum(e.total_reward for e in window) / len(window)
        badges = sum("badge" in e.milestones for e in window)
        return (
            f"episodes: {count:,} · last return {training[0].total_reward:+.2f} "
            f"({training[0].steps:,} steps, {'goal' if training[0].terminated else 'time limit'}) · "
            f"last {len(window)}: mean return {mean:+.2f}, badge {badges}/{len(window)}"
        )

    def _total(self, env: str, counters: dict[str, float], frames: list[Frame], newest: Frame) -> float:
        """The run's total reward up to the newest frame: the heartbeat's total at its step, plus the frames after it.

        Once the emulator has stopped (its heartbeat is gone, as in the report after Ctrl-C), the count carries
        on from where it was last known, with the frames read since.
        """
        anchor = self._anchor.get(env)
        if "total_reward" in counters and "step" in counters:
            anchor = (int(counters["step"]), float(counters["total_reward"]))
        if anchor is None:
            return sum(f.reward for f in frames)
        total = anchor[1] + sum(f.reward for f in frames if f.step > anchor[0])
        self._anchor[env] = (max(anchor[0], newest.step), total)
        return total

    async def newest(self, env: str) -> Frame | None:
        """The env's newest frame (None when there is none, or it cannot be decoded)."""
        page = await self._frames.latest(self.keys.frames(env), count=1)
        return page.entries[0].message if page.entries else None

    async def env_progress(self, env: str, health: Health | None, final: bool = False) -> EnvProgress | None:
        stream = self.keys.frames(env)
        start = self._last_ids.get(env)
        # the newest frames since the last report, newest first: an emulator can step more than RECENT_LIMIT
        # times between two reports, and then the report speaks of the newest of them, not the oldest
        page = await self._frames.latest(stream, count=RECENT_LIMIT, after=start)
        if page.entries:
            self._last_ids[env] = page.entries[0].entry_id
        frames = [entry.message for entry in reversed(page.entries) if entry.message is not None]
        newest = frames[-1] if frames else await self.newest(env)
        if newest is None:
            return None
        breakdown: dict[str, float] = defaultdict(float)
        for frame in frames:
            for name, value in frame.reward_breakdown.items():
                breakdown[name] += value
        counters = health.counters if health else {}
        return EnvProgress(
            env=env,
            step=newest.step,
            steps_per_s=self._rate(env, frames, float(counters.get("steps_per_s", 0.0)), final),
            total_reward=self._total(env, counters, frames, newest),
            recent_reward=sum(f.reward for f in frames),
            recent_steps=len(frames),
            breakdown=dict(breakdown),
            frame=newest,
            interventions=int(counters["interventions"]) if "interventions" in counters else None,
        )

    def _rate(self, env: str, frames: list[Frame], heartbeat_rate: float, final: bool) -> float:
        """Steps a second from the frames' own times: since the newest frame of the last report, or, in the final
        report, over the whole run (from its first frame to its last). Measured so, the report after the emulator
        has stopped still says how fast it ran; the heartbeat's figure is used only while no two frames tell."""
        if frames:
            first, newest = frames[0], frames[-1]
            self._first_seen.setdefault(env, (first.step, first.ts))
            since = self._last_seen.get(env, self._first_seen[env])
            self._last_seen[env] = (newest.step, newest.ts)
        else:
            since = self._last_seen.get(env)
        start = self._first_seen.get(env) if final else since
        end = self._last_seen.get(env)
        if start is None or end is None or end[1] <= start[1] or end[0] <= start[0]:
            return heartbeat_rate
        return (end[0] - start[0]) / (end[1] - start[1])

    async def lines(self, final: bool = False) -> list[str]:
        """The whole report, one string per line (rich markup allowed); `final`: the one after the run ended."""
        healths = await read_health(self.client, self.keys)
        by_service: dict[str, list[Health]] = defaultdict(list)
        for h in healths:
            by_service[h.service].append(h)
        emulators = {h.instance.removeprefix("env"): h for h in by_service.get("emulator", [])}
        out = []
        for env in sorted(set(self.envs) | set(emulators), key=_env_order):
            progress = await self.env_progress(env, emulators.get(env), final)
            out.append(progress.line() if progress else f"env {env}: no frames yet")
        out.append(await self.episodes_line())
        out += _llm_lines(by_service.get("llm_planner", []), by_service.get("model_host", []), emulators)
        out.append(_dqn_line(by_service.get("dqn_learner", [])))
        out.append(self._services_line(by_service))
        return out

    def _services_line(self, by_service: dict[str, list[Health]]) -> str:
        names = sorted(set(self.expected) | {s for s in by_service if s != "supervisor"})
        parts = []
        for name in names:
            up = len(by_service.get(name, []))
            want = self.expected.get(name, up)
            ok = up >= want and up > 0
            parts.append(f"{name} [{'green' if ok else 'red'}]{'up' if ok else 'down'}[/] {up}/{want}")
        return "services: " + (" · ".join(parts) or "none")


def _env_order(env: str) -> tuple[int, str]:
    return (int(env), "") if env.isdigit() else (1 << 30, env)


def _llm_lines(planners: list[Health], hosts: list[Health], emulators: dict[str, Health]) -> list[str]:
    """The planner's line, the model host's state when this run started one, and a line per env: requests,
    applied, rejected (by kind), stale (by kind), superseded, failed, the model's latency."""
    if not planners:
        return ["llm: no planner"]
    decisions = sum(int(h.counters.get("published", 0)) for h in planners)
    failures = sum(int(h.counters.get("failures", 0)) for h in planners)
    latencies = [h.counters.get("latency_p50_ms") for h in planners]
    known = [float(v) for v in latencies if v is not None]
    latency = f"{max(known):,.0f} ms" if known else "-"
    host = "".join(f" · model host {h.status}" for h in hosts)
    lines = [f"llm: {decisions:,} decisions · latency p50 {latency} · failures {failures:,} · planners "
             f"{len(planners)}{host}"]  # fmt: skip
    per_env = planner_counters.per_env(
        {env: h.counters for env, h in emulators.items()}, (h.counters for h in planners)
    )
    for env in sorted(per_env, key=_env_order):
        lines.append(f"  plans env {env}: {planner_counters.describe(per_env[env])}")
    return lines


def _dqn_line(learners: list[Health]) -> str:
    if not learners:
        return "dqn: no learner"
    c = learners[0].counters
    return (
        f"dqn: loss {float(c.get('losses_td_loss', 0.0)):.4f} (margin {float(c.get('losses_margin_loss', 0.0)):.4f},"
        f" demos {float(c.get('charts_demo_batch_share', 0.0)):.0%} of batches)"
        f" · epsilon {float(c.get('charts_epsilon', 0.0)):.3f} · "
        f"updates {int(c.get('charts_updates', 0)):,} · frames {int(c.get('counters_frames', 0)):,} · "
        f"samples/step {float(c.get('samples_per_step', 0.0)):.1f} · buffer {int(c.get('buffer_size', 0)):,}"
    )
