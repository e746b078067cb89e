"""Action arbitration: who chooses this step's button.

The order of DESIGN's step: a dashboard command → the current LLM plan (buttons with a
time-to-live) → the DQN's action for this exact step → the rule-based fallback. Late and
stale offers are discarded and counted, never executed on the wrong step, nor in another
episode: a new episode drops the old one's plan and DQN answers, and a plan answering a
request of an earlier episode is refused (a person's presses are kept: they are for now).

A plan may walk (`Action.walk_to`): its steps are then the `Walker`'s presses along a path searched
over the game's text map (the game core's `navigation`), one a step, until it arrives, leaves the
map, meets a battle or finds no way; then the plan's buttons, all within the plan's time-to-live.
The map is read only when a path must be searched, not every step.
"""

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from shared.buttons import Button
from shared.counters import Counters
from shared.game.navigation import Walker
from shared.game.state import GameState
from shared.game.textmap import AreaMap
from shared.messages import Action, ActionSource, PlanOutcome

log = logging.getLogger(__name__)

MAX_QUEUED_PRESSES = 32
MAX_DQN_AHEAD = 64
"""DQN answers for steps further ahead than this are nonsense (a clock mismatch): refused."""


class Terrain(Protocol):
    """What a walk needs of the game: where the player is, and the map when a path is searched (`GameCore`)."""

    @property
    def state(self) -> GameState: ...

    def area_map(self) -> AreaMap: ...


@dataclass
class ActivePlan:
    goal: str
    buttons: deque[Button]
    expires_at: int
    """First step at which the plan no longer applies."""
    planned: int
    executed: int = 0
    """Buttons of the plan pressed (a walk's presses are `walked`)."""
    reward: float = 0.0
    interrupted: bool = False
    walker: Walker | None = None
    walked: int = 0

    @property
    def walking(self) -> bool:
        return self.walker is not None and not self.walker.done

    def outcome(self) -> PlanOutcome:
        return PlanOutcome(
            goal=self.goal,
            buttons_planned=self.planned,
            buttons_executed=self.executed,
            reward=round(self.reward, 4),
            interrupted=self.interrupted or bool(self.buttons) or self.walking,
            walked=self.walker.outcome if self.walker is not None else None,
        )


@dataclass
class Arbiter:
    presses: deque[Button] = field(default_factory=lambda: deque(maxlen=MAX_QUEUED_PRESSES))
    plan: ActivePlan | None = None
    last_plan: PlanOutcome | None = None
    dqn: dict[int, Button] = field(default_factory=dict)
    counters: Counters = field(
        default_factory=lambda: Counters(
            "dashboard llm dqn rules stale_dqn plans_received plans_expired stale_plans walks walk_steps walks_arrived"
        )
    )
    """Buttons by who chose them; `stale_dqn` answers for a step gone by; `stale_plans` answering a request of an
    episode already over; `walks_arrived` walks that reached their cell or left the map by the exit they were
    after."""
    episode_start: int = 0
    """The step of the current episode's first frame."""
    terrain: Terrain | None = None
    """The game, for walks; without it a plan's walk is skipped (its buttons still play)."""

    def press(self, button: Button) -> None:
        """A dashboard command: played before anything else, in the order received."""
        self.presses.append(button)

    def offer(self, action: Action, step: int) -> bool:
        """Take an action message that arrived while `step` is current; False when it was discarded."""
        if action.source == ActionSource.DQN:
            if action.step < step or action.step > step + MAX_DQN_AHEAD:
                self.counters.stale_dqn += 1
                return False
            self.dqn[action.step] = action.buttons[0]
            return True
        if action.step < self.episode_start:
            self.counters.stale_plans += 1
            return False
        self._finish_plan()
        self.plan = ActivePlan(
            goal=action.goal or "",
            buttons=deque(action.buttons),
            expires_at=step + action.ttl_steps,
            planned=len(action.buttons),
            walker=Walker(action.walk_to) if action.walk_to is not None and self.terrain is not None else None,
        )
        self.counters.plans_received += 1
        self.counters.walks += self.plan.walker is not None
        return True

    def new_episode(self, first_step: int) -> None:
        """The episode whose first frame is `first_step` begins: nothing chosen for the old one carries over."""
        self.counters.stale_dqn += len(self.dqn)
        self.dqn.clear()
        if self.plan is not None:
            self.plan.interrupted = True
        self._finish_plan()
        self.last_plan = None  # the planner hears of no plan from another episode
        self.episode_start = first_step

    def has_dqn(self, step: int) -> bool:
        return step in self.dqn

    def plan_active(self, step: int) -> bool:
        return self.plan is not None and (bool(self.plan.buttons) or self.plan.walking) and step < self.plan.expires_at

    def choose(self, step: int) -> tuple[Button, ActionSource] | None:
        """This step's button and who chose it, or None when the fallback must decide."""
        dqn = self.dqn.pop(step, None)
        for old in [s for s in self.dqn if s < step]:
            del self.dqn[old]
            self.counters.stale_dqn += 1
        if self.presses:
            self.counters.dashboard += 1
            if self.plan is not None:
                self.plan.interrupted = True
            return self.presses.popleft(), ActionSource.DASHBOARD
        if self.plan is not None and not self.plan_active(step):
            if self.plan.buttons or self.plan.walking:
                self.counters.plans_expired += 1
            self._finish_plan()
        if self.plan is not None:
            button = self._plan_button(self.plan)
            if button is not None:
                self.counters.llm += 1
                return button, ActionSource.LLM
            self._finish_plan()
        if dqn is not None:
            self.counters.dqn += 1
            return dqn, ActionSource.DQN
        self.counters.rules += 1
        return None

    def credit(self, source: ActionSource, reward: float) -> None:
        """Add a step's reward to the plan that chose it, for the next plan request's outcome."""
        if source == ActionSource.LLM and self.plan is not None:
            self.plan.reward += reward

    def _plan_button(self, plan: ActivePlan) -> Button | None:
        """The walk's next press while it goes on, then the plan's buttons; None when nothing is left."""
        if plan.walker is not None and plan.walking and self.terrain is not None:
            button = plan.walker.next(self.terrain.state, self.terrain.area_map)
            if button is not None:
                plan.walked += 1
                self.counters.walk_steps += 1
                return button
            outcome, by_exit = plan.walker.outcome, plan.walker.target.exit is not None
            self.counters.walks_arrived += outcome == "arrived" or (outcome == "left_map" and by_exit)
        if plan.buttons:
            plan.executed += 1
            return plan.buttons.popleft()
        return None

    def _finish_plan(self) -> None:
        if self.plan is not None:
            self.last_plan = self.plan.outcome()
            self.plan = None
