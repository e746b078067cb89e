"""Go-to plans on the demo cartridge: the emulator expands a walk into presses along a searched path.

First through the real service (a process, real Redis, real PyBoy): a plan that says only "walk to
(1, 7)" reaches it around a wall, every press the plan's; and a plan request carries the words on
screen and the text map. Then the same arbiter and game core in-process for what needs an exact
sequence: an exit taken, a way that turns out blocked, a walk's time fitted to its path.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from cartridge import world as w
from services.emulator.arbiter import WALK_SLACK, Arbiter
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.game.navigation import WalkTo
from shared.messages import Action, ActionSource, PlanRequest
from tests.emulator.helpers import health
from tests.procs import KEYS, frames, heartbeat, newest_frame, running, wait_for

EMULATOR = "services.emulator"
pytestmark = pytest.mark.timeout(90)


def walk(walk_to: WalkTo, *buttons: Button, ttl: int = 40, step: int = 0) -> Action:
    return Action(
        env="0", step=step, source=ActionSource.LLM, buttons=buttons, ttl_steps=ttl, goal="go", walk_to=walk_to
    )


def test_a_walk_plan_reaches_its_cell_through_the_service(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # A learner that is alive but never answers: once the emulator has seen it, each step not played by a plan
    # waits out a long deadline, so the rules cannot take the player far while the plan is on its way.
    heartbeat(redis_client, "dqn_learner")
    args = ["--rom", str(demo_rom), "--progress-interval", "3600", "--stuck-patience", "100000"]
    with running(EMULATOR, redis_url, tmp_path / "data", *args, "--deadline-ms", "2000"):
        wait_for(lambda: health(redis_client).get("deadline_waits", 0) >= 1, what="the wait for the learner")
        start = newest_frame(redis_client)
        assert (
            start is not None and start.state.map_name == "New Bark Town" and (start.state.x, start.state.y) != (1, 7)
        )
        # (1, 7): from the start (6, 6) the wall at (5, 7) is in the way, so the way goes along row 6
        redis_client.xadd(KEYS.actions("0"), walk(WalkTo(x=1, y=7)).to_fields())

        def arrived() -> list:
            got = frames(redis_client)
            return next(([f for f in got if f.action_source == ActionSource.LLM]
                         for f in got if (f.state.x, f.state.y) == (1, 7)), [])  # fmt: skip

        played = wait_for(arrived, what="the walk's arrival")
    new_bark = w.MAPS[w.NEW_BARK]
    cells = [(f.state.x, f.state.y) for f in played]
    distance = abs(start.state.x - 1) + abs(start.state.y - 7)
    assert cells[-1] == (1, 7) and len(played) <= distance + 4  # a shortest way (around the wall at most)
    assert all(new_bark.rows[y][x] in ".$" for x, y in cells), cells  # only floor: no wall crossed
    assert {f.action for f in played} <= {Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT}


def test_a_plan_request_carries_the_words_on_screen_and_the_text_map(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    heartbeat(redis_client, "llm_planner")  # a planner alive: the emulator asks for plans
    args = ["--rom", str(demo_rom), "--progress-interval", "3600", "--llm-interval", "5"]
    with running(EMULATOR, redis_url, tmp_path / "data", *args):
        entries = wait_for(lambda: redis_client.xrange(KEYS.plan_requests), what="a plan request")
    request = PlanRequest.from_fields(entries[0][1])
    assert request.text_map is not None and request.text_map.map_name == request.state.map_name
    row = request.text_map.rows[request.state.y - request.text_map.top]
    assert row[request.state.x - request.text_map.left] == "@"
    assert {(e.x, e.y, e.to) for e in request.text_map.exits} >= {(0, 4, "Route 29"), (0, 5, "Route 29")}
    assert request.screen_text == () or request.state.text_open


@pytest.fixture
def core(demo_rom: Path, tmp_path: Path) -> Iterator[GameCore]:
    game = GameCore.start(GameConfig(rom=demo_rom), boot_cache=tmp_path / "data" / "boot")
    yield game
    game.close()


def play(core: GameCore, arbiter: Arbiter, action: Action, limit: int = 100) -> list[tuple[Button, tuple[int, int]]]:
    """Offer the plan and play until nothing of it is left; the presses and where each led."""
    arbiter.offer(action, action.step)
    out = []
    for step in range(action.step, action.step + limit):
        chosen = arbiter.choose(step)
        if chosen is None:
            break
        assert chosen[1] == ActionSource.LLM
        core.step(chosen[0])
        out.append((chosen[0], (core.state.x, core.state.y)))
    return out


def test_a_walk_to_a_person_then_a_talks_and_an_exit_walk_leaves_the_map(core: GameCore) -> None:
    arbiter = Arbiter(terrain=core)
    presses = play(core, arbiter, walk(WalkTo(x=4, y=1), Button.A))
    assert presses[-1][0] == Button.A and core.state.text_open  # walked up to the person, faced them, talked
    assert abs(core.state.x - 4) + abs(core.state.y - 1) == 1
    assert arbiter.last_plan is not None and arbiter.last_plan.walked == "arrived"
    play(core, arbiter, walk(WalkTo(x=core.state.x, y=core.state.y), Button.A, Button.B, Button.B, Button.B))
    assert core.state.party  # the starter: now the exits let the player through
    presses = play(core, arbiter, walk(WalkTo(exit="west")))
    assert core.state.map_name == "Route 29" and arbiter.last_plan.walked == "left_map"
    assert arbiter.counters.walks_arrived == 3


def test_a_blocked_way_is_searched_again_and_given_up_when_none_is_left(core: GameCore) -> None:
    """Before the first Pokémon the demo's exits do not let the player through, though the map shows them open:
    each exit cell is tried, found blocked, and the walk ends as unreachable well within its time-to-live."""
    arbiter = Arbiter(terrain=core)
    presses = play(core, arbiter, walk(WalkTo(exit="west"), ttl=200), limit=200)
    assert core.state.map_name == "New Bark Town"
    assert arbiter.last_plan is not None and arbiter.last_plan.walked == "unreachable"
    assert core.state.x == 1 and core.state.y in (4, 5)  # it got as far as the exits
    tries = [p for p in presses if p[0] == Button.LEFT and p[1][0] == 1]
    assert len(tries) >= 4  # each exit cell tried twice
    assert len(presses) < 40


def test_a_walks_time_follows_its_path_not_the_ttl_the_model_guessed(core: GameCore) -> None:
    arbiter = Arbiter(terrain=core)
    presses = play(core, arbiter, walk(WalkTo(x=1, y=1), Button.A, ttl=3))
    assert len(presses) > 3 + 1  # the whole way to (1, 1), more presses than the ttl of 3
    assert presses[-1][0] == Button.A and arbiter.last_plan is not None and arbiter.last_plan.walked == "arrived"
    assert arbiter.counters.plans_expired == 0


def test_a_walk_lives_as_long_as_its_path_its_buttons_and_the_slack(core: GameCore) -> None:
    arbiter = Arbiter(terrain=core)
    assert arbiter.offer(walk(WalkTo(x=1, y=1), Button.A, Button.B, ttl=3, step=10), 10) is None
    assert arbiter.choose(10) is not None  # the first press: the path is searched
    plan = arbiter.plan
    assert plan is not None and plan.walker is not None and plan.walker.remaining >= 5
    assert plan.expires_at == 10 + 1 + plan.walker.remaining + WALK_SLACK + 2
    assert arbiter.choose(plan.expires_at) is None  # past it the plan is over, its walk cut short
    assert arbiter.last_plan is not None and arbiter.last_plan.walked == "walking" and arbiter.last_plan.interrupted
    assert arbiter.counters.plans_expired == 1
