"""Action arbitration: who chooses this step's button.

The order of DESIGN's step: a dashboard command → the current LLM plan (buttons with a
time-to-live) → the DQN's action for this exact step → the rule-based fallback. Late and
stale offers are discarded and counted, never executed on the wrong step, nor in another
episode: a new episode drops the old one's plan and DQN answers (a person's presses are kept:
they are for now).

A plan names the step, map and episode it was made for; one made for another episode, another map
(the player left it while the model thought) or more than `plan_max_age` steps ago is stale:
refused and counted by kind (`stale_plans_episode`, `_map`, `_age`), never played where it means
something else.

A plan may walk (`Action.walk_to`, a place on the plan's map): its steps are then the `Walker`'s
presses along a path searched over the game's text map (the game core's `navigation`), one a step,
until it arrives, leaves the map, meets a battle or finds no way; then the plan's buttons. A walk's
time follows its path: when the path is first searched, the plan lives at least as long as the path's
presses and its buttons take (with `WALK_SLACK` for a turn or a person in the way), whatever ttl the
model guessed. The map is read only when a path must be searched, not every step.
"""

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, Protocol

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
WALK_SLACK = 4
"""Presses a walk may take beyond its path's (a turn on the spot, a blocked cell tried again) before its time ends."""


StaleKind = Literal["episode", "map", "age"]
"""Why a plan was refused as stale: made in another episode, for another map, or too many steps ago."""
STALE_WHY: dict[str, str] = {
    "episode": "made in another episode",
    "map": "made for another map",
    "age": "made too many steps ago (llm_plan_max_age)",
}


class Terrain(Protocol):
    """What a walk needs of the game: where the player is, and the map when a path is searched (`GameCore`)."""

    @property
    def state(self) -> GameState: ...

    def area_map(self) -> AreaMap: ...


@dataclass
class ActivePlan:
    request_id: str | None
    """The request the plan answers: it names the frames of the plan's steps (`Frame.plan`)."""
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
    walk_timed: bool = False
    """The plan's time was fitted to its walk's path (once, at the first search)."""

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
            "dashboard llm dqn rules stale_dqn plans_received plans_expired stale_plans stale_plans_episode "
            "stale_plans_map stale_plans_age walks walk_steps walks_arrived"
        )
    )
    """Buttons by who chose them; `stale_dqn` answers for a step gone by; `plans_received` plans taken;
    `stale_plans` refused, by kind: made in another episode, for another map, or too many steps ago;
    `walks_arrived` walks that reached their cell or left the map by the exit they were after."""
    episode_start: int = 0
    """The step of the current episode's first frame."""
    terrain: Terrain | None = None
    """The game, for walks; without it a plan's walk is skipped (its buttons still play)."""
    plan_max_age: int = 3000
    """Steps after its request's step past which an arriving plan is stale (the emulator's `llm_plan_max_age`)."""

    def press(self, button: Button) -> None:
        """A dashboard command: played before anything else, in the order received."""
        self.presses.append(button)

    def offer(
        self, action: Action, step: int, *, map_id: tuple[int, int] | None = None, episode: int | None = None
    ) -> StaleKind | Literal["stale_dqn"] | None:
        """Take an action message that arrived while `step` is current, the player on map `map_id` in episode
        `episode` (None: not known, not checked); None when taken, else why it was discarded."""
        if action.source == ActionSource.DQN:
            if action.step < step or action.step > step + MAX_DQN_AHEAD:
                self.counters.stale_dqn += 1
                return "stale_dqn"
            self.dqn[action.step] = action.buttons[0]
            return None
        stale = self._stale(action, step, map_id, episode)
        if stale is not None:
            self.counters.stale_plans += 1
            name = f"stale_plans_{stale}"
            setattr(self.counters, name, getattr(self.counters, name) + 1)
            return stale
        self._finish_plan()
        self.plan = ActivePlan(
            request_id=action.request_id,
            goal=action.goal or "",
            buttons=deque(action.buttons),
            expires_at=step + action.ttl_steps,
            planned=len(action.buttons),
            walker=Walker(action.walk_to) if action.walk_to is not None and self.terrain is not None else None,
        )
        self.counters.plans_received += 1
        self.counters.walks += self.plan.walker is not None
        return None

    def _stale(self, plan: Action, step: int, map_id: tuple[int, int] | None, episode: int | None) -> StaleKind | None:
        """Why a plan no longer fits the game, if it does not: made in another episode, for another map, or too
        long ago (`plan_max_age` steps)."""
        if plan.step < self.episode_start or (None not in (plan.episode, episode) and plan.episode != episode):
            return "episode"
        if map_id is not None and plan.map_group is not None and (plan.map_group, plan.map_number) != map_id:
            return "map"
        if step - plan.step > self.plan_max_age:
            return "age"
        return None

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
            button = self._plan_button(self.plan, step)
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

    def plan_id(self) -> str | None:
        """The request the plan now playing answers (what the frame of its step carries)."""
        return self.plan.request_id if self.plan is not None else None

    def _plan_button(self, plan: ActivePlan, step: int) -> Button | None:
        """The walk's next press while it goes on, then the plan's buttons; None when nothing is left."""
        if plan.walker is not None and plan.walking and self.terrain is not None:
            button = plan.walker.next(self.terrain.state, self.terrain.area_map)
            if button is not None:
                if not plan.walk_timed:  # the path is known now: the plan lives as long as walking it takes
                    plan.walk_timed = True
                    needed = 1 + plan.walker.remaining + WALK_SLACK + len(plan.buttons)
                    plan.expires_at = max(plan.expires_at, step + needed)
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
