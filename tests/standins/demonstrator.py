"""A demonstrator for the demo cartridge's tiny world: a stand-in for a good model, NOT a model.

It answers each plan request with the next buttons of the cartridge's known walkthrough
(`cartridge.walkthrough`) from where the player stands, so the learning benchmark can
measure what a planner's good plans teach the DQN without a GPU host. It reads only what a
model reads, the prompt: its table maps the prompt's own lines (map and position, party,
battle, screen) at every step of the walkthrough, replayed once through the game core, to
the walkthrough's index there. Off the walkthrough's path it walks toward the nearest tile
of it on the same map; anywhere else it presses A (through text and battles) or B.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from cartridge.walkthrough import WALKTHROUGH
from services.llm_planner.prompt import describe_state
from shared.buttons import Button
from shared.game.core import GameCore
from shared.settings import GameSettings
from tests.standins.model_host import legal_from_schema

_POSITION = re.compile(r"^- Map: (?P<place>.*); position x=(?P<x>-?\d+), y=(?P<y>-?\d+), facing (?P<facing>\w+)")


@dataclass(frozen=True)
class Situation:
    """What the demonstrator tells apart, read from the prompt's state lines."""

    place: str
    x: int
    y: int
    facing: str
    party: str
    """`- Party (1)` or `- Party` (none yet)."""
    battle: bool
    screen: str


def situation(text: str) -> Situation | None:
    """The situation described in a prompt (or in `describe_state`'s lines); None when it names no position."""
    found: dict[str, Any] = {"party": "", "battle": False, "screen": ""}
    for line in text.splitlines():
        line = line.strip()
        if match := _POSITION.match(line):
            found |= {"place": match["place"], "x": int(match["x"]), "y": int(match["y"]), "facing": match["facing"]}
        elif line.startswith("- Party"):
            found["party"] = line.split(":", 1)[0]
        elif line.startswith("- Battle:"):
            found["battle"] = line != "- Battle: none"
        elif line.startswith("- Screen:"):
            found["screen"] = line
    return Situation(**found) if "place" in found else None


class Demonstrator:
    """Walkthrough buttons for a prompt's situation (see the module docstring)."""

    def __init__(self, table: dict[Situation, int], path: dict[str, list[tuple[int, int, int]]]) -> None:
        self.table = table
        """Situation → the walkthrough index to play next there (the first, where one repeats)."""
        self.path = path
        """Place → the walkthrough's (x, y, index) on it, for finding the way back."""

    @classmethod
    def on_demo_cartridge(cls, game: GameSettings | None = None) -> "Demonstrator":
        """Replay the walkthrough once through the game core on the demo cartridge's tiny world (whose walkthrough
        it is) and note each situation."""
        game = game or GameSettings()
        tiny = game.game.model_copy(update={"episode_steps": 0, "rom": None, "world": "tiny"})
        core = GameCore.start(tiny, boot_cache=game.boot_cache)
        table: dict[Situation, int] = {}
        path: dict[str, list[tuple[int, int, int]]] = {}
        try:
            for index, button in enumerate(WALKTHROUGH):
                here = situation(describe_state(core.state))
                if here is not None:
                    table.setdefault(here, index)  # a repeat (attacks in a battle) plays on from the first
                    path.setdefault(here.place, []).append((here.x, here.y, index))
                core.step(Button(button))
        finally:
            core.close()
        return cls(table, path)

    def buttons(self, text: str, most: int) -> list[str]:
        """The buttons to press next for the situation `text` describes (at most `most`)."""
        here = situation(text)
        if here is None:
            return ["a"]
        index = self.table.get(here)
        if index is not None:
            return list(WALKTHROUGH[index : index + most])
        if here.battle or "text box" in here.screen:
            return ["a"]
        on_map = self.path.get(here.place)
        if not on_map:
            return ["b"]
        x, y, _ = min(on_map, key=lambda p: (abs(p[0] - here.x) + abs(p[1] - here.y), -p[2]))
        steps = ["left" if x < here.x else "right"] * abs(x - here.x) + ["up" if y < here.y else "down"] * abs(
            y - here.y
        )
        return steps[:most] or ["a"]

    def plan(self, schema: Any, body: dict[str, Any]) -> str:
        """A plan as the stand-in model host answers it: the request's last user message read for the situation."""
        text = next((m.get("content", "") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
        try:
            most = int(schema["properties"]["buttons"]["maxItems"])
        except (KeyError, TypeError, ValueError):
            most = 8
        legal = legal_from_schema(schema)
        buttons = [b for b in self.buttons(str(text), most) if not legal or b in legal] or [legal[0] if legal else "a"]
        try:
            ttl = min(int(schema["properties"]["ttl"]["maximum"]), 2 * len(buttons))
        except (KeyError, TypeError, ValueError):
            ttl = 2 * len(buttons)
        plan = {"goal": "demonstrator: the walkthrough from here", "walk_to": "", "notes": [], "buttons": buttons}
        return json.dumps({**plan, "ttl": ttl})
