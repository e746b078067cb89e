"""The state as a short vector of numbers: what a network sees beside the screen.

The screen gives a network the picture (walls, text boxes, menus); these features give it the
few numbers the picture shows poorly (where on which map, how strong the party is). The
learner and the Gymnasium environment both use this one vector.
"""

import numpy as np

from shared.game.state import GameState

_FACINGS = ("down", "up", "left", "right")

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
)
"""Order of the feature vector; every value is scaled to roughly [0, 1] (coordinates to [0, 4])."""
N_FEATURES = len(FEATURE_NAMES)


def state_features(state: GameState) -> np.ndarray:
    """The normalized feature vector of one state (float32, `N_FEATURES` long).

    Coordinates are divided by 64 rather than 255 so one tile is a visible step (1/64) and
    the usual map sizes stay within [0, 2]; everything else is a fraction or a one-hot.
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
    ]
    return np.asarray(values, dtype=np.float32)
