"""Retries and the circuit breaker, with a scripted back end and a hand-moved clock."""

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from services.llm_planner.backends.base import (
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnavailable,
    ChatBackend,
)
from services.llm_planner.prompt import ChatMessage
from services.llm_planner.resilience import BackendDown, BreakerState, CircuitBreaker, GuardedBackend
from tests.llm_planner.conftest import planner_settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedBackend(ChatBackend):
    """Raises or answers from a list, one entry per call."""

    name = "scripted"

    def __init__(self, outcomes: list[str | BackendError]) -> None:
        super().__init__(httpx.AsyncClient(), "http://unused", "m")
        self.outcomes = outcomes
        self.calls = 0

    async def chat(
        self, messages: list[ChatMessage], schema: dict[str, Any] | None, extra: Mapping[str, Any] | None = None
    ) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BackendError):
            raise outcome
        return outcome


def guarded(
    outcomes: list[str | BackendError], clock: Clock, retries: int = 2, sleeps: list[float] | None = None
) -> tuple[GuardedBackend, list[tuple[str, str]]]:
    changes: list[tuple[str, str]] = []
    breaker = CircuitBreaker(
        failures=2, reset_s=10, clock=clock, on_change=lambda old, new, why: changes.append((old.value, new.value))
    )
    slept = [] if sleeps is None else sleeps

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    settings = planner_settings("http://127.0.0.1:11434", llm_backoff_s=0.5, llm_backoff_max_s=5.0)
    return GuardedBackend(ScriptedBackend(outcomes), breaker, retries, settings.retry_backoff, sleep=sleep), changes


async def test_transient_failures_are_retried_within_the_budget() -> None:
    backend, changes = guarded([BackendUnavailable("refused"), BackendTimeout("slow"), "ok"], Clock())
    assert await backend.chat([], None) == "ok"
    assert backend.retried == 2 and changes == []


async def test_rejections_are_not_retried() -> None:
    backend, _ = guarded([BackendRejected("404 model not found"), "never"], Clock())
    with pytest.raises(BackendRejected):
        await backend.chat([], None)
    assert backend.backend.calls == 1  # type: ignore[attr-defined]


async def test_breaker_opens_refuses_then_probes_and_closes() -> None:
    clock = Clock()
    down = BackendUnavailable("refused")
    backend, changes = guarded([down, down, "ok"], clock, retries=0)
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            await backend.chat([], None)
    assert backend.breaker.state is BreakerState.OPEN
    with pytest.raises(BackendDown, match="refused"):
        await backend.chat([], None)
    assert backend.backend.calls == 2  # type: ignore[attr-defined]

    clock.now = 10.0
    assert await backend.chat([], None) == "ok"
    assert backend.breaker.state is BreakerState.CLOSED
    assert changes == [("up", "down"), ("down", "probing"), ("probing", "up")]


async def test_failed_probe_reopens_at_once_without_retries() -> None:
    clock = Clock()
    down = BackendTimeout("slow")
    backend, changes = guarded([down] * 7 + ["ok"], clock, retries=2)
    for _ in range(2):
        with pytest.raises(BackendTimeout):
            await backend.chat([], None)
    calls = backend.backend.calls  # type: ignore[attr-defined]
    clock.now = 10.0
    with pytest.raises(BackendTimeout):
        await backend.chat([], None)
    assert backend.backend.calls == calls + 1  # type: ignore[attr-defined]
    assert backend.breaker.state is BreakerState.OPEN and changes[-1] == ("probing", "down")
    with pytest.raises(BackendDown):
        await backend.chat([], None)


async def test_a_success_resets_the_failure_count() -> None:
    down = BackendUnavailable("refused")
    backend, _ = guarded([down, "ok", down, "ok"], Clock(), retries=0)
    for expected in (None, "ok", None, "ok"):
        if expected is None:
            with pytest.raises(BackendUnavailable):
                await backend.chat([], None)
        else:
            assert await backend.chat([], None) == expected
    assert backend.breaker.state is BreakerState.CLOSED


async def test_retry_delays_grow_are_capped_and_fully_jittered() -> None:
    sleeps: list[float] = []
    backend, _ = guarded([BackendUnavailable("refused")] * 8 + ["ok"], Clock(), retries=8, sleeps=sleeps)
    assert await backend.chat([], None) == "ok"
    assert len(sleeps) == 8
    for attempt, delay in enumerate(sleeps):
        assert 0 < delay <= min(5.0, 0.5 * 2**attempt)
    assert planner_settings("http://127.0.0.1:11434").retry_backoff().jitter == 1.0


def test_retry_delays_that_cannot_grow_fail_at_start() -> None:
    with pytest.raises(ValueError, match="llm_backoff_max_s"):
        planner_settings("http://127.0.0.1:11434", llm_backoff_s=2.0, llm_backoff_max_s=1.0)
