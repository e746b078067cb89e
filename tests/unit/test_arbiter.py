"""Arbitration order, plan time-to-live, and stale DQN answers."""

from services.emulator.arbiter import Arbiter
from shared.buttons import Button
from shared.messages import Action, ActionSource


def dqn(step: int, button: Button = Button.UP) -> Action:
    return Action(env="0", step=step, source=ActionSource.DQN, buttons=(button,))


def plan(step: int, *buttons: Button, ttl: int = 10) -> Action:
    return Action(env="0", step=step, source=ActionSource.LLM, buttons=buttons, ttl_steps=ttl, goal="go")


def test_nothing_offered_leaves_it_to_the_fallback() -> None:
    arbiter = Arbiter()
    assert arbiter.choose(0) is None and arbiter.counters.rules == 1


def test_priority_dashboard_then_plan_then_dqn() -> None:
    arbiter = Arbiter()
    arbiter.offer(dqn(0, Button.DOWN), 0)
    arbiter.offer(plan(0, Button.LEFT), 0)
    arbiter.press(Button.B)
    assert arbiter.choose(0) == (Button.B, ActionSource.DASHBOARD)
    arbiter.offer(dqn(1, Button.DOWN), 1)
    assert arbiter.choose(1) == (Button.LEFT, ActionSource.LLM)
    arbiter.offer(dqn(2, Button.DOWN), 2)
    assert arbiter.choose(2) == (Button.DOWN, ActionSource.DQN)


def test_dqn_answer_is_for_one_exact_step() -> None:
    arbiter = Arbiter()
    assert arbiter.offer(dqn(4), 5) == "stale_dqn"  # late: for a step already played
    assert arbiter.counters.stale_dqn == 1
    arbiter.offer(dqn(6, Button.RIGHT), 5)
    assert arbiter.choose(5) is None
    assert arbiter.choose(6) == (Button.RIGHT, ActionSource.DQN)


def test_plan_expires_after_its_ttl_and_reports_its_outcome() -> None:
    arbiter = Arbiter()
    arbiter.offer(plan(10, Button.UP, Button.UP, Button.UP, ttl=2), 10)
    assert arbiter.choose(10) == (Button.UP, ActionSource.LLM)
    arbiter.credit(ActionSource.LLM, 1.5)
    assert arbiter.choose(11) == (Button.UP, ActionSource.LLM)
    assert arbiter.choose(12) is None
    assert arbiter.counters.plans_expired == 1
    outcome = arbiter.last_plan
    assert outcome is not None and (outcome.buttons_executed, outcome.buttons_planned) == (2, 3)
    assert outcome.reward == 1.5 and outcome.interrupted


def test_new_plan_replaces_the_old_one() -> None:
    arbiter = Arbiter()
    arbiter.offer(plan(0, Button.UP, Button.UP), 0)
    arbiter.offer(plan(0, Button.A), 0)
    assert arbiter.choose(0) == (Button.A, ActionSource.LLM)
    assert arbiter.last_plan is not None and arbiter.last_plan.buttons_executed == 0


def test_nothing_chosen_for_one_episode_is_played_in_the_next() -> None:
    arbiter = Arbiter()
    arbiter.offer(plan(3, Button.LEFT, Button.LEFT, ttl=50), 4)
    arbiter.offer(dqn(6, Button.DOWN), 4)
    arbiter.press(Button.B)
    assert arbiter.choose(4) == (Button.B, ActionSource.DASHBOARD)
    arbiter.new_episode(6)  # the old episode's last frame was step 5
    assert arbiter.last_plan is None and not arbiter.plan_active(6) and not arbiter.has_dqn(6)
    assert arbiter.offer(plan(5, Button.UP), 6) == "episode"  # answers a request of the old episode
    assert arbiter.counters.stale_plans == 1 and arbiter.counters.stale_dqn == 1
    assert arbiter.choose(6) is None
    assert arbiter.offer(plan(6, Button.RIGHT), 6) is None  # a request of this episode: taken
    assert arbiter.choose(7) == (Button.RIGHT, ActionSource.LLM)
