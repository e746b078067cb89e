"""Milestone saves, milestone events and plan triggers follow the facts of a step, not the reward's weights.

The emulator runs with every reward weight at 0. The test puts the game back at its start
(pause, load a state made at the boot), then plays the walkthrough's first 25 buttons as
dashboard presses: the first Pokémon and Route 29 are reached, and the emulator must notice
both although neither is worth anything.
"""

from pathlib import Path

import pytest
import redis

from cartridge.walkthrough import MILESTONES, WALKTHROUGH
from services.emulator.savestates import SaveStateStore
from shared.buttons import Button
from shared.game.machine import resolve_rom, start_machine
from shared.game.rewards import RewardWeights
from shared.messages import ActionSource, PlanRequest
from tests.emulator.helpers import acked, command
from tests.procs import KEYS, events, frames, heartbeat, running, wait_for

EMULATOR = "services.emulator"
PRESSES = 25
pytestmark = pytest.mark.timeout(90)


def test_zero_weights_still_save_milestones_and_trigger_plans(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    assert PRESSES > MILESTONES["entered_route_29"] > MILESTONES["first_pokemon"]
    data_dir = tmp_path / "data"
    rom = resolve_rom(demo_rom)
    machine, boot_state = start_machine(rom)
    machine.close()
    store = SaveStateStore(data_dir / "states" / "env0", rom.sha256)
    store.save("start", boot_state, step=0, episode=0, reason="manual", stats={})
    heartbeat(redis_client, "llm_planner")
    zero = {f"CRL_REWARDS__{name.upper()}": "0" for name in RewardWeights.model_fields}
    # a planner's heartbeat, but no planner to answer: each request is given up at once, so one is never open
    # when a trigger comes (one request open at a time is the planning tests' subject)
    args = ["--rom", str(demo_rom), "--stuck-patience", "100000", "--peer-check-interval", "0.1",
            "--llm-request-timeout-s", "0.001"]  # fmt: skip
    with running(EMULATOR, redis_url, data_dir, *args, **zero):
        wait_for(lambda: frames(redis_client, count=1), what="the first frame")
        command(redis_client, id="pause", command="pause")
        command(redis_client, id="load", command="load", name="start")
        assert wait_for(lambda: acked(redis_client, "load"), what="the load's ack")["ok"]
        for n, button in enumerate(WALKTHROUGH[:PRESSES]):
            command(redis_client, id=f"press{n}", command="press", button=Button(button))
        command(redis_client, id="resume", command="resume")
        pressed = wait_for(
            lambda: (
                len(p := [f for f in frames(redis_client) if f.action_source == ActionSource.DASHBOARD]) >= PRESSES
                and p
            ),
            what=f"{PRESSES} presses played",
        )
        milestones = wait_for(
            lambda: (
                {e.data["milestone"] for e in events(redis_client, "milestone")} >= {"first_pokemon", "new_map"}
                and events(redis_client, "milestone")
            ),
            what="the milestone events",
        )
    assert [f.action for f in pressed] == [Button(b) for b in WALKTHROUGH[:PRESSES]]
    assert pressed[-1].state.map_name == "Route 29" and pressed[-1].state.party
    assert all(f.reward == 0 and not f.reward_breakdown for f in frames(redis_client))
    assert {e.data["milestone"] for e in milestones} == {"first_pokemon", "new_map"}
    reasons = {m.reason for m in store.names()}
    assert {"first_pokemon", "new_map"} <= reasons, reasons
    requests = [PlanRequest.from_fields(fields) for _, fields in redis_client.xrange(KEYS.plan_requests)]
    triggered = {r.reason for r in requests}
    assert {"first_pokemon", "new_map"} <= triggered, triggered
