"""Fixtures for the planner tests: the stand-in model host, requests, settings pointing at both."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cartridge.walkthrough import WALKTHROUGH
from services.llm_planner.settings import PlannerSettings
from shared.buttons import BUTTONS, Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.game.state import GameState, PartyMon
from shared.messages import HistoryItem, PlanOutcome, PlanRequest
from tests.standins.model_host import StandinModelHost


@pytest.fixture
def standin() -> Iterator[StandinModelHost]:
    """A stand-in model host (scripted, not a model) on a free port, speaking Ollama and OpenAI APIs."""
    host = StandinModelHost().start()
    try:
        yield host
    finally:
        host.stop()


def make_state(**overrides: Any) -> GameState:
    fields: dict[str, Any] = {
        "map_group": 24,
        "map_number": 4,
        "map_name": "Players House 1F",
        "x": 5,
        "y": 3,
        "facing": "down",
        "money": 3000,
        "johto_badges": 0b11,
        "kanto_badges": 0,
        "party": (
            PartyMon(species=155, level=5, hp=18, max_hp=20, status=0, exp=135, moves=(33, 43)),
            PartyMon(species=19, level=3, hp=11, max_hp=11, status=0, exp=27),
        ),
    }
    fields.update(overrides)
    return GameState(**fields)


def make_request(step: int = 100, env: str = "0", **overrides: Any) -> PlanRequest:
    fields: dict[str, Any] = {
        "request_id": f"req-{env}-{step}",
        "env": env,
        "step": step,
        "reason": "interval",
        "state": make_state(),
        "history": tuple(
            HistoryItem(step=step - 4 + i, action=b, source=s, reward=r)  # type: ignore[arg-type]
            for i, (b, s, r) in enumerate(
                [
                    (Button.RIGHT, "dqn", 0.0),
                    (Button.RIGHT, "dqn", 0.1),
                    (Button.UP, "rules", 0.0),
                    (Button.A, "llm", 1.0),
                ]
            )
        ),
        "legal": (Button.A, Button.B, Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT),
        "previous_plan": PlanOutcome(goal="leave the house", buttons_planned=4, buttons_executed=3, reward=0.5),
    }
    fields.update(overrides)
    return PlanRequest(**fields)


def planner_settings(url: str, **overrides: Any) -> PlannerSettings:
    """Settings with short timeouts and cool-downs, so failure tests take a second, not a minute."""
    fields: dict[str, Any] = {
        "llm_url": url,
        "llm_timeout_s": 2.0,
        "llm_connect_timeout_s": 0.5,
        "llm_retries": 1,
        "llm_backoff_s": 0.01,
        "llm_backoff_max_s": 0.05,
        "breaker_failures": 2,
        "breaker_reset_s": 0.5,
    }
    fields.update(overrides)
    return PlannerSettings(**fields)


def cartridge_requests(demo_rom: Path, every: int = 3, count: int = 20, env: str = "0") -> list[PlanRequest]:
    """Plan requests made from the demo cartridge's real states along its walkthrough, the way the emulator makes
    them (state, legal buttons, words on screen, text map): the house, the town, the starter's text, a route, a
    battle. One every `every` presses, `count` of them (the walkthrough's last state repeats past its end)."""
    core = GameCore(*start_machine(resolve_rom(demo_rom)))
    requests: list[PlanRequest] = []
    try:
        for step in range(every * count):
            if step % every == 0:
                requests.append(
                    PlanRequest(
                        request_id=f"cart-{env}-{step}", env=env, step=step, reason="interval", state=core.state,
                        legal=tuple(b for b, ok in zip(BUTTONS, core.legal(), strict=True) if ok),
                        screen_text=core.screen_text(), text_map=core.text_map(), episode=core.episode,
                    )
                )  # fmt: skip
            core.step(Button(WALKTHROUGH[step]) if step < len(WALKTHROUGH) else None)
    finally:
        core.close()
    return requests
