"""The step loop: read the state, publish the frame, choose a button, play it. Repeat.

PyBoy runs on one worker thread so the event loop stays free for Redis I/O; the frame of
step t is published while step t is being emulated, so a Redis round trip overlaps the
emulation instead of adding to it.
"""

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from services.emulator.fallback import FallbackPolicy
from services.emulator.game import Game
from services.emulator.settings import EmulatorSettings
from shared.buttons import BUTTONS, Button
from shared.game.state import GameState
from shared.messages import ActionSource, Frame, Message

log = logging.getLogger(__name__)

FORBIDDEN_BEFORE_FIRST_POKEMON = frozenset({Button.START, Button.SELECT})


class Publisher(Protocol):
    async def publish(self, stream: str, message: Message) -> None: ...


def legal_mask(state: GameState) -> tuple[bool, ...]:
    """START/SELECT are forbidden until the party has its first Pokémon."""
    if state.party_count:
        return (True,) * len(BUTTONS)
    return tuple(b not in FORBIDDEN_BEFORE_FIRST_POKEMON for b in BUTTONS)


class EmulatorService:
    def __init__(self, settings: EmulatorSettings, game: Game, publisher: Publisher) -> None:
        self.settings = settings
        self.game = game
        self.publisher = publisher
        self.fallback = FallbackPolicy(settings.seed)
        self.step = 0
        self.started = time.monotonic()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyboy")

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        frames_key = self.settings.keys.frames(self.settings.env)
        last: tuple[Button, ActionSource] | None = None
        pending: asyncio.Task[None] | None = None
        next_progress = time.monotonic() + self.settings.progress_interval
        try:
            while not stop.is_set():
                state = await loop.run_in_executor(self._executor, self.game.state)
                screen = await loop.run_in_executor(self._executor, self.game.small_screen)
                frame = Frame(
                    env=self.settings.env,
                    step=self.step,
                    state=state,
                    action=last[0] if last else None,
                    action_source=last[1] if last else None,
                    legal=legal_mask(state),
                    screen=screen,
                )
                if pending is not None:
                    await pending
                pending = asyncio.create_task(self.publisher.publish(frames_key, frame))
                if self.settings.max_steps is not None and self.step >= self.settings.max_steps:
                    break
                button = self.fallback.choose(state)
                if not frame.legal[BUTTONS.index(button)]:
                    button = Button.A
                await loop.run_in_executor(self._executor, self.game.step, button)
                last = (button, ActionSource.RULES)
                self.step += 1
                if time.monotonic() >= next_progress:
                    next_progress += self.settings.progress_interval
                    self._log_progress(state)
        finally:
            if pending is not None:
                with contextlib.suppress(Exception):
                    await pending
            self._executor.shutdown(wait=True)

    def _log_progress(self, state: GameState) -> None:
        elapsed = time.monotonic() - self.started
        log.info(
            "step %d (%.0f steps/s) map %s (%d,%d) pos (%d,%d) money %d badges %d party levels %s",
            self.step,
            self.step / elapsed if elapsed else 0.0,
            state.map_name or "?",
            state.map_group,
            state.map_number,
            state.x,
            state.y,
            state.money,
            state.badge_count,
            [m.level for m in state.party],
        )
