"""The planner's per-env counters as its heartbeat carries them: one flat key per env and figure.

Heartbeat counters are a flat mapping of numbers; the planner writes each env's figures as
`env{env}.{name}` (`env0.served`, `env0.rejected.walk_to`, `env0.model_p50_ms`), and `crystal-rl
status`, the progress report and the dashboard read them back with `by_env`. One place for the
key's shape, since the writer and the readers are different services.
"""

from collections.abc import Iterable, Mapping

PREFIX = "env"

ENV_FIGURES = ("requests", "served", "superseded", "stale", "rejected", "failed", "model_p50_ms", "model_p99_ms")
"""The per-env figures, in the order they are shown. `rejected.{kind}` keys add the rejections by kind."""


def env_key(env: str, name: str) -> str:
    return f"{PREFIX}{env}.{name}"


def by_env(counters: Mapping[str, int | float]) -> dict[str, dict[str, int | float]]:
    """`{env: {name: value}}` from a heartbeat's counters (other keys ignored)."""
    out: dict[str, dict[str, int | float]] = {}
    for key, value in counters.items():
        head, dot, name = key.partition(".")
        if dot and head.startswith(PREFIX) and len(head) > len(PREFIX):
            out.setdefault(head[len(PREFIX) :], {})[name] = value
    return out


def merged(heartbeats: Iterable[Mapping[str, int | float]]) -> dict[str, dict[str, int | float]]:
    """Several planners' per-env figures together: counts added, latency percentiles the highest of them."""
    out: dict[str, dict[str, int | float]] = {}
    for counters in heartbeats:
        for env, figures in by_env(counters).items():
            into = out.setdefault(env, {})
            for name, value in figures.items():
                if name.endswith("_ms"):
                    into[name] = max(into.get(name, value), value)
                else:
                    into[name] = into.get(name, 0) + value
    return out


def rejected(figures: Mapping[str, int | float]) -> str:
    """The rejected answers and their kinds: `3 (walk_to 2, ttl 1)`."""
    kinds = sorted((k.removeprefix("rejected."), int(v)) for k, v in figures.items() if k.startswith("rejected."))
    return f"{int(figures.get('rejected', 0))}" + (f" ({', '.join(f'{k} {v}' for k, v in kinds)})" if kinds else "")


def describe(figures: Mapping[str, int | float]) -> str:
    """One env's figures as the progress report prints them."""
    p50, p99 = figures.get("model_p50_ms"), figures.get("model_p99_ms")
    latency = f"{p50 / 1000:.1f}/{p99 / 1000:.1f} s" if p50 is not None and p99 is not None else "-"
    return (
        f"{int(figures.get('requests', 0))} requests, {int(figures.get('served', 0))} served, "
        f"{int(figures.get('superseded', 0))} superseded, {rejected(figures)} rejected, "
        f"{int(figures.get('failed', 0))} failed, model p50/p99 {latency}"
    )
