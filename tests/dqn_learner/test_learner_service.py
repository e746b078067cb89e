"""The service against a real redis-server: frames in, DQN actions out, dead letters, checkpoints, resume, claims.

The emulators are played by the test (frames published through the streams layer, in
lockstep with the answers), so every assertion is about the learner alone.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis

from services.dqn_learner.app import serve
from services.dqn_learner.checkpoints import checkpoint_path, list_checkpoints
from services.dqn_learner.service import GROUP, SERVICE
from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTON_INDEX, Button
from shared.health import Health
from shared.keys import Keys
from shared.messages import Action, ActionSource, DeadLetter
from shared.streams import Decoder, Publisher, StreamReader, StreamSettings
from tests.dqn_learner.helpers import make_frame

pytestmark = pytest.mark.timeout(90)

NO_START_SELECT = tuple(b not in (Button.START, Button.SELECT) for b in Button)


def learner_settings(redis_url: str, data_dir: Path, **overrides: object) -> LearnerSettings:
    streams = StreamSettings(
        heartbeat_interval=0.2,
        discover_interval=0.1,
        read_block_ms=50,
        claim_interval=0.2,
        claim_min_idle_ms=200,
    )
    fields: dict[str, object] = {
        "redis_url": redis_url,
        "data_dir": data_dir,
        "instance": "test-learner",
        "frame_stack": 2,
        "buffer_capacity": 500,
        "learning_starts": 8,
        "train_every": 1,
        "batch_size": 8,
        "checkpoint_every": 10,
        "stats_interval": 0.2,
        "epsilon_decay_frames": 50,
        "streams": streams,
    }
    fields.update(overrides)
    return LearnerSettings.model_validate(fields)


@asynccontextmanager
async def running(settings: LearnerSettings, client: redis.Redis) -> AsyncIterator[asyncio.Task[None]]:
    """The service as a task; entered once its heartbeat is up (refill done), left after a clean stop."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    key = settings.keys.health(SERVICE, settings.instance)
    while not client.exists(key):
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def health(settings: LearnerSettings, client: redis.Redis) -> dict[str, float]:
    raw = client.get(settings.keys.health(SERVICE, settings.instance))
    assert raw is not None
    return Health.model_validate_json(raw).counters


class Emulators:
    """Plays several envs in lockstep: publish a frame per env, wait for each env's answer for that step."""

    def __init__(self, redis_url: str, keys: Keys, envs: list[str]) -> None:
        self.keys = keys
        self.envs = envs
        self.publisher = Publisher(redis_url, keys=keys)
        self.reader: StreamReader[Action] = StreamReader(redis_url, model=Decoder(Action))
        self.positions = {keys.actions(env): "$" for env in envs}
        self.step = dict.fromkeys(envs, 0)
        self.episode = dict.fromkeys(envs, 0)

    async def start(self) -> None:
        self.positions = {s: await self.reader.last_id(s) for s in self.positions}

    async def play(self, steps: int, timeout: float = 5.0) -> list[Action]:
        answers: list[Action] = []
        for _ in range(steps):
            frames = [
                (
                    self.keys.frames(env),
                    make_frame(
                        self.step[env],
                        env=env,
                        x=self.step[env] % 10,
                        legal=NO_START_SELECT,
                        reward=0.1,
                        episode=self.episode[env],
                    ),
                )
                for env in self.envs
            ]
            await self.publisher.publish_many(frames)
            wanted = {(env, self.step[env]) for env in self.envs}
            async with asyncio.timeout(timeout):
                while wanted:
                    for entry in await self.reader.tail(self.positions, block_ms=100):
                        self.positions[entry.stream] = entry.entry_id
                        assert entry.message is not None, entry.error
                        answers.append(entry.message)
                        wanted.discard((entry.message.env, entry.message.step))
            for env in self.envs:
                self.step[env] += 1
        return answers

    async def aclose(self) -> None:
        await self.publisher.aclose()
        await self.reader.aclose()


async def test_every_env_gets_a_legal_dqn_action_for_its_step_and_stats_are_written(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path)
    keys = settings.keys
    emulators = Emulators(redis_url, keys, ["0", "1", "2"])
    async with running(settings, redis_client):
        # Streams exist before the consumer discovers them; the first frames are answered once found.
        await emulators.start()
        answers = await emulators.play(30)
        await asyncio.sleep(0.5)  # a few heartbeats and stats writes
        counters = health(settings, redis_client)
    await emulators.aclose()

    assert {(a.env, a.step) for a in answers} == {(env, step) for env in ("0", "1", "2") for step in range(30)}
    assert all(a.source == ActionSource.DQN and len(a.buttons) == 1 for a in answers)
    forbidden = {BUTTON_INDEX[Button.START], BUTTON_INDEX[Button.SELECT]}
    assert not any(BUTTON_INDEX[a.buttons[0]] in forbidden for a in answers)

    # Three envs publish together: the answers come from fewer forward passes than frames.
    assert counters["counters_actions_sent"] >= 90
    assert counters["counters_batches"] < counters["counters_actions_sent"]
    assert counters["latency_batch_size_mean"] > 1.0
    assert counters["charts_updates"] > 0 and counters["buffer_size"] > 0
    assert counters["buffer_bytes"] == 500 * counters["buffer_bytes_per_transition"]
    assert 72 * 80 <= counters["buffer_bytes_per_transition"] <= 7 * 1024  # one screen a transition
    assert counters["latency_inference_ms_p99"] > 0
    assert redis_client.xpending(keys.frames("0"), GROUP)["pending"] == 0  # everything acknowledged

    stats = json.loads((tmp_path / SERVICE / "stats.json").read_text())
    for name in ("losses_td_loss", "losses_q_values", "charts_epsilon", "charts_updates_per_s",
                 "latency_inference_ms_p50", "latency_inference_ms_p99", "buffer_size", "buffer_bytes",
                 "counters_actions_sent", "emulator_deadline_missed"):  # fmt: skip
        assert name in stats
    assert list((tmp_path / "tensorboard").glob("*/events.out.tfevents.*"))
    assert list_checkpoints(tmp_path / SERVICE / "checkpoints")  # at least the one written at stop


async def test_an_episodes_last_frame_is_learned_from_but_not_answered(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path, learning_starts=100)
    keys = settings.keys
    emulators = Emulators(redis_url, keys, ["0"])
    async with running(settings, redis_client):
        await emulators.start()
        first = await emulators.play(5)  # steps 0-4
        last = make_frame(5, env="0", legal=NO_START_SELECT, reward=1.0, terminated=True)
        await emulators.publisher.publish(keys.frames("0"), last)
        async with asyncio.timeout(5):  # the learner has taken the last frame in (its heartbeat says so)
            while health(settings, redis_client)["counters_frames"] < 6:
                await asyncio.sleep(0.05)
        emulators.step["0"], emulators.episode["0"] = 6, 1  # the emulator reset: the next episode begins
        after = await emulators.play(3)  # steps 6-8; an answer to step 5 would come before step 6's
        async with asyncio.timeout(5):
            while health(settings, redis_client)["counters_frames"] < 9:
                await asyncio.sleep(0.05)
        counters = health(settings, redis_client)
    await emulators.aclose()

    assert [a.step for a in first] == [0, 1, 2, 3, 4]
    assert [a.step for a in after] == [6, 7, 8]
    # 0-1 ... 4-5 (5 terminal), then 6-7 and 7-8: nothing from the last frame into the next episode
    assert counters["buffer_size"] == 7
    assert redis_client.xpending(keys.frames("0"), GROUP)["pending"] == 0


async def test_bad_frames_go_to_dead_and_the_service_goes_on(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path)
    keys = settings.keys
    emulators = Emulators(redis_url, keys, ["0"])
    async with running(settings, redis_client):
        await emulators.start()
        await emulators.play(3)
        bad_screen = make_frame(3, env="0").model_copy(update={"screen": b"\x00" * 10})
        await emulators.publisher.publish(keys.frames("0"), bad_screen)
        redis_client.xadd(keys.frames("0"), {"v": "1", "kind": "frame", "json": "{not json"})
        emulators.step["0"] = 4  # the next good frame follows the bad ones
        await emulators.play(3)
    await emulators.aclose()

    letters = [DeadLetter.from_fields(f) for _, f in redis_client.xrange(keys.dead)]
    reasons = [letter.reason for letter in letters]
    assert any("screen has 10 bytes" in r for r in reasons), reasons
    assert any("not valid JSON" in r for r in reasons), reasons
    assert redis_client.xpending(keys.frames("0"), GROUP)["pending"] == 0


async def test_restart_resumes_from_checkpoint_refills_and_claims_pending_frames(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path)
    keys = settings.keys
    emulators = Emulators(redis_url, keys, ["0", "1"])
    async with running(settings, redis_client):
        await emulators.start()
        await emulators.play(40)
    state = json.loads((tmp_path / SERVICE / "stats.json").read_text())
    updates_before = state["charts_updates"]
    assert updates_before > 0

    # Frames that a learner read and died on before acknowledging: delivered to another
    # consumer of the group and left pending, as SIGKILL between read and ack leaves them.
    for step in range(40, 45):
        await emulators.publisher.publish(keys.frames("0"), make_frame(step, env="0", legal=NO_START_SELECT))
    redis_client.xreadgroup(GROUP, "killed-learner", {keys.frames("0"): ">"}, count=100)
    assert redis_client.xpending(keys.frames("0"), GROUP)["pending"] == 5
    await asyncio.sleep(0.3)  # older than claim_min_idle_ms

    restarted = settings.model_copy(update={"instance": "test-learner-2"})
    async with running(restarted, redis_client):
        first = health(restarted, redis_client)
        async with asyncio.timeout(5):
            while redis_client.xpending(keys.frames("0"), GROUP)["pending"]:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        after_claim = health(restarted, redis_client)
        emulators.step = {"0": 45, "1": 40}
        answers = await emulators.play(5)
    await emulators.aclose()

    assert first["charts_updates"] >= updates_before  # resumed, not started over
    assert first["counters_refilled"] >= 2 * 40 + 5  # the retained window came back into the buffer
    assert first["buffer_size"] > 0
    assert after_claim["claimed"] >= 5
    assert {(a.env, a.step) for a in answers} >= {("0", 45), ("1", 40)}


async def test_corrupt_newest_checkpoint_is_moved_aside_and_the_previous_loaded(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    settings = learner_settings(redis_url, tmp_path)
    emulators = Emulators(redis_url, settings.keys, ["0"])
    async with running(settings, redis_client):
        await emulators.start()
        await emulators.play(30)
    await emulators.aclose()
    directory = tmp_path / SERVICE / "checkpoints"
    previous = list_checkpoints(directory)[0]
    previous_updates = int(previous.name.split("-")[1].split(".")[0])
    # A newer checkpoint cut short, as a crash inside a non-atomic write would leave it.
    newest = checkpoint_path(directory, previous_updates + 1000)
    newest.write_bytes(previous.read_bytes()[:2000])

    async with running(settings, redis_client):
        counters = health(settings, redis_client)
    assert newest.with_name(newest.name + ".corrupt").exists()
    assert previous_updates <= counters["charts_updates"] < previous_updates + 1000
    events = [f[b"json"].decode() for _, f in redis_client.xrange(settings.keys.events)]
    assert any("checkpoint_corrupt" in e for e in events)


async def test_unreachable_redis_at_start_is_retried_and_sigterm_still_checkpoints(tmp_path: Path) -> None:
    from shared.redis_server import free_port

    settings = learner_settings(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    await asyncio.sleep(0.5)
    assert not task.done()  # waiting for Redis, not crashed
    stop.set()
    await asyncio.wait_for(task, 10)
    assert list_checkpoints(tmp_path / SERVICE / "checkpoints")
