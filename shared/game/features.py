"""The state as a short vector of numbers: what a network sees beside the screen.

The screen gives a network the picture (walls, text boxes, menus); these features give it the
few numbers the picture shows poorly (where on which map, how strong the party is), and what it
cannot show: how far the story has gone, and which of the tiles next to the player the episode has
already walked. The learner and the Gymnasium environment both use this one vector.
"""

import math
from collections.abc import Sequence

import numpy as np

from shared.game.state import GameState

EVENT_FLAGS = 2048
"""Bits of `wEventFlags` (0x100 bytes): the most story flags a game can set."""

STORY_STEPS = 16
"""The story's first steps each have a feature of their own (`story_1` … `story_16`): a story flag count of at least
k. The first chapter sets about a dozen."""

_FACINGS = ("down", "up", "left", "right")
_AROUND = ("up", "down", "left", "right")
"""The neighbouring tiles' order in `Explored.around`."""

FEATURE_NAMES: tuple[str, ...] = (
    "x",
    "y",
    "map_group",
    "map_number",
    "party_count",
    "party_level_mean",
    "party_level_max",
    "party_hp_fraction",
    "battle_overworld",
    "battle_wild",
    "battle_trainer",
    "badges",
    *(f"facing_{f}" for f in _FACINGS),
    "text_open",
    "menu_open",
    "script_running",
    "event_flags",
    *(f"story_{k}" for k in range(1, STORY_STEPS + 1)),
    *(f"explored_{d}" for d in _AROUND),
)
"""Order of the feature vector; every value is scaled to roughly [0, 1] (coordinates to [0, 4])."""
N_FEATURES = len(FEATURE_NAMES)
_NONE_EXPLORED = (False,) * len(_AROUND)


def state_features(state: GameState, explored: Sequence[bool] = (), story: bool = True) -> np.ndarray:
    """The normalized feature vector of one state (float32, `N_FEATURES` long); `explored`: whether the tiles up,
    down, left and right of the player were walked this episode (`Explored.around`; empty: none known, all 0);
    `story`: the story steps' features are given (False: 0, the learner's ablation).

    Coordinates are divided by 64 rather than 255 so one tile is a visible step (1/64) and
    the usual map sizes stay within [0, 2]; everything else is a fraction or a one-hot, but for the
    story. The story flags set (`event_flags`) are the one number that tells a walk before a story
    event from the same walk after it: the first chapter walks Route 29 and 30 three times, twice away
    from New Bark Town and once back, on the same screens and tiles, so without it the network sees one state asking
    for opposite buttons. Their count is taken on a log scale, log2(1 + n) / log2(1 + 2048), so each
    of the first story events is a clear step (0.09 for the first, 0.14 for two) while the 2,048
    flags of the whole game still fit in [0, 1].

    That one number tells the story's steps apart by less and less as it goes on: 0.289 with the EGG
    (8 flags), 0.302 after the rival (9), and the way back to ELM asks for the opposite of the way out
    in the states either side. `story_k` (a count of at least k, for the first `STORY_STEPS`) gives each
    of those steps an input of its own that flips from 0 to 1, and a walk that set one flag more or less
    on the way (an item picked up, a trainer beaten) differs in one input, not in a pattern as a binary
    code of the count would.
    """
    levels = [mon.level for mon in state.party]
    hp = sum(mon.hp for mon in state.party)
    max_hp = sum(mon.max_hp for mon in state.party)
    mode = state.battle.mode
    values = [
        min(state.x, 255) / 64.0,
        min(state.y, 255) / 64.0,
        state.map_group / 32.0,
        state.map_number / 128.0,
        len(levels) / 6.0,
        (sum(levels) / len(levels) / 100.0) if levels else 0.0,
        (max(levels) / 100.0) if levels else 0.0,
        (hp / max_hp) if max_hp else 0.0,
        float(mode == 0),
        float(mode == 1),
        float(mode == 2),
        state.badge_count / 16.0,
        *(float(state.facing == f) for f in _FACINGS),
        float(state.text_open),
        float(state.menu_open),
        float(state.script_running),
        math.log2(1 + min(state.event_flags, EVENT_FLAGS)) / math.log2(1 + EVENT_FLAGS),
        *(float(story and state.event_flags >= k) for k in range(1, STORY_STEPS + 1)),
        *(float(walked) for walked in explored or _NONE_EXPLORED),
    ]
    return np.asarray(values, dtype=np.float32)
