"""The planner's prompt for the demo cartridge's first step, and what becomes of an answer: the README's example.

`python -m bench.example_prompt` plays nothing: it boots the demo, builds the plan request the way the
emulator does (state, words on screen, text map), renders it with the planner's real prompt builder and
bundled templates, then parses a sample answer with the real parser and plays the plan through the
emulator's real arbiter (walk, then buttons), printing every step. Markdown on stdout.
"""

import json
import tempfile
from pathlib import Path

from cartridge.build import ensure_built
from services.emulator.arbiter import Arbiter
from services.llm_planner.plan import parse_plan
from services.llm_planner.planner import prompts_for
from services.llm_planner.prompt import estimate_tokens
from services.llm_planner.settings import PlannerSettings
from shared.buttons import BUTTONS
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.messages import Action, ActionSource, PlanRequest

SAMPLE_ANSWER = {
    "goal": "Talk to the person at (4, 1): they may give me a Pokemon",
    "walk_to": "4, 1",
    "buttons": ["a", "a"],
    "ttl": 30,
    "notes": ["Current goal: get a first Pokemon, then leave New Bark Town by the west exit"],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        core = GameCore.start(GameConfig(rom=ensure_built()), boot_cache=Path(data) / "boot")
        try:
            state = core.state
            request = PlanRequest(
                request_id="example",
                env="0",
                step=0,
                reason="interval",
                state=state,
                legal=tuple(b for b, ok in zip(BUTTONS, core.legal(), strict=True) if ok),
                screen_text=core.screen_text(),
                text_map=core.text_map(),
            )
            settings = PlannerSettings()
            builder = prompts_for(settings)
            messages = builder.messages(request)
            print(f"Prompt ({estimate_tokens(messages)} tokens by the planner's estimate):\n")
            for message in messages:
                print(f"**{message['role']}**\n\n```text\n{message['content'].rstrip()}\n```\n")
            answer = json.dumps(SAMPLE_ANSWER, ensure_ascii=False)
            print(f"**answer** (a sample)\n\n```json\n{answer}\n```\n")
            plan = parse_plan(answer, request.legal, builder.limits.max_steps, builder.limits.max_ttl)
            arbiter = Arbiter(terrain=core)
            action = Action(env="0", step=0, source=ActionSource.LLM, buttons=plan.buttons, ttl_steps=plan.ttl_steps,
                            goal=plan.goal, walk_to=plan.walk_to)  # fmt: skip
            arbiter.offer(action, 0)
            print("What the emulator plays (the walk expanded along a searched path, then the buttons):\n")
            step = 0
            while (chosen := arbiter.choose(step)) is not None:
                core.step(chosen[0])
                step += 1
                now = core.state
                words = f", screen: {' / '.join(core.screen_text())}" if now.text_open else ""
                print(f"- step {step}: {chosen[0].value} -> ({now.x}, {now.y}) facing {now.facing}{words}")
            print(f"\nOutcome for the next prompt: {arbiter.last_plan}")
        finally:
            core.close()


if __name__ == "__main__":
    main()
