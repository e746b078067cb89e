"""The Johto world's demonstrator (`tests.standins.ram_demonstrator`): the walkthrough policy as a model host's
answers, from the RAM a plan request carries with `--llm-ram`.

In-process first (PyBoy on the Johto world, the demonstrator given the RAM as the planner sends it): its plans
walk several cells where the way is known, each cell reached as predicted, and earn the starter. Then the
real chain as processes: the emulator and the planner with `--llm-ram`, the stand-in model host answering with
the demonstrator, `--llm-wait` so the game does not run ahead: the demonstrator plays nearly every step.
"""

import base64
import json
from pathlib import Path

import pytest
import redis
from pyboy import PyBoy

from cartridge.build import ensure_built
from services.llm_planner.planner import GAME_FIELD
from shared.health import Health
from shared.messages import ActionSource, PlanRequest
from tests.cartridge.johto_helpers import boot, start, step, u8
from tests.procs import KEYS, frames, running, wait_for
from tests.standins.model_host import StandinModelHost
from tests.standins.ram_demonstrator import NO_RAM, DemonstratorError, JohtoDemonstrator

SCHEMA = {"properties": {"buttons": {"maxItems": 8}, "ttl": {"minimum": 9}}}
STARTER_PRESSES = 25
"""The walkthrough's presses to the starter (`tests/cartridge/test_johto_walkthrough.py` has each seed's)."""


@pytest.fixture(scope="module")
def johto_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_built(tmp_path_factory.mktemp("johto-build"), world="johto")


def ram_of(pyboy: PyBoy) -> bytes:
    """WRAM banks 0 and 1 as the emulator's `llm_ram` sends them."""
    return bytes(pyboy.memory[0xC000:0xD000]) + bytes(pyboy.memory[1, 0xD000:0xDFFF]) + bytes([pyboy.memory[1, 0xDFFF]])


def body(pyboy: PyBoy, episode: int = 0) -> dict[str, object]:
    ram = base64.b64encode(ram_of(pyboy)).decode("ascii")
    return {GAME_FIELD: {"env": "0", "episode": episode, "step": 0, "ram_start": 0xC000, "ram": ram}}


def test_without_the_games_ram_the_demonstrator_says_what_to_turn_on() -> None:
    with pytest.raises(DemonstratorError, match="--llm-ram") as caught:
        JohtoDemonstrator().plan(SCHEMA, {"messages": []})
    assert str(caught.value) == NO_RAM


@pytest.mark.timeout(120)
def test_its_plans_walk_several_cells_as_predicted_and_earn_the_starter(johto_rom: Path) -> None:
    pyboy = start(johto_rom)
    try:
        boot(pyboy)
        demonstrator = JohtoDemonstrator()
        presses = requests = walked = 0
        while presses < 200 and not u8(pyboy, "wPartyCount"):
            plan = json.loads(demonstrator.plan(SCHEMA, body(pyboy)))
            requests += 1
            buttons = plan["buttons"]
            assert 1 <= len(buttons) <= 8 and plan["ttl"] >= 9
            for n, button in enumerate(buttons):
                before = (u8(pyboy, "wXCoord"), u8(pyboy, "wYCoord"), u8(pyboy, "wMapNumber"))
                step(pyboy, button)
                presses += 1
                if n < len(buttons) - 1:  # every press but a plan's last lands on the floor it was predicted on
                    dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[button]
                    after = (u8(pyboy, "wXCoord"), u8(pyboy, "wYCoord"), u8(pyboy, "wMapNumber"))
                    assert after == (before[0] + dx, before[1] + dy, before[2]), (presses, button, before, after)
                    walked += 1
        assert u8(pyboy, "wPartyCount") == 1, f"no starter in {presses} presses"
        assert presses <= STARTER_PRESSES + 5 and walked >= 5 and requests < presses
    finally:
        pyboy.stop(save=False)


def test_a_new_episode_gets_a_fresh_policy(johto_rom: Path) -> None:
    demonstrator = JohtoDemonstrator()
    pyboy = start(johto_rom)
    try:
        boot(pyboy)
        demonstrator.plan(SCHEMA, body(pyboy, episode=0))
        first = demonstrator.policies["0"][1]
        demonstrator.plan(SCHEMA, body(pyboy, episode=0))
        assert demonstrator.policies["0"][1] is first and first.presses == 2
        demonstrator.plan(SCHEMA, body(pyboy, episode=1))
        assert demonstrator.policies["0"][1] is not first and demonstrator.policies["0"][1].presses == 1
    finally:
        pyboy.stop(save=False)


@pytest.mark.timeout(240)
def test_through_the_planner_the_demonstrator_plays_nearly_every_step_with_llm_ram_and_llm_wait(
    johto_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    ram = {"CRL_LLM_RAM": "1", "CRL_STREAM_HEARTBEAT_INTERVAL": "0.3"}
    emulator_args = ("--rom", str(johto_rom), "--progress-interval", "3600", "--peer-check-interval", "0.2",
                     "--llm-interval", "1", "--llm-wait-ms", "2000", "--max-steps", "160")  # fmt: skip
    with (
        StandinModelHost(planner=JohtoDemonstrator().plan) as host,
        running("services.llm_planner", redis_url, data, "--llm-url", host.ollama_url, "--instance", "demo", **ram),
        running("services.emulator", redis_url, data, *emulator_args, **ram) as emulator,
    ):
        assert emulator.wait(180) == 0
        beat = wait_for(lambda: redis_client.get(KEYS.health("llm_planner", "demo")), what="the planner's heartbeat")
    played = frames(redis_client)
    requests = [PlanRequest.from_fields(f) for _, f in redis_client.xrange(KEYS.plan_requests)]
    by_plan = [f for f in played if f.action_source is ActionSource.LLM]
    assert all(len(r.ram) == 0x2000 for r in requests)  # every request carried the work RAM
    assert len(by_plan) >= 0.9 * (len(played) - 1), [f.action_source for f in played if f.action_source]
    assert len(requests) < 0.8 * len(by_plan)  # several presses a plan where it walks
    assert any(f.state.party for f in played), "the starter, at the walkthrough's press 25"
    assert Health.model_validate_json(beat).counters.get("failed", 0) == 0
