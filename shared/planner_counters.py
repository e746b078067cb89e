"""Plan figures per env, joined from the two services that each see half of a plan's life.

The emulator knows what it asked and what came of the answers in the game: requests sent, plans
applied, plans refused as stale (by kind), planning points that found a request open, requests
given up, the time it waited for plans; its heartbeat (`health:emulator:env{N}`) carries them as
flat counters. The planner knows what the model did: requests served, superseded, dropped as too
old, answers rejected (by kind), requests that came to no plan, the model's latency; it writes each
env's figures into its heartbeat as `env{env}.{name}` (`env0.served`, `env0.rejected.walk_to`,
`env0.model_p50_ms`). `crystal-rl status` (and its JSON), the progress report and the dashboard all
read them through `per_env`, one place for both halves and for the keys' shape, since the writers and
the readers are different services.
"""

from collections.abc import Iterable, Mapping

PREFIX = "env"

Figures = dict[str, int | float]

EMULATOR_FIGURES: dict[str, str] = {
    "requests": "plan_requests",
    "applied": "source_plans_received",
    "stale": "source_stale_plans",
    "stale.map": "source_stale_plans_map",
    "stale.episode": "source_stale_plans_episode",
    "stale.age": "source_stale_plans_age",
    "deferred": "plan_points_deferred",
    "given_up": "plan_requests_given_up",
    "waits": "plan_waits",
    "waits_met": "plan_waits_met",
    "wait_ms": "plan_wait_ms",
}
"""A joined figure → the emulator's heartbeat counter it comes from."""

PLANNER_FIGURES = ("served", "superseded", "rejected", "failed", "model_p50_ms", "model_p99_ms")
"""The joined figures that come from the planner (with `rejected.{kind}`; its `stale`, requests too old when it
took them up, is added to the emulator's as `stale.queued`)."""


def env_key(env: str, name: str) -> str:
    return f"{PREFIX}{env}.{name}"


def by_env(counters: Mapping[str, int | float]) -> dict[str, Figures]:
    """`{env: {name: value}}` from a planner heartbeat's counters (other keys ignored)."""
    out: dict[str, Figures] = {}
    for key, value in counters.items():
        head, dot, name = key.partition(".")
        if dot and head.startswith(PREFIX) and len(head) > len(PREFIX):
            out.setdefault(head[len(PREFIX) :], {})[name] = value
    return out


def merged(heartbeats: Iterable[Mapping[str, int | float]]) -> dict[str, Figures]:
    """Several planners' per-env figures together: counts added, latency percentiles the highest of them."""
    out: dict[str, Figures] = {}
    for counters in heartbeats:
        for env, figures in by_env(counters).items():
            into = out.setdefault(env, {})
            for name, value in figures.items():
                if name.endswith("_ms"):
                    into[name] = max(into.get(name, value), value)
                else:
                    into[name] = into.get(name, 0) + value
    return out


def joined(emulator: Mapping[str, int | float] | None, planner: Mapping[str, int | float] | None) -> Figures:
    """One env's figures from its emulator's heartbeat counters and the planners' figures for it (`merged`)."""
    out: Figures = {}
    for name, key in EMULATOR_FIGURES.items():
        if emulator is not None and key in emulator:
            out[name] = emulator[key]
    planner = planner or {}
    for name, value in planner.items():
        if name in PLANNER_FIGURES or name.startswith("rejected."):
            out[name] = value
    if planner.get("stale"):
        out["stale.queued"] = planner["stale"]
        out["stale"] = out.get("stale", 0) + planner["stale"]
    if "requests" not in out and "requests" in planner:  # an emulator that does not say (gone, or older)
        out["requests"] = planner["requests"]
    return out


def per_env(
    emulators: Mapping[str, Mapping[str, int | float]], planners: Iterable[Mapping[str, int | float]]
) -> dict[str, Figures]:
    """Every env's joined figures: `emulators` maps an env to its emulator's heartbeat counters, `planners` are the
    planners' heartbeat counters. Envs with no plan figures at all are left out."""
    planned = merged(planners)
    out = {}
    for env in set(emulators) | set(planned):
        figures = joined(emulators.get(env), planned.get(env))
        if any(figures.get(name) for name in ("requests", "applied", "served", "failed", "stale")):
            out[env] = figures
    return out


def kinds(figures: Mapping[str, int | float], name: str) -> str:
    """A figure and its kinds: `3 (walk_to 2, ttl 1)` for `rejected`, `2 (map 1, age 1)` for `stale`."""
    parts = sorted((k.removeprefix(f"{name}."), int(v)) for k, v in figures.items() if k.startswith(f"{name}.") and v)
    return f"{int(figures.get(name, 0))}" + (f" ({', '.join(f'{k} {v}' for k, v in parts)})" if parts else "")


def latency(figures: Mapping[str, int | float]) -> str:
    """The model's p50/p99 in seconds, `-` when the planner has none yet."""
    p50, p99 = figures.get("model_p50_ms"), figures.get("model_p99_ms")
    return f"{p50 / 1000:.1f}/{p99 / 1000:.1f} s" if p50 is not None and p99 is not None else "-"


def describe(figures: Mapping[str, int | float]) -> str:
    """One env's joined figures as the progress report prints them."""
    return (
        f"{int(figures.get('requests', 0))} requests, {int(figures.get('applied', 0))} applied, "
        f"rejected {kinds(figures, 'rejected')}, stale {kinds(figures, 'stale')}, "
        f"superseded {int(figures.get('superseded', 0))}, failed {int(figures.get('failed', 0))}, "
        f"model p50/p99 {latency(figures)}"
    )


def emulator_counters(
    instances: Iterable[tuple[str, Mapping[str, int | float]]],
) -> dict[str, Mapping[str, int | float]]:
    """`{env: counters}` from emulator heartbeats given as (instance, counters): instance `env{N}` is env N."""
    return {instance.removeprefix(PREFIX): counters for instance, counters in instances if instance.startswith(PREFIX)}
