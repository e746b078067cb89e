"""The planner suite's figures as Markdown: the README's tables come from a result file by this, not by hand.

`python -m bench.planner --markdown [FILE]` prints them (the newest result with the suite's figures by default).
"""

import time
from typing import Any

AGENTS = {
    "smollm2_wait": "SmolLM2 + rules, `--llm-wait`",
    "smollm2": "SmolLM2 + rules, no wait",
    "demonstrator_wait": "walkthrough demonstrator + rules, `--llm-wait`",
    "demonstrator": "walkthrough demonstrator + rules, no wait",
    "rules": "rules alone (no planner)",
    "random": "random buttons (game core)",
}
PER_1000 = ("requests", "applied", "rejected", "stale", "superseded", "failed")
MILESTONES = ("first_pokemon", "new_map", "battle_won", "badge")


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _seconds(ms: Any) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f}"


def _load(machine: dict[str, Any]) -> str:
    """How busy the machine was as the run began, when the result says (older results do not)."""
    load = machine.get("load_1min")
    return "" if load is None else f" (load average {load:.2f} as it began)"


def tables(result: dict[str, Any]) -> str:
    """Every table of the suite, with a line saying where and when it was measured."""
    machine = result.get("machine", {})
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(result["started"])) if result.get("started") else "?"
    lines = [
        f"World `{result['world']}`, episodes of {result['episode_steps']:,} steps, {result['episodes']} per agent; "
        f"measured {when} on {machine.get('cpus', '?')} cores{_load(machine)}.",
        "",
        "| agent | llm wait ms / interval | steps/s | requests | applied | rejected | stale | superseded | failed "
        "| steps played by plans | model p50 / p99 s | answer p50 / p99 s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    agents = result["agents"]
    for name, label in AGENTS.items():
        agent = agents.get(name)
        if agent is None:
            continue
        settings = agent.get("settings", {})
        per = agent.get("per_1000_steps", {})
        planned = settings.get("model") is not None
        wait = f"{settings.get('llm_wait_ms', 0)} / {settings.get('llm_interval', '-')}" if planned else "-"
        counts = [_num(per.get(k), 1) if planned else "-" for k in PER_1000]
        share = f"{agent['plan_steps_share']:.0%}" if planned and "plan_steps_share" in agent else "-"
        model = f"{_seconds(agent.get('model_p50_ms'))} / {_seconds(agent.get('model_p99_ms'))}" if planned else "-"
        answer = f"{_seconds(agent.get('answer_p50_ms'))} / {_seconds(agent.get('answer_p99_ms'))}" if planned else "-"
        lines.append(f"| {label} | {wait} | {_num(agent.get('steps_per_s'))} | {' | '.join(counts)} | {share} "
                     f"| {model} | {answer} |")  # fmt: skip
    lines += [
        "",
        "Per 1,000 steps. *Applied*: plans that played at least one step; *rejected*: answers the parser refused "
        "(a repaired one counts); *stale*: plans refused for another map, episode or age, and requests too old "
        "when taken up; *failed*: requests that came to no plan. *Model*: the planner's time on the model host a "
        "request; *answer*: from the request to its answer on `actions:{env}`.",
        "",
        f"| agent | episodes | return (mean) | {' | '.join(MILESTONES)} | maps entered (mean) | max level (mean) |",
        "|---|---|---|" + "---|" * len(MILESTONES) + "---|---|",
    ]
    for name, label in AGENTS.items():
        agent = agents.get(name)
        if agent is None:
            continue
        ep = agent.get("episodes", {})
        if not ep.get("episodes"):
            lines.append(f"| {label} | 0 | - |" + " - |" * len(MILESTONES) + " - | - |")
            continue
        reached = " | ".join(f"{ep['reached'].get(m, 0):.0%}" for m in MILESTONES)
        lines.append(f"| {label} | {ep['episodes']} | {_num(ep['return_mean'], 2)} | {reached} "
                     f"| {_num(ep['maps_entered_mean'], 1)} | {_num(ep['max_level_mean'], 1)} |")  # fmt: skip
    if result.get("latency"):
        lines += [
            "",
            "What a call costs (the same plan requests answered in order, an emulator playing beside the server):",
            "",
            "| variant | prompt tokens | answer tokens | call p50 / max s | p50 after the first s | answers parsed |",
            "|---|---|---|---|---|---|",
        ]
        for v in result["latency"]:
            lines.append(f"| {v['variant']} | {_num(v['prompt_tokens_p50'], 0)} | {_num(v['answer_tokens_p50'], 0)} "
                         f"| {v['call_p50_s']:.1f} / {v['call_p99_s']:.1f} | {v['call_p50_after_first_s']:.1f} "
                         f"| {v['answers_parsed']} of {v['calls']} |")  # fmt: skip
    m = result.get("machinery")
    if m:
        lines += [
            "",
            f"The planner's own cost, the stand-in model host answering at once, a request every {m['llm_interval']} "
            f"steps: the emulator keeps {m['ratio']:.2f} of its steps/s ({m['ratio_with_image']:.2f} with the screen "
            f"attached; target {m['target_ratio']}), the planner's own time {_num(m.get('overhead_p50_ms'), 1)} ms "
            f"p50 and {_num(m.get('overhead_p99_ms'), 1)} ms p99 a request.",
        ]
    return "\n".join(lines)
