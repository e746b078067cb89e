"""A plan request names the buttons the rules accept through a whole plan, not the idle mask's of one state: the
walkthrough's plan "RIGHT, then DOWN ×7", asked right after a DOWN into a wall, was refused as illegal and lost."""

from pathlib import Path

import pytest
import redis.asyncio

from services.emulator.arbiter import Arbiter
from services.emulator.peers import PLANNER, Peers
from services.emulator.planning import Planning
from services.emulator.settings import EmulatorSettings
from shared.buttons import BUTTON_INDEX, Button
from shared.game.core import GameCore
from shared.game.machine import resolve_rom, start_machine
from shared.messages import Frame

pytestmark = pytest.mark.timeout(60)


def test_a_plan_request_keeps_the_button_the_idle_mask_takes_away(demo_rom: Path, redis_url: str) -> None:
    core = GameCore(*start_machine(resolve_rom(demo_rom)), idle_mask=True)
    try:
        core.step(Button.DOWN)  # a step down to the border
        played = core.step(Button.DOWN)  # the border: an idle press
        assert played.facts.idle_press and not core.legal()[BUTTON_INDEX[Button.DOWN]]
        settings = EmulatorSettings(redis_url=redis_url)
        peers = Peers(redis.asyncio.Redis.from_url(redis_url), settings.keys, 1.0)
        peers.alive[PLANNER] = True
        planning = Planning(settings, core, Arbiter(terrain=core), peers)
        frame = Frame.after(core, played, env=settings.env, step=core.episode_step)
        [(_, request)] = planning.request(frame, played.facts)  # the episode's first planning point
    finally:
        core.close()
    assert Button.DOWN in request.legal  # a plan's later presses are played in other states
    assert Button.START not in request.legal and Button.SELECT not in request.legal  # the rules' hold through it
