"""A demonstrator for the Johto world: its walkthrough policy as a model host's answers, a stand-in for a good model,
NOT a model.

The policy (`cartridge.johto.walkthrough.Walkthrough`) reads the game's RAM, which a prompt does not hold: it
needs the plan requests to carry the work RAM (the emulator's and the planner's `llm_ram`, one
`CRL_LLM_RAM=1`), which the planner hands to the model host in the body's `crl_game` field. Without it the
demonstrator answers HTTP 400 saying so.

One policy per env, a fresh one each episode (it keeps a little state: cells found blocked, the CENTER it
heads for). A plan is the policy's next press and, where the policy walks in the overworld, the presses after
it while they are steps onto floor or grass: each is played on a copy of the policy against the RAM with the
player moved one cell, and the look-ahead stops at a press whose cell is anything else (a door, a warp, a
ledge, a map's edge, a person, a wall) or that is not a step (A in a text, a battle's menus). So a plan walks
up to `maxItems` cells; in text and battles a plan is one press (on the way to the badge, about two presses
a request on average). A battle that starts in the grass mid-plan is a planning point: the plan for it
replaces the walk (with `--llm-wait`, before a press of the walk reaches the battle). The real policy takes
only the first press; its own check for a press that did not move the player then works as it does a press
at a time.
"""

import base64
import copy
import json
from dataclasses import dataclass, field
from typing import Any

from cartridge.johto import ram as r
from cartridge.johto import world as w
from cartridge.johto.data.maps import MapDef
from cartridge.johto.gfx import tileset as ts
from cartridge.johto.walkthrough import MOVES, Walkthrough, people_at
from services.llm_planner.planner import GAME_FIELD

FACING_CODES = {"down": 0x00, "up": 0x04, "left": 0x08, "right": 0x0C}
NO_RAM = (
    "the Johto demonstrator plays the walkthrough policy from the game's RAM, and this request carries none: run "
    "the emulator and the planner with --llm-ram (CRL_LLM_RAM=1)"
)


class DemonstratorError(ValueError):
    """A request the demonstrator cannot answer (the stand-in host answers HTTP 400 with this)."""


@dataclass
class Ram:
    """`memory[bank, address]` over a request's RAM (WRAM banks 0 and 1 from `start`), with writes of its own."""

    data: bytearray
    start: int

    def __getitem__(self, key: tuple[int, int]) -> int:
        _, address = key
        offset = address - self.start
        if not 0 <= offset < len(self.data):
            raise DemonstratorError(f"the policy read {address:#06x}, outside the RAM the request carries")
        return self.data[offset]

    def set(self, name: str, value: int) -> None:
        self.data[r.CRYSTAL[name].addr - self.start] = value

    def u8(self, name: str) -> int:
        return self[0, r.CRYSTAL[name].addr]


@dataclass
class JohtoDemonstrator:
    """Walkthrough plans for the Johto world (see the module docstring)."""

    policies: dict[str, tuple[int | None, Walkthrough]] = field(default_factory=dict)
    """Per env, the episode its policy plays and the policy."""

    def plan(self, schema: Any, body: dict[str, Any]) -> str:
        """A plan as the stand-in model host answers it, from the request's RAM."""
        game = body.get(GAME_FIELD)
        if not isinstance(game, dict) or not game.get("ram"):
            raise DemonstratorError(NO_RAM)
        ram = Ram(bytearray(base64.b64decode(game["ram"])), int(game.get("ram_start", 0xC000)))
        env, episode = str(game.get("env", "0")), game.get("episode")
        known = self.policies.get(env)
        if known is None or known[0] != episode:
            known = self.policies[env] = (episode, Walkthrough())
        most = _schema_int(schema, ("properties", "buttons", "maxItems"), 8)
        buttons = presses(known[1], ram, most)
        least_ttl = _schema_int(schema, ("properties", "ttl", "minimum"), len(buttons))
        plan = {"goal": "demonstrator: the walkthrough from here", "walk_to": "", "notes": [], "buttons": buttons}
        return json.dumps({**plan, "ttl": max(len(buttons), least_ttl)})


def presses(policy: Walkthrough, ram: Ram, most: int) -> list[str]:
    """The policy's next press and, while it walks plain floor, the ones after it (at most `most`)."""
    first = policy.next_button(ram)
    out = [first]
    ahead, sim = policy, ram
    while len(out) < most and _steps_onto_floor(sim, out[-1]):
        if ahead is policy:
            ahead, sim = copy.deepcopy(policy), Ram(bytearray(ram.data), ram.start)
        _walk(sim, out[-1])
        out.append(ahead.next_button(sim))
    return out


def _walking(ram: Ram) -> bool:
    """The player walks the overworld: no battle, text, menu or script (what the policy's own choice reads)."""
    return not (
        ram.u8("wBattleMode")
        or ram.u8("wStateFlags") >> r.TEXT_BOX_BIT & 1
        or ram.u8("wWindowStackSize")
        or ram.u8("wScriptRunning")
        or ram.u8("wMapStatus") != 2
    )


def _map(ram: Ram) -> MapDef | None:
    here = (ram.u8("wMapGroup"), ram.u8("wMapNumber"))
    return next((m for m in w.maps() if (m.group, m.number) == here), None)


def _steps_onto_floor(ram: Ram, press: str) -> bool:
    """The press moves the player one cell onto plain floor of the same map, where what follows is certain."""
    if press not in MOVES or not _walking(ram):
        return False
    game_map = _map(ram)
    if game_map is None:
        return False
    dx, dy = MOVES[press]
    x, y = ram.u8("wXCoord") + dx, ram.u8("wYCoord") + dy
    if not (0 <= x < game_map.width and 0 <= y < game_map.height):
        return False
    if ts.KINDS[w.kind_at(game_map, x, y)].collision not in (ts.COLL_FLOOR, ts.COLL_TALL_GRASS):
        return False
    if any((warp.x, warp.y) == (x, y) for warp in game_map.warps):
        return False
    return (x, y) not in people_at(ram)


def _walk(ram: Ram, press: str) -> None:
    """The RAM as it will be after `press` moved the player one cell (position and facing)."""
    dx, dy = MOVES[press]
    ram.set("wXCoord", ram.u8("wXCoord") + dx)
    ram.set("wYCoord", ram.u8("wYCoord") + dy)
    ram.set("wPlayerDirection", FACING_CODES[press])


def _schema_int(schema: Any, path: tuple[str, ...], default: int) -> int:
    try:
        value = schema
        for key in path:
            value = value[key]
        return int(value)
    except (KeyError, TypeError, ValueError):
        return default
