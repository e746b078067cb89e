"""Episodes in the emulator service, as real processes on the demo cartridge against a real Redis.

An episode ends at its time limit (truncated) or at its goal (terminated); its last frame
says so and the next frame is the new episode's first, back at the start state with its
exploration forgotten; each finished episode is one `Episode` on the `episodes` stream.
The goal tests begin at a state made here from the walkthrough: three steps before the
first Pokémon arrives (the cut-scene runs whatever is pressed).
"""

from pathlib import Path

import pytest
import redis

from shared.buttons import BUTTON_INDEX
from shared.game.config import GameConfig
from shared.game.core import GameCore, episode_seed
from shared.game.episode import EpisodeRecord
from shared.messages import Frame
from tests.emulator.helpers import (
    EMULATOR,
    NEAR,
    STEPS_TO_GOAL,
    acked,
    command,
    emulator_args,
    episodes,
    health,
    make_near_goal_state,
)
from tests.procs import frames, running, start_service, stop, wait_for

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def by_episode(got: list[Frame]) -> dict[int, list[Frame]]:
    out: dict[int, list[Frame]] = {}
    for frame in got:
        out.setdefault(frame.episode, []).append(frame)
    return out


def fingerprint(run: list[Frame]) -> str:
    """The fingerprint of an episode's frames: a hash of the buttons its steps played (`EpisodeRecord`)."""
    return fingerprint_of([f.action for f in run if f.action is not None])


def fingerprint_of(buttons: list) -> str:  # type: ignore[type-arg]
    record = EpisodeRecord()
    record.buttons.extend(BUTTON_INDEX[button] for button in buttons)
    return record.fingerprint()


def test_episodes_end_at_the_time_limit_and_begin_again_at_the_start(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--episode-steps", "5", "--max-steps", "35", "--archive-share", "0")
    assert start_service(EMULATOR, redis_url, data_dir, *args).wait(60) == 0
    got = frames(redis_client)
    # 35 steps played: seven episodes of five; one step number a frame, across episodes (an episode's last frame
    # has one of its own, so the next episode's first frame follows it)
    assert [f.step for f in got] == list(range(42))
    episodes_seen = by_episode(got)
    assert sorted(episodes_seen) == list(range(7))
    start = got[0].state
    for number, run in episodes_seen.items():
        assert len(run) == 6  # the first frame and one a step played
        first, last = run[0], run[-1]
        assert first.action is None and first.reward == 0 and not (first.terminated or first.truncated)
        assert (first.state.map_id, first.state.x, first.state.y) == (start.map_id, start.x, start.y), number
        assert last.truncated and not last.terminated
        assert not any(f.truncated or f.terminated for f in run[:-1])
    # exploration forgotten: a tile found in one episode is a new tile again in a later one
    seen: set[tuple[int, int, int, int]] = set()
    found_again = False
    for run in episodes_seen.values():
        new = {(*f.state.map_id, f.state.x, f.state.y) for f in run if "new_tile" in f.reward_breakdown}
        found_again |= bool(new & seen)
        seen |= new
    assert found_again

    finished = episodes(redis_client, "0")
    assert [e.episode for e in finished] == list(range(7))
    # each episode its own game: seeded from the run's seed (0 here), the env and its number
    assert [e.seed for e in finished] == [episode_seed(0, "0", n) for n in range(7)]
    for e, run in zip(finished, episodes_seen.values(), strict=True):
        assert e.steps == 5 and e.truncated and not e.terminated
        assert e.env_steps == run[-1].step and e.start_state == "start" and not e.eval
        assert e.total_reward == pytest.approx(sum(f.reward for f in run))
        assert e.components == pytest.approx(
            {k: sum(f.reward_breakdown.get(k, 0.0) for f in run) for k in e.components}
        )
        assert e.sources == {"rules": 1.0} and e.furthest_map and e.wall_s > 0
        assert e.fingerprint == fingerprint(run)


def test_the_goal_ends_an_episode_as_terminated_and_a_named_start_state_begins_each(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    make_near_goal_state(demo_rom, data_dir)
    args = emulator_args(demo_rom, "--start-state", NEAR, "--goal", "first_pokemon", "--archive-share", "0")
    with running(EMULATOR, redis_url, data_dir, *args, CRL_STREAM_HEARTBEAT_INTERVAL="0.2"):
        wait_for(lambda: len(episodes(redis_client)) >= 3, what="three episodes")
        counters = wait_for(lambda: (c := health(redis_client)) and c["episodes_finished"] >= 3 and c, what="health")
    assert counters["episodes_terminated"] >= 3 and counters["episodes_truncated"] == 0
    assert counters["episode"] >= 3
    finished = episodes(redis_client)[:3]
    for e in finished:
        assert e.terminated and not e.truncated and e.start_state == NEAR
        assert e.steps == STEPS_TO_GOAL and e.milestones["first_pokemon"] == STEPS_TO_GOAL
    got = frames(redis_client)
    runs = by_episode(got)
    for number in range(3):
        run = runs[number]
        assert not run[0].state.party  # each begins before the Pokémon arrives: at the start state
        assert run[-1].terminated and run[-1].state.party and not run[-1].truncated
        assert runs[number + 1][0].step == run[-1].step + 1


def test_the_runs_first_load_becomes_the_start_state(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    make_near_goal_state(demo_rom, data_dir)
    args = emulator_args(demo_rom, "--goal", "first_pokemon", "--episode-steps", "20", "--archive-share", "0")
    with running(EMULATOR, redis_url, data_dir, *args):
        wait_for(lambda: frames(redis_client, count=1), what="a first frame")
        command(redis_client, id="l1", command="load", name=NEAR)
        wait_for(lambda: any(e.start_state == NEAR for e in episodes(redis_client)), what="an episode begun at NEAR")
    ack = acked(redis_client, "l1")
    assert ack["ok"] and "episodes begin there" in ack["detail"]
    from_near = [e for e in episodes(redis_client) if e.start_state == NEAR]
    assert all(e.terminated and e.steps == STEPS_TO_GOAL for e in from_near)


@pytest.mark.parametrize("case", ["missing", "corrupt", "other_rom"])
def test_a_bad_start_state_stops_the_emulator_with_one_clear_line(
    case: str, demo_rom: Path, other_rom: Path, redis_url: str, tmp_path: Path, data_dir: Path
) -> None:
    expected = {
        "missing": "no save state of that name",
        "corrupt": "cannot load save state",
        "other_rom": "belongs to another cartridge",
    }[case]
    if case == "missing":
        spec = "no-such-state"
    elif case == "corrupt":
        path = tmp_path / "corrupt.state"
        path.write_bytes(b"not a save state" * 100)
        spec = str(path)
    else:
        core = GameCore.start(GameConfig(rom=other_rom), boot_cache=data_dir / "boot")
        try:
            path = tmp_path / "other.state"
            path.write_bytes(core.save_state())
        finally:
            core.close()
        spec = str(path)
    log = tmp_path / "emulator.log"
    process = start_service(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--start-state", spec), log=log)
    assert process.wait(60) == 2
    lines = [line for line in log.read_text().splitlines() if "--start-state" in line]
    assert len(lines) == 1 and expected in lines[0], log.read_text()[-2000:]


def test_a_restart_resumes_inside_its_episode(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--episode-steps", "200", "--archive-share", "0")
    process = start_service(EMULATOR, redis_url, data_dir, *args)
    # paused well inside the second episode, so the stop cannot land on its last step
    wait_for(lambda: (f := frames(redis_client, count=1, newest=True)) and f[0].step >= 210, what="210 steps")
    command(redis_client, id="pause", command="pause")
    wait_for(lambda: acked(redis_client, "pause"), what="the pause's ack")
    assert stop(process) == 0
    before = frames(redis_client)
    episode = before[-1].episode
    assert episode == 1 and not before[-1].truncated, "paused inside the second episode"
    began = next(f.step for f in before if f.episode == episode)
    with running(EMULATOR, redis_url, data_dir, *args):
        ended = wait_for(
            lambda: [e for e in episodes(redis_client) if e.episode == episode], what="the resumed episode's end"
        )[0]
    after = [f for f in frames(redis_client) if f.episode == episode and f.step > before[-1].step]
    assert after, "the restart went on with the same episode"
    # the time limit counts from the episode's start, not from the restart; the record too
    assert ended.truncated and ended.steps == 200 and ended.env_steps == began + 200
    # the trajectory's fingerprint covers the steps before the restart too (they are in the save state's stats);
    # the first frame after the restart names no button (a loaded state), though its step was played before the stop
    played = {f.step: f for f in [*before, *frames(redis_client)] if f.episode == episode}
    buttons = [played[step].action for step in sorted(played)][1:]
    assert buttons.count(None) == 1
    gap = buttons.index(None)
    assert ended.fingerprint in {
        fingerprint_of([*buttons[:gap], button, *buttons[gap + 1 :]]) for button in BUTTON_INDEX
    }
