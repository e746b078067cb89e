"""The hybrid end to end: the real planner asks the demonstrator (a stand-in model host answering with the demo
cartridge's walkthrough, named as one), the emulator plays its plans, and the learner takes those steps as
demonstrations: they fill its reserved ring, make their share of every batch and bring the margin loss."""

from pathlib import Path

import pytest
import redis

from shared.messages import ActionSource
from tests.dqn_learner.test_learner_e2e import EMULATOR, FAST_STREAMS, LEARNER, learner_args, learner_health
from tests.procs import frames, running, wait_for
from tests.standins.demonstrator import Demonstrator
from tests.standins.model_host import StandinModelHost

pytestmark = pytest.mark.timeout(240)


def test_the_planners_steps_reach_the_learner_as_demonstrations(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    demonstrator = Demonstrator.on_demo_cartridge()
    data = tmp_path / "data"
    with StandinModelHost(planner=demonstrator.plan) as host:
        emulator_args = ["--rom", str(demo_rom), "--peer-check-interval", "0.2", "--progress-interval", "3600",
                         "--llm-interval", "8"]  # fmt: skip
        with (
            running(LEARNER, redis_url, data, *learner_args("demo"), "--demo-capacity", "500", **FAST_STREAMS),
            # the planner keeps its claim idle time (longer than a request's budget) and only beats faster
            running(
                "services.llm_planner",
                redis_url,
                data,
                "--llm-url",
                host.ollama_url,
                CRL_STREAM_HEARTBEAT_INTERVAL="0.3",
            ),  # fmt: skip
            running(EMULATOR, redis_url, data, *emulator_args, **FAST_STREAMS),
        ):
            # the batch share is a mean over the stats window: the first window with a margin loss may still hold
            # batches from before the first plan had ended with progress (the outcome filter holds its steps till then)
            counters = wait_for(
                lambda: (
                    (c := learner_health(redis_client, "demo")).get("losses_margin_loss", 0) > 0
                    and c.get("charts_demo_batch_share", 0) >= 0.25
                    and c
                ),
                timeout=180,
                what="the learner reporting a margin loss, and the demonstrations' share of whole windows of batches",
            )
            played = frames(redis_client)
    assert host.requests, "the planner asked the demonstrator"
    assert any(f.action_source == ActionSource.LLM for f in played), "its plans reached the game"
    assert counters["buffer_demos_reserved"] > 0
    assert 0 < counters["buffer_demo_share"] < 1  # the DQN and the rules played the other steps
    assert counters["charts_demo_batch_share"] >= 0.25  # the reserved share of every batch, and any in the rest
