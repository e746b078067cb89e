"""What the emulator's episode and archive tests share: the arguments, a state near the goal, the readers."""

from pathlib import Path

import redis

from cartridge.walkthrough import WALKTHROUGH
from services.emulator.savestates import SaveStateStore
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.health import Health
from shared.messages import ControlCommand, Episode
from shared.rom import inspect_rom
from tests.procs import KEYS, events

EMULATOR = "services.emulator"
NEAR = "near-first-pokemon"
NEAR_STEPS = 10
"""Walkthrough buttons played before the state `NEAR` is taken: the starter's cut-scene has begun."""
STEPS_TO_GOAL = 3


def emulator_args(rom: Path, *extra: str) -> list[str]:
    return ["--rom", str(rom), "--progress-interval", "3600", "--stuck-patience", "100000", *extra]


def make_near_goal_state(rom: Path, data_dir: Path, env: str = "0") -> None:
    """The state after the walkthrough's first buttons, saved as `NEAR` in env `env`'s store."""
    core = GameCore.start(GameConfig(rom=rom), boot_cache=data_dir / "boot")
    try:
        for button in WALKTHROUGH[:NEAR_STEPS]:
            core.step(Button(button))
        assert not core.state.party
        data = core.save_state()
    finally:
        core.close()
    store = SaveStateStore(data_dir / "states" / f"env{env}", inspect_rom(rom).sha256)
    store.save(NEAR, data, step=0, episode=0, reason="manual", stats={})


def episodes(client: redis.Redis, env: str | None = None) -> list[Episode]:
    got = [Episode.from_fields(fields) for _, fields in client.xrange(KEYS.episodes)]
    return [e for e in got if env is None or e.env == env]


def health(client: redis.Redis, env: str = "0") -> dict[str, float]:
    raw = client.get(KEYS.health("emulator", f"env{env}"))
    return Health.model_validate_json(raw).counters if raw else {}


def command(client: redis.Redis, env: str = "0", **fields: object) -> None:
    """Send env `env` a control command, as the dashboard does."""
    client.xadd(KEYS.control(env), ControlCommand(env=env, **fields).to_fields())  # type: ignore[arg-type]


def acked(client: redis.Redis, command_id: str) -> dict[str, object]:
    """The ack of the command with id `command_id`, or {} while there is none."""
    acks = [e.data for e in events(client, "control_ack") if e.data["id"] == command_id]
    return acks[0] if acks else {}
