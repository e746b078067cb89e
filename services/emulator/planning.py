"""Planning: when the planner is asked for a plan, and what it is told.

Every `llm_interval` steps, and at once when the last step's facts call for it (the anti-stuck
rule stepped in, a new map, a battle begun, the first Pokémon), a `PlanRequest` goes out with the
frame: the state, the recent steps (`history`), the legal buttons, how the previous plan went, the
words on screen and the text map (both read only for a request, never every step) and, with
`llm_image`, the screen as a PNG. Only while a planner is alive to answer: a dead one must not cost
the game a request a step. The plan itself comes back as an `Action` that the arbiter plays.
"""

import uuid
from collections import deque

from services.emulator.arbiter import Arbiter
from services.emulator.peers import Peers
from services.emulator.screens import encode_png
from services.emulator.settings import EmulatorSettings
from shared.buttons import BUTTONS, Button
from shared.counters import Counters
from shared.game.core import GameCore
from shared.game.progress import StepFacts
from shared.messages import ActionSource, Frame, HistoryItem, Message, PlanReason, PlanRequest
from shared.unvalidated import unvalidated_constructor

# built from values the loop produced and typed itself, once per step: no validation pass
_history_item = unvalidated_constructor(HistoryItem)


class Planning:
    def __init__(self, settings: EmulatorSettings, core: GameCore, arbiter: Arbiter, peers: Peers) -> None:
        self.core = core
        self.arbiter = arbiter
        self.peers = peers
        self.env = settings.env
        self.stream = settings.keys.plan_requests
        self.interval = settings.llm_interval
        """Steps between two requests (`set_llm_interval` changes it while the game runs)."""
        self.image = settings.llm_image
        self.history: deque[HistoryItem] = deque(maxlen=settings.history_len)
        """The recent steps the planner sees, this episode's only."""
        self.counters = Counters("plan_requests")

    def played(self, step: int, button: Button, source: ActionSource, reward: float) -> None:
        """A step is history the next request tells of."""
        self.history.append(_history_item(step=step, action=button, source=source, reward=reward))

    def new_episode(self) -> None:
        self.history.clear()

    def request(self, frame: Frame, facts: StepFacts | None) -> list[tuple[str, Message]]:
        """The plan request to send with `frame`, when one is due (interval) or triggered by the last step's facts
        and a planner is alive to answer it; else nothing."""
        if not self.peers.planner:
            return []
        reason = _reason(facts, frame.step, self.interval)
        if reason is None:
            return []
        self.counters.plan_requests += 1
        core = self.core
        request = PlanRequest(
            request_id=uuid.uuid4().hex,
            env=self.env,
            step=frame.step,
            reason=reason,
            state=frame.state,
            history=tuple(self.history),
            legal=tuple(b for b, ok in zip(BUTTONS, frame.legal, strict=True) if ok),
            previous_plan=self.arbiter.last_plan,
            screen_text=core.screen_text(),  # read on a request only (every `llm_interval` steps), not every step
            text_map=core.text_map(),
            screen_png=encode_png(core.machine.pyboy.screen.ndarray) if self.image else b"",
        )
        return [(self.stream, request)]


def _reason(facts: StepFacts | None, step: int, interval: int) -> PlanReason | None:
    """Why a plan is asked for at `step`: the last step's most pressing fact, else the interval; None: no request."""
    if facts is not None:
        if facts.intervention:
            return "stuck"
        if facts.new_map:
            return "new_map"
        if facts.battle_started:
            return "battle_start"
        if facts.first_pokemon:
            return "first_pokemon"
    return "interval" if step % interval == 0 else None
