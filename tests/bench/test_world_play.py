"""The world-play suite the README's Johto figures come from, on the tiny world (its walkthrough is 50 presses):
its players, its counts and its chance check must say what the games did."""

from bench import world_play
from shared.buttons import BUTTON_INDEX, Button
from shared.game.config import GameConfig
from shared.game.core import GameCore


def test_random_play_presses_only_the_learners_buttons_the_rules_allow() -> None:
    core = GameCore.start(GameConfig(world="tiny", episode_steps=0), boot_cache=None)
    try:
        core.reset(seed=5)
        choose, again = world_play.random_buttons(7), world_play.random_buttons(7)
        pressed = []
        for _ in range(300):
            legal = core.legal()
            button = choose(core)
            assert button == again(core)  # one seed, one sequence
            assert legal[BUTTON_INDEX[button]]
            pressed.append(button)
            core.step(button)
    finally:
        core.close()
    assert Button.SELECT not in pressed
    assert len(set(pressed)) >= 5


def test_the_suite_counts_each_players_games_and_checks_one_seed_twice() -> None:
    lines: list[str] = []
    result = world_play.run("tiny", episodes=2, steps=150, first_seed=3, chance_presses=60, progress=lines.append)
    assert result["seeds"] == [3, 4]
    walked = result["walkthrough"]
    assert walked["summary"]["badges"] == 2
    assert walked["summary"]["furthest"] == {"badge": 2}
    assert all(40 <= game["badge"] <= 150 and game["steps"] == game["badge"] for game in walked["games"])
    for player in ("random", "fallback"):
        games = result[player]["games"]
        assert [game["seed"] for game in games] == [3, 4]
        assert all(game["steps"] == 150 for game in games)  # played to the end: no badge stops them early
        assert result[player]["summary"]["badges"] == sum(game["badge"] is not None for game in games)
    assert result["chance"]["one_seed_twice_identical"] is True
    assert len(lines) == 6 and lines[0].startswith("walkthrough seed 3: furthest badge")
