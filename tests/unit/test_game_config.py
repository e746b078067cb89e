"""One way to build the game: a Redis-free config, checked once, with every bad option named."""

import ast
from pathlib import Path

import pytest

from shared.errors import ConfigError
from shared.game.config import GameConfig, Goal
from shared.settings import CommonSettings, GameSettings

GAME = Path(__file__).resolve().parents[2] / "shared" / "game"


def test_the_game_config_has_no_redis_and_the_settings_carry_it_whole() -> None:
    assert not set(GameConfig.model_fields) & set(CommonSettings.model_fields)
    settings = GameSettings(goal=Goal.NEW_MAP, episode_steps=7, rewards={"badge": 3.0}, data_dir=Path("somewhere"))
    game = settings.game
    assert type(game) is GameConfig and (game.goal, game.episode_steps, game.rewards.badge) == (Goal.NEW_MAP, 7, 3.0)
    assert settings.boot_cache == Path("somewhere") / "boot"


def test_the_game_imports_neither_the_wire_messages_nor_redis() -> None:
    """`shared.messages` depends on `shared.game`, never the other way (and the game has no Redis in it)."""
    for path in sorted(GAME.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("shared.messages", "shared.streams", "redis")), f"{path.name}: {name}"


def test_every_bad_option_is_named_with_what_would_do() -> None:
    with pytest.raises(ConfigError) as caught:
        GameConfig.checked(goal="champion", rewards={"badges": 1.0}, stuck_patience=1)
    message = str(caught.value)
    assert "goal: unknown goal 'champion': one of none, first_pokemon, battle_won, new_map, badge" in message
    assert "rewards: unknown reward component(s) 'badges': the components are new_tile" in message
    assert "stuck_patience: Input should be greater than or equal to 2" in message
    with pytest.raises(ConfigError, match=r"hold_frames \(30\) must be smaller than step_frames \(24\)"):
        GameConfig.checked(hold_frames=30)
    assert GameConfig.checked(goal="BADGE").goal is Goal.BADGE
