"""Builders shared by the learner's tests: frames with a given position and screen."""

import numpy as np

from shared.buttons import Button
from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.game.state import GameState, PartyMon
from shared.messages import ActionSource, Frame


def make_state(x: int = 5, y: int = 7, **overrides: object) -> GameState:
    fields: dict[str, object] = {
        "map_group": 24,
        "map_number": 7,
        "x": x,
        "y": y,
        "facing": "down",
        "money": 3000,
        "johto_badges": 0,
        "kanto_badges": 0,
        "party": (PartyMon(species=155, level=5, hp=20, max_hp=20, status=0, exp=135),),
    }
    fields.update(overrides)
    return GameState.model_validate(fields)


def make_frame(
    step: int,
    env: str = "0",
    screen_value: int | None = None,
    action: Button | None = Button.UP,
    reward: float = 0.0,
    episode: int = 0,
    legal: tuple[bool, ...] = (True,) * 8,
    terminated: bool = False,
    truncated: bool = False,
    screen: bytes | None = None,
    **state: object,
) -> Frame:
    if screen is None:
        value = step % 256 if screen_value is None else screen_value
        screen = np.full((SCREEN_HEIGHT, SCREEN_WIDTH), value, dtype=np.uint8).tobytes()
    return Frame(
        env=env,
        step=step,
        state=make_state(**state),  # type: ignore[arg-type]
        reward=reward,
        action=action if step > 0 else None,
        action_source=ActionSource.DQN if step > 0 else None,
        legal=legal,
        episode=episode,
        terminated=terminated,
        truncated=truncated,
        screen=screen,
    )
