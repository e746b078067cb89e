"""Planning: when the planner is asked for a plan, and what it is told.

A planning point comes every `llm_interval` steps after the last request while no plan is playing
(a plan still playing is the answer to the last one), at the first step of an episode, and at once
when the last step's facts call for it (the anti-stuck rule stepped in, a new map, a battle begun,
the first Pokémon). Only while a planner is alive to answer: a dead one must not cost the game a
request a step.

At most one request per env is open: a model takes seconds, and a request sent while another
waits would only be dropped by the planner as superseded. A planning point that finds one open is
remembered (the most pressing reason kept) and a request goes out, with the state of that moment,
at the first step after the open one is answered (a plan, or the planner's `NoPlan`) or given up
(`llm_request_timeout_s`: an answer lost with a planner that died).

The request (`PlanRequest`) holds the state, the episode, the recent steps (`history`), the legal
buttons, how the previous plan went, the words on screen and the text map (both read only for a
request, never every step), with `llm_image` the screen as a PNG, and with `llm_ram` the work RAM (for
a demonstrator). The plan itself comes back as an `Action` that the arbiter plays.
"""

import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass

from services.emulator.arbiter import Arbiter
from services.emulator.peers import Peers
from services.emulator.screens import encode_png
from services.emulator.settings import EmulatorSettings
from shared.buttons import BUTTONS, Button
from shared.counters import Counters
from shared.game.core import GameCore
from shared.game.progress import StepFacts
from shared.game.rules import allowed_buttons
from shared.messages import (
    RAM_START,
    ActionSource,
    Frame,
    HistoryItem,
    Message,
    PlanReason,
    PlanRequest,
)
from shared.unvalidated import unvalidated_constructor

log = logging.getLogger(__name__)

# built from values the loop produced and typed itself, once per step: no validation pass
_history_item = unvalidated_constructor(HistoryItem)

RAM_END = 0xE000
"""The end of WRAM bank 1: `PlanRequest.ram` is 0xC000-0xDFFF (banks 0 and 1), what a world's policy reads."""
URGENCY: dict[PlanReason, int] = {"stuck": 5, "new_map": 4, "battle_start": 3, "first_pokemon": 2, "interval": 1}
"""Which reason a remembered planning point keeps when several come while a request is open."""


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """The env's request that has no answer yet."""

    request_id: str
    step: int
    sent: float
    """`time.monotonic()` when it was sent."""


class Planning:
    def __init__(self, settings: EmulatorSettings, core: GameCore, arbiter: Arbiter, peers: Peers) -> None:
        self.core = core
        self.arbiter = arbiter
        self.peers = peers
        self.env = settings.env
        self.stream = settings.keys.plan_requests
        self.interval = settings.llm_interval
        """Steps between two requests (`set_llm_interval` changes it while the game runs)."""
        self.timeout_s = settings.llm_request_timeout_s
        self.image = settings.llm_image
        self.ram = settings.llm_ram
        self.history: deque[HistoryItem] = deque(maxlen=settings.history_len)
        """The recent steps the planner sees, this episode's only."""
        self.open: OpenRequest | None = None
        """The request sent and not yet answered (at most one)."""
        self.deferred: PlanReason | None = None
        """A planning point that came while a request was open: sent once it is closed."""
        self.last_sent: int | None = None
        """The step of the last request sent (None: none yet in this episode, so the first step asks)."""
        self.point = False
        """This step is a planning point with a request open (just sent, or still waiting): `llm_wait` waits."""
        self.counters = Counters(
            "plan_requests plan_points_deferred plan_requests_given_up plan_answers plan_no_plans plan_answers_late"
        )
        """`plan_requests` sent; `plan_points_deferred` planning points that found one open (remembered);
        `plan_requests_given_up` open past `llm_request_timeout_s`; `plan_answers` plans and `plan_no_plans` the
        planner's `NoPlan`s that closed the open request; `plan_answers_late` answers to a request given up."""

    def played(self, step: int, button: Button, source: ActionSource, reward: float) -> None:
        """A step is history the next request tells of."""
        self.history.append(_history_item(step=step, action=button, source=source, reward=reward))

    def new_episode(self) -> None:
        """The history is the old episode's; the new one's first step is a planning point. A request still open
        stays open (its answer will be refused as another episode's): never two at once."""
        self.history.clear()
        self.last_sent = None

    def answered(self, request_id: str | None, plan: bool) -> None:
        """An answer arrived (a plan, or a `NoPlan` when `plan` is False): the open request it answers is closed."""
        if self.open is not None and request_id == self.open.request_id:
            self.open = None
            if plan:
                self.counters.plan_answers += 1
            else:
                self.counters.plan_no_plans += 1
        else:
            self.counters.plan_answers_late += 1

    def request(self, frame: Frame, facts: StepFacts | None) -> list[tuple[str, Message]]:
        """The plan request to send with `frame`, when this step is a planning point (or one was remembered) and
        no request is open, while a planner is alive to answer it; else nothing."""
        self.point = False
        if not self.peers.planner:
            return []
        if self.open is not None and time.monotonic() - self.open.sent > self.timeout_s:
            self.counters.plan_requests_given_up += 1
            log.warning("plan request of step %d unanswered after %.0f s: given up", self.open.step, self.timeout_s)
            self.open = None
        reason = self._reason(facts, frame.step)
        if self.open is not None:
            if reason is not None:
                self._defer(reason)
            return []
        if self.deferred is not None and (reason is None or URGENCY[self.deferred] > URGENCY[reason]):
            reason = self.deferred
        if reason is None:
            return []
        self.deferred = None
        self.point = True
        return [(self.stream, self._request(frame, reason))]

    def _defer(self, reason: PlanReason) -> None:
        """A planning point while a request is open: remembered, the most pressing reason kept. A due interval
        already remembered is the same planning point, not a new one each step."""
        if reason == "interval" and self.deferred is not None:
            return
        self.point = True
        if self.deferred is None:
            self.counters.plan_points_deferred += 1
            self.deferred = reason
        elif URGENCY[reason] > URGENCY[self.deferred]:
            self.deferred = reason

    def _request(self, frame: Frame, reason: PlanReason) -> PlanRequest:
        self.counters.plan_requests += 1
        self.last_sent = frame.step
        core = self.core
        request = PlanRequest(
            request_id=uuid.uuid4().hex,
            env=self.env,
            step=frame.step,
            reason=reason,
            state=frame.state,
            history=tuple(self.history),
            legal=tuple(b for b, ok in zip(BUTTONS, allowed_buttons(frame.state), strict=True) if ok),
            previous_plan=self.arbiter.last_plan,
            screen_text=core.screen_text(),  # read on a request only, not every step
            text_map=core.text_map(),
            screen_png=encode_png(core.machine.pyboy.screen.ndarray) if self.image else b"",
            episode=frame.episode,
            ram=self._ram() if self.ram else b"",
        )
        self.open = OpenRequest(request.request_id, frame.step, time.monotonic())
        return request

    def _ram(self) -> bytes:
        """WRAM banks 0 and 1 (0xC000-0xDFFF), as `PlanRequest.ram` holds them (a request only). PyBoy's banked
        slice refuses an end of 0xE000 (it checks the end as an address), so bank 1's last byte is read alone."""
        memory = self.core.machine.pyboy.memory
        last = RAM_END - 1
        return bytes(memory[RAM_START:0xD000]) + bytes(memory[1, 0xD000:last]) + bytes([memory[1, last]])

    def _reason(self, facts: StepFacts | None, step: int) -> PlanReason | None:
        """Why a plan is asked for at `step`: the last step's most pressing fact, else the interval (counted from
        the last request, and only while no plan is playing); None: no planning point."""
        if facts is not None:
            if facts.intervention:
                return "stuck"
            if facts.new_map:
                return "new_map"
            if facts.battle_started:
                return "battle_start"
            if facts.first_pokemon:
                return "first_pokemon"
        due = self.last_sent is None or step - self.last_sent >= self.interval
        return "interval" if due and not self.arbiter.plan_active(step) else None
