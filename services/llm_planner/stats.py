"""The planner's counters and latency percentiles, as the heartbeat and the final log line show them."""

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from shared.planner_counters import env_key

LATENCY_WINDOW = 1000
"""Latencies kept for the percentiles: the last ~1000 requests, so a slow hour does not hide a fast minute."""


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (`q` in 0..100); None for no data, so a heartbeat never shows a fake 0."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


@dataclass
class EnvStats:
    """One env's figures: requests, served (a plan published), superseded, stale, rejected answers (by kind),
    failed (no plan: rejected twice, the host down or failing), and the model's time per request."""

    counts: Counter[str] = field(default_factory=Counter)
    model_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))

    def snapshot(self, env: str) -> dict[str, int | float]:
        latency = list(self.model_s)
        values: dict[str, int | float | None] = {
            **{name: self.counts[name] for name in sorted(self.counts)},
            "model_p50_ms": _ms(percentile(latency, 50)),
            "model_p99_ms": _ms(percentile(latency, 99)),
        }
        return {env_key(env, k): v for k, v in values.items() if v is not None}


@dataclass
class PlannerStats:
    counts: Counter[str] = field(default_factory=Counter)
    """requests, planned, repaired, invalid, backend_down, backend_error, stale, superseded, answered, error."""
    latency_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """Read-to-ack time of answered requests."""
    overhead_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """The same minus the time spent waiting on the model host: what the planner itself costs."""
    model_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """Time on the model host per request that reached it (all its calls), answered or not."""
    prompt_tokens: deque[int] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """The estimated size of each request's prompt."""
    envs: dict[str, EnvStats] = field(default_factory=dict)

    def env(self, env: str) -> EnvStats:
        return self.envs.setdefault(env, EnvStats())

    def count(self, env: str, name: str, n: int = 1) -> None:
        """Add to a figure for the whole planner and for one env."""
        self.counts[name] += n
        self.env(env).counts[name] += n

    def observe(self, total_s: float, model_s: float) -> None:
        self.latency_s.append(total_s)
        self.overhead_s.append(max(0.0, total_s - model_s))

    def observe_model(self, env: str, model_s: float) -> None:
        self.model_s.append(model_s)
        self.env(env).model_s.append(model_s)

    def snapshot(self) -> dict[str, Any]:
        latency = list(self.latency_s)
        overhead = list(self.overhead_s)
        model = list(self.model_s)
        failures = sum(self.counts[k] for k in ("invalid", "backend_error", "backend_down", "error"))
        values: dict[str, Any] = {
            **{k: self.counts[k] for k in sorted(self.counts)},
            "failures": failures,
            "latency_p50_ms": _ms(percentile(latency, 50)),
            "latency_p99_ms": _ms(percentile(latency, 99)),
            "overhead_p50_ms": _ms(percentile(overhead, 50)),
            "overhead_p99_ms": _ms(percentile(overhead, 99)),
            "model_p50_ms": _ms(percentile(model, 50)),
            "model_p99_ms": _ms(percentile(model, 99)),
            "prompt_tokens_p50": percentile(list(self.prompt_tokens), 50),
            "prompt_tokens_max": max(self.prompt_tokens, default=None),
        }
        for env in sorted(self.envs):
            values.update(self.envs[env].snapshot(env))
        return values
