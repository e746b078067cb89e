"""The planner's counters and latency percentiles, as the heartbeat and the final log line show them."""

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

LATENCY_WINDOW = 1000
"""Latencies kept for the percentiles: the last ~1000 requests, so a slow hour does not hide a fast minute."""


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (`q` in 0..100); None for no data, so a heartbeat never shows a fake 0."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class PlannerStats:
    counts: Counter[str] = field(default_factory=Counter)
    """requests, planned, repaired, invalid, backend_down, backend_error, stale, rejected, published."""
    latency_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """Read-to-ack time of answered requests."""
    overhead_s: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """The same minus the time spent waiting on the model host: what the planner itself costs."""
    prompt_tokens: deque[int] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    """The estimated size of each request's prompt."""

    def observe(self, total_s: float, model_s: float) -> None:
        self.latency_s.append(total_s)
        self.overhead_s.append(max(0.0, total_s - model_s))

    def snapshot(self) -> dict[str, Any]:
        latency = list(self.latency_s)
        overhead = list(self.overhead_s)

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 2)

        failures = sum(self.counts[k] for k in ("invalid", "backend_error", "backend_down", "error"))
        return {
            **{k: self.counts[k] for k in sorted(self.counts)},
            "failures": failures,
            "latency_p50_ms": ms(percentile(latency, 50)),
            "latency_p99_ms": ms(percentile(latency, 99)),
            "overhead_p50_ms": ms(percentile(overhead, 50)),
            "overhead_p99_ms": ms(percentile(overhead, 99)),
            "prompt_tokens_p50": percentile(list(self.prompt_tokens), 50),
            "prompt_tokens_max": max(self.prompt_tokens, default=None),
        }
