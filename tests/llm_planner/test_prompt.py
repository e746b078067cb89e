"""Prompts: filled from the request, worded by the template files, checked at load."""

from pathlib import Path

import pytest

from services.llm_planner.plan import AnswerLimits
from services.llm_planner.prompt import PromptBuilder, Templates, describe_history, estimate_tokens
from shared.buttons import Button
from shared.errors import ConfigError
from shared.game.state import BattleState
from shared.game.textmap import MapExit, TextMap
from shared.messages import HistoryItem
from shared.notes import MAX_NOTE_CHARS, MAX_NOTES, Notes
from tests.llm_planner.conftest import make_request, make_state


def builder() -> PromptBuilder:
    return PromptBuilder(Templates.load(), AnswerLimits(8, 64), history_limit=16)


def test_user_prompt_carries_state_history_reason_legal_and_outcome() -> None:
    request = make_request(step=120, reason="stuck")
    system, user = builder().messages(request)
    assert system["role"] == "system" and "JSON" in system["content"] and "1 to 8" in system["content"]
    text = user["content"]
    for expected in (
        "step 120",
        "Players House 1F",
        "x=5, y=3, facing down",
        "Money: 3000",
        "badges: 2",
        "Party (2): Cyndaquil Lv5 HP 18/20 (moves: Tackle, Leer); Rattata Lv3 HP 11/11\n",
        "Battle: none",
        "free to walk",
        "not made progress",
        "a, b, up, down, left, right",
        '"leave the house": 3 of 4 buttons pressed, reward +0.50',
        "steps 116-117: right x2 (dqn), reward +0.10",
    ):
        assert expected in text, expected
    assert "$" not in text


def test_unknown_map_battle_and_open_text_are_described() -> None:
    state = make_state(
        map_name=None,
        party=(),
        text_open=True,
        menu_open=True,
        battle=BattleState(mode=2, enemy_species=19, enemy_level=3, enemy_hp=11),
    )
    _, user = builder().messages(make_request(state=state, previous_plan=None))
    text = user["content"]
    assert "unknown map (group 24, number 4)" in text
    assert "Party: none yet" in text
    assert "Battle: trainer, against Rattata Lv3 (HP 11)" in text
    assert "a text box is open; a menu is open" in text
    assert "Previous plan: none" in text


def test_history_is_limited_to_the_most_recent_steps() -> None:
    history = [HistoryItem(step=i, action=Button.A, source=None, reward=0.0) for i in range(10)]
    assert describe_history(history, 3) == "- steps 7-9: a x3 (?), reward +0.00"
    assert describe_history(history, 0) == "(none)"


def test_repair_turn_repeats_the_chat_and_names_the_error() -> None:
    b = builder()
    messages = b.messages(make_request())
    repaired = b.repair(messages, "walk up", "the answer is not valid JSON.", (Button.A, Button.UP))
    assert repaired[:2] == messages
    assert repaired[2] == {"role": "assistant", "content": "walk up"}
    assert "not valid JSON:" not in repaired[3]["content"]
    assert "not valid JSON." in repaired[3]["content"] and "a, up" in repaired[3]["content"]


def test_templates_come_from_a_directory_and_are_checked(tmp_path: Path) -> None:
    for name in ("system", "user", "repair"):
        (tmp_path / f"{name}.md").write_text(f"{name} $max_steps\n")
    _, user = PromptBuilder(Templates.load(tmp_path), AnswerLimits(5, 9), 4).messages(make_request())
    assert user["content"] == "user 5\n"

    (tmp_path / "user.md").write_text("hello $nickname")
    with pytest.raises(ConfigError, match="nickname"):
        Templates.load(tmp_path)
    (tmp_path / "repair.md").unlink()
    (tmp_path / "user.md").write_text("ok")
    with pytest.raises(ConfigError, match=r"repair\.md"):
        Templates.load(tmp_path)


def test_a_prompt_over_its_token_budget_shows_less_history_until_it_fits() -> None:
    """200 steps alternating between two sources (nothing merges): the full history of 128 lines is far over a
    budget of 700 tokens; halving it until it fits keeps the newest steps and everything else."""
    history = tuple(
        HistoryItem(step=1000 + i, action=Button.RIGHT, source="dqn" if i % 2 else "rules", reward=0.0)  # type: ignore[arg-type]
        for i in range(200)
    )
    request = make_request(step=1200, history=history)
    roomy = PromptBuilder(Templates.load(), AnswerLimits(8, 64), history_limit=128, budget_tokens=100_000)
    tight = PromptBuilder(Templates.load(), AnswerLimits(8, 64), history_limit=128, budget_tokens=700)
    full, cut = roomy.messages(request), tight.messages(request)
    assert estimate_tokens(full) > 700 >= estimate_tokens(cut)
    shown = [line for line in cut[1]["content"].splitlines() if line.startswith("- step ")]
    assert 0 < len(shown) < 128 and shown[-1].startswith("- step 1199:")  # the newest steps stay
    assert "Legal buttons now" in cut[1]["content"] and "Your notes" in cut[1]["content"]


def _text_map() -> TextMap:
    rows = ("##########", "#...P....#", "#.*......#", "E...@....#", "#........#") + ("#,,,,,,,,#",) * 4
    exits = (*(MapExit(x=0, y=3 + i, to="Route 29") for i in range(12)), MapExit(edge="north", to="Route 30"))
    return TextMap(map_name="New Bark Town", left=0, top=0, rows=rows, x=4, y=3, facing="up", exits=exits,
                   people=((4, 1),), items=((2, 2),))  # fmt: skip


def test_the_text_map_and_the_words_on_screen_are_in_the_prompt_with_their_coordinates() -> None:
    request = make_request(screen_text=("Take this POKéMON", "with you. Go on!"), text_map=_text_map())
    system, user = builder().messages(request)
    assert "@ you, # wall or obstacle" in system["content"] and '"walk_to"' in system["content"]
    text = user["content"]
    assert "| Take this POKéMON\n  | with you. Go on!" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Map around you"))
    assert "x=4, y=3, facing up" in lines[header]
    assert lines[header + 1] == "    " + "".join(f"{x:>3}" for x in range(10))
    assert lines[header + 2 + 3] == "   3" + "".join(f"{c:>3}" for c in "E...@....#")
    assert lines[header + 2 + 3][4 + 3 * 4 + 2] == "@"  # under the header's 4
    assert "(0, 3) -> Route 29, to the west" in text and "Items: (2, 2)" in text and "People: (4, 1)" in text
    assert text.count("-> Route 29") == 8  # the nearest eight of a city's many doors, not all of them
    assert "On screen: no text box or menu." in builder().messages(make_request())[1]["content"]
    assert "Map: not readable now" in builder().messages(make_request())[1]["content"]


def test_a_full_prompt_with_map_words_notes_and_history_stays_in_the_default_budget() -> None:
    history = tuple(
        HistoryItem(step=1000 + i, action=Button.RIGHT, source="dqn" if i % 2 else "rules", reward=0.0)  # type: ignore[arg-type]
        for i in range(16)
    )
    request = make_request(step=1016, history=history, screen_text=("x" * 18,) * 8, text_map=_text_map())
    notes = Notes(notes=tuple("n" * MAX_NOTE_CHARS for _ in range(MAX_NOTES)), step=1000)
    messages = PromptBuilder(Templates.load(), AnswerLimits(8, 64), history_limit=16).messages(request, notes)
    assert estimate_tokens(messages) <= 2000
    assert "- step 1015:" in messages[1]["content"]  # nothing had to be cut to fit


def test_the_small_profiles_places_stay_the_same_text_while_the_player_walks_the_map() -> None:
    """So the server's prefix cache keeps them: a call re-reads only what follows the first changed token."""
    from services.llm_planner.planner import prompts_for
    from services.llm_planner.settings import PlannerSettings

    exits = (MapExit(x=13, y=7, to="Players House 1F"), MapExit(x=6, y=7, to="Elms Lab"),
             MapExit(edge="west", to="Route 29"))  # fmt: skip
    here, there = (_text_map().model_copy(update={"x": x, "exits": exits}) for x in (12, 5))
    there = there.model_copy(update={"exits": (exits[1], exits[0], exits[2])})  # the nearest first, as the map has it

    def places(profile: str, text_map: TextMap) -> list[str]:
        user = prompts_for(PlannerSettings(llm_profile=profile)).messages(make_request(text_map=text_map))[1]
        return [line for line in user["content"].splitlines() if line.startswith("Exits:")]

    assert (
        places("small", here)
        == places("small", there)
        == ["Exits: (6, 7) -> Elms Lab; (13, 7) -> Players House 1F; the west edge of the map -> Route 29"]
    )
    assert places("full", here) != places("full", there)  # a big model is told which way each exit is
    assert "(6, 7) -> Elms Lab, to the west" in places("full", here)[0]
