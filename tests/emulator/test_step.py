"""The emulator service as a real process on the demo cartridge, against a real Redis."""

import shutil
import threading
from pathlib import Path

import pytest
import redis

from services.emulator.savestates import SaveStateStore
from shared.buttons import Button
from shared.game.machine import Machine
from shared.health import Health
from shared.messages import Action, ActionSource, ControlCommand
from shared.rom import inspect_rom
from tests.procs import KEYS, events, frames, heartbeat, newest_frame, running, start_service, stop, wait_for
from tests.standins.learner import StandInLearner

EMULATOR = "services.emulator"
pytestmark = pytest.mark.timeout(90)


def emulator_args(rom: Path, *extra: str) -> list[str]:
    return ["--rom", str(rom), "--progress-interval", "3600", *extra]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_frames_have_state_reward_mask_and_screen(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    process = start_service(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--max-steps", "120"))
    assert process.wait(60) == 0
    got = frames(redis_client)
    assert [f.step for f in got] == list(range(121))
    first = got[0]
    assert first.state.map_id == (24, 4) and first.action is None
    assert len(first.screen) == 72 * 80 and len(set(first.screen)) > 1
    assert first.legal[2:4] == (False, False)  # START, SELECT before the first Pokémon
    assert all(f.action_source == ActionSource.RULES for f in got[1:])
    assert sum(f.reward for f in got) > 0 and any("new_tile" in f.reward_breakdown for f in got)
    with_mon = [f for f in got if f.state.party]
    reading = [f for f in with_mon if f.state.text_box]
    assert with_mon and all(f.legal == (True,) * 8 for f in with_mon if f not in reading)
    assert all(f.legal == (True, True) + (False,) * 6 for f in reading)  # a text box: A and B only
    assert redis_client.xlen(KEYS.frames("0")) == 121


def test_no_learner_means_no_waiting_and_a_learner_gets_lockstep(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    # a generous deadline: this test is about who plays the step, not about how fast the answer is
    args = emulator_args(demo_rom, "--peer-check-interval", "0.2", "--deadline-ms", "500")
    with running(EMULATOR, redis_url, data_dir, *args):
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > 50, what="50 steps")
        health = Health.model_validate_json(redis_client.get(KEYS.health("emulator", "env0")) or b"{}")
        assert health.counters["deadline_waits"] == 0
        with StandInLearner(redis_url, Button.LEFT):
            # lockstep begins when the emulator's next peer check sees the learner's heartbeat
            start = wait_for(
                lambda: (f := newest_frame(redis_client)) and f.action_source == ActionSource.DQN and f,
                what="the first DQN action played",
            )
            wait_for(lambda: (f := newest_frame(redis_client)) and f.step > start.step + 40, what="40 more steps")
        recent = [f for f in frames(redis_client) if f.step > start.step]
    dqn = [f for f in recent if f.action_source == ActionSource.DQN]
    assert len(dqn) >= 0.8 * len(recent), [f.action_source for f in recent]
    assert all(f.action == Button.LEFT for f in dqn)


def test_late_answers_are_discarded_and_the_deadline_is_counted(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--peer-check-interval", "0.2", "--deadline-ms", "20")
    with running(EMULATOR, redis_url, data_dir, *args), StandInLearner(redis_url, Button.RIGHT, skip_every=3):
        stale = Action(env="0", step=0, source=ActionSource.DQN, buttons=(Button.UP,))
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > 60, what="60 steps")
        redis_client.xadd(KEYS.actions("0"), stale.to_fields())

        def counters() -> dict[str, int]:
            raw = redis_client.get(KEYS.health("emulator", "env0"))
            return Health.model_validate_json(raw).counters if raw else {}

        wait_for(lambda: counters().get("deadline_missed", 0) >= 5 and counters().get("source_stale_dqn", 0) >= 1)


def test_plan_and_dashboard_press_and_control_acks(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    # no anti-stuck here: an intervention in the middle of the plan would replace one of its buttons
    with running(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--stuck-patience", "100000")):
        wait_for(lambda: newest_frame(redis_client), what="first frame")
        plan = Action(env="0", step=0, source=ActionSource.LLM, buttons=(Button.DOWN,) * 5, ttl_steps=50, goal="g")
        redis_client.xadd(KEYS.actions("0"), plan.to_fields())
        wait_for(lambda: sum(f.action_source == ActionSource.LLM for f in frames(redis_client)) >= 5, what="plan")
        llm = [f.action for f in frames(redis_client) if f.action_source == ActionSource.LLM]
        assert llm == [Button.DOWN] * 5
        press = ControlCommand(id="p1", env="0", command="press", button=Button.B)
        redis_client.xadd(KEYS.control("0"), press.to_fields())
        wait_for(lambda: any(f.action_source == ActionSource.DASHBOARD for f in frames(redis_client)), what="press")
        for command in (
            ControlCommand(id="s1", env="0", command="save", name="before-test"),
            ControlCommand(id="l1", env="0", command="load", name="before-test"),
            ControlCommand(id="l2", env="0", command="load", name="no-such-state"),
            ControlCommand(id="i1", env="0", command="set_llm_interval", value=7),
        ):
            redis_client.xadd(KEYS.control("0"), command.to_fields())
        acks = wait_for(lambda: len(a := events(redis_client, "control_ack")) >= 5 and a, what="acks")
        by_id = {a.data["id"]: a.data for a in acks}
        assert by_id["s1"]["ok"] and by_id["l1"]["ok"] and by_id["i1"]["ok"]
        assert not by_id["l2"]["ok"] and "no save state named" in by_id["l2"]["detail"]
        assert (data_dir / "states" / "env0" / "before-test.state").exists()


def test_pause_stops_the_steps_and_resume_continues(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    with running(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom)):
        wait_for(lambda: newest_frame(redis_client), what="first frame")
        redis_client.xadd(KEYS.control("0"), ControlCommand(id="a", env="0", command="pause").to_fields())
        wait_for(lambda: events(redis_client, "control_ack"), what="pause ack")
        paused_at = redis_client.xlen(KEYS.frames("0"))
        threading.Event().wait(0.5)
        assert redis_client.xlen(KEYS.frames("0")) <= paused_at + 1
        redis_client.xadd(KEYS.control("0"), ControlCommand(id="b", env="0", command="resume").to_fields())
        wait_for(lambda: redis_client.xlen(KEYS.frames("0")) > paused_at + 20, what="steps after resume")


def test_bad_messages_go_to_dead_and_the_game_goes_on(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    with running(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom)):
        wait_for(lambda: newest_frame(redis_client), what="first frame")
        redis_client.xadd(KEYS.control("0"), {"garbage": b"\xff\xfe"})
        redis_client.xadd(KEYS.actions("0"), {"v": "1", "kind": "action", "json": '{"env": "0", "step": "x"}'})
        redis_client.xadd(KEYS.control("0"), {"v": "9", "kind": "control", "json": "{}"})
        wait_for(lambda: redis_client.xlen(KEYS.dead) == 3, what="3 dead letters")
        before = newest_frame(redis_client)
        assert before is not None
        wait_for(lambda: (f := newest_frame(redis_client)) and f.step > before.step + 20, what="more steps")


def test_anti_stuck_intervenes_visibly(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--stuck-patience", "3", "--max-steps", "200")
    assert start_service(EMULATOR, redis_url, data_dir, *args).wait(60) == 0
    flagged = [f for f in frames(redis_client) if f.intervention]
    assert flagged and all(f.reward_breakdown.get("stuck") == -0.5 for f in flagged)
    assert events(redis_client, "anti_stuck")


def test_sigterm_saves_and_a_restart_resumes_the_step_counter(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    process = start_service(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom))
    wait_for(lambda: (f := newest_frame(redis_client)) and f.step >= 100, what="100 steps")
    assert stop(process) == 0
    last = newest_frame(redis_client)
    assert last is not None
    saved = sorted((data_dir / "states" / "env0").glob("auto-*.json"))
    assert saved
    redis_client.delete(KEYS.frames("0"))
    with running(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom)):
        first = wait_for(lambda: frames(redis_client, count=1), what="a frame after restart")[0]
    assert first.step >= last.step - 1
    assert first.state.map_id == last.state.map_id or first.state.party


def test_an_automatic_save_holds_the_state_of_the_step_it_is_named_for(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--autosave-every", "7", "--max-steps", "60", "--keep-states", "20")
    assert start_service(EMULATOR, redis_url, data_dir, *args).wait(60) == 0
    by_step = {f.step: f.state for f in frames(redis_client)}
    store = SaveStateStore(data_dir / "states" / "env0", inspect_rom(demo_rom).sha256, keep=20)
    # every 7 steps, by the interval or by a milestone reached on such a step (the first Pokémon, by the seed's path)
    autos = [m for m in store.names() if m.name.startswith("auto-") and m.reason != "shutdown"]
    assert len(autos) >= 8
    game = Machine(inspect_rom(demo_rom))
    try:
        for meta in autos:  # the state is taken as the frame is sent, not a step later as the game goes on
            game.load_state(store.load(meta.name)[0])
            assert game.state() == by_step[meta.step], meta.name
    finally:
        game.close()


def _replace_with_a_file(directory: Path) -> bool:
    """A file where the save-state directory was: every save from then on fails. A save being written in the
    background can create the directory again in between; then this is tried again."""
    shutil.rmtree(directory, ignore_errors=True)
    try:
        directory.write_text("a file where the save-state directory was")
    except IsADirectoryError:
        return False
    return True


def test_a_save_that_cannot_be_written_is_reported_and_the_game_goes_on(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    states = data_dir / "states" / "env0"
    with running(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--autosave-every", "25")) as process:
        wait_for(lambda: list(states.glob("auto-*.state")), what="a first automatic save")
        wait_for(lambda: _replace_with_a_file(states), what="the state directory replaced by a file")
        failed = wait_for(lambda: events(redis_client, "save_failed"), what="a save_failed event")
        assert failed[0].level == "error" and "env0" in failed[0].message
        after = failed[0].ts
        wait_for(lambda: (f := newest_frame(redis_client)) and f.ts > after + 0.5, what="steps after the failed save")
        wait_for(
            lambda: Health.model_validate_json(redis_client.get(KEYS.health("emulator", "env0")) or b"{}").counters.get(
                "save_failures"
            ),
            what="save_failures counted in the heartbeat",
        )
        assert stop(process) == 0
    assert "automatic save (shutdown) failed" in (data_dir / "emulator.log").read_text()


def test_corrupt_newest_state_is_moved_aside(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    assert start_service(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--max-steps", "40")).wait(60) == 0
    states = data_dir / "states" / "env0"
    newest = max(states.glob("auto-*.state"), key=lambda p: p.name)
    newest.write_bytes(newest.read_bytes()[:100])
    redis_client.delete(KEYS.frames("0"))
    assert start_service(EMULATOR, redis_url, data_dir, *emulator_args(demo_rom, "--max-steps", "60")).wait(60) == 0
    assert (states / "rejected" / newest.name).exists()
    log = (data_dir / "emulator.log").read_text()
    assert "corrupt or truncated" in log


def test_live_screen_png_for_the_dashboard(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, data_dir: Path
) -> None:
    args = emulator_args(demo_rom, "--screen-fps", "20", "--peer-check-interval", "0.1")
    with running(EMULATOR, redis_url, data_dir, *args):
        wait_for(lambda: (f := frames(redis_client, count=1, newest=True)) and f[0].step >= 30, what="30 steps")
        assert redis_client.get(KEYS.screen("0")) is None, "no dashboard, no picture"
        heartbeat(redis_client, "dashboard")
        first = wait_for(lambda: redis_client.get(KEYS.screen("0")), what="a screen")
        assert first.startswith(b"\x89PNG\r\n\x1a\n")
        from io import BytesIO

        from PIL import Image

        assert Image.open(BytesIO(first)).size == (160, 144)
        wait_for(lambda: redis_client.get(KEYS.screen("0")) != first, what="the screen to change")
        assert 0 < redis_client.pttl(KEYS.screen("0")) <= 10_000
