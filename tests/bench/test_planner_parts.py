"""The planner suite's parts that a long run would get wrong silently: what the episodes reached, the latency of
an answer read from the streams' own times, and the README's tables printed from a result."""

from bench.planner import _answer_latency, summarise
from bench.planner_report import tables
from shared.buttons import Button
from shared.messages import Action, ActionSource, Episode, NoPlan, PlanRequest
from tests.llm_planner.conftest import make_state


def episode(reward: float, milestones: dict[str, int], level: int, eval_: bool = False) -> Episode:
    return Episode(env="0", episode=0, steps=1000, total_reward=reward, milestones=milestones, max_level=level,
                   eval=eval_)  # fmt: skip


def test_what_the_episodes_reached_counts_maps_apart_from_milestones_and_leaves_evaluations_out() -> None:
    got = summarise([
        episode(10.0, {"new_map": 5, "map:Town": 5, "map:Route": 90, "battle_won": 300}, 7),
        episode(2.0, {"new_map": 8, "map:Town": 8}, 3),
        episode(99.0, {"badge": 9}, 50, eval_=True),
    ])  # fmt: skip
    assert got["episodes"] == 2 and got["return_mean"] == 6.0 and got["max_level_mean"] == 5.0
    assert got["reached"] == {"battle_won": 0.5, "new_map": 1.0} and got["maps_entered_mean"] == 1.5
    assert summarise([episode(1.0, {}, 1, eval_=True)]) == {"episodes": 0}


def test_an_answers_latency_runs_from_the_request_to_its_entry_on_actions() -> None:
    state = make_state()
    requests = [PlanRequest(request_id=f"r{i}", env="0", step=i, reason="interval", state=state, legal=(Button.A,),
                            ts=100.0 + i) for i in range(3)]  # fmt: skip
    plan = Action(env="0", step=0, source=ActionSource.LLM, buttons=(Button.A,), ttl_steps=9, request_id="r0")
    answered = [(b"100500-0", plan), (b"104000-0", NoPlan(env="0", step=2, request_id="r2", reason="failed"))]
    assert _answer_latency(requests, answered, 50) == 500.0  # r1 never answered: not counted
    assert _answer_latency(requests, answered, 99) == 2000.0
    assert _answer_latency(requests, [], 50) is None


def test_the_readme_tables_carry_each_agents_figures_and_say_where_they_were_measured() -> None:
    per = {"requests": 31.0, "applied": 26.0, "rejected": 0.0, "stale": 4.0, "superseded": 0.0, "failed": 0.0}
    reached = {"episodes": 1, "return_mean": 4.9, "reached": {"new_map": 1.0}, "maps_entered_mean": 2.0,
               "max_level_mean": 0.0}  # fmt: skip
    result = {
        "world": "johto", "episode_steps": 1000, "episodes": 1, "machine": {"cpus": 2, "load_1min": 3.5}, "started": 0,
        "agents": {
            "smollm2_wait": {"settings": {"model": "smollm2", "llm_wait_ms": 3000, "llm_interval": 30},
                             "per_1000_steps": per, "steps_per_s": 7.9, "plan_steps_share": 0.18,
                             "model_p50_ms": 4040.0, "model_p99_ms": 6900.0, "answer_p50_ms": 3900.0,
                             "answer_p99_ms": 6900.0, "episodes": reached},
            "rules": {"settings": {"model": None}, "per_1000_steps": {}, "steps_per_s": 284.7, "episodes": reached},
            "random": {"episodes": {"episodes": 0}},
        },
    }  # fmt: skip
    text = tables(result)
    assert "World `johto`, episodes of 1,000 steps, 1 per agent" in text and "2 cores (load average 3.50" in text
    assert "2 cores." in tables({**result, "machine": {"cpus": 2}})  # an older result, without the load
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("| SmolLM2 + rules, `--llm-wait`") and "3000" in line)
    assert row.split(" | ")[1:10] == ["3000 / 30", "7.9", "31.0", "26.0", "0.0", "4.0", "0.0", "0.0", "18%"]
    assert "4.0 / 6.9" in row
    rules = next(line for line in lines if line.startswith("| rules alone") and "284.7" in line)
    assert rules.count(" - ") >= 8  # no plan figures for an agent without a planner
    assert "| random buttons (game core) | 0 | - |" in text
    assert "SmolLM2 + rules, no wait" not in text  # an agent not measured is left out, not shown empty
