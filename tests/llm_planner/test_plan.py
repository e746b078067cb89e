"""Plan parsing: what a model may answer, and every way an answer is refused with a reason."""

import json

import pytest

from services.llm_planner.plan import Plan, PlanError, parse_plan, plan_schema
from shared.buttons import Button
from shared.game.navigation import WalkTo
from shared.notes import MAX_NOTE_CHARS, MAX_NOTES

LEGAL = (Button.A, Button.B, Button.UP, Button.DOWN, Button.LEFT, Button.RIGHT)


def parse(text: str) -> Plan:
    return parse_plan(text, LEGAL, max_steps=4, max_ttl=20)


def test_plain_json_becomes_a_plan() -> None:
    plan = parse('{"goal": "leave the room", "buttons": ["down", "down", "a"], "ttl": 6}')
    assert plan == Plan(goal="leave the room", buttons=(Button.DOWN, Button.DOWN, Button.A), ttl_steps=6)


@pytest.mark.parametrize(
    "text",
    [
        'Sure! ```json\n{"goal": "go", "buttons": ["UP"], "ttl": 2}\n``` Good luck.',
        'Here is the plan: {"goal": "go", "buttons": [" Up "], "ttl": 2} -- done',
        '  {"goal": "go", "buttons": ["up"], "ttl": 2}\n\n',
    ],
)
def test_json_inside_fences_or_prose_is_read(text: str) -> None:
    assert parse(text).buttons == (Button.UP,)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("walk up twice", "not valid JSON"),
        ('{"goal": "go", "buttons": ["up"]', "not valid JSON"),
        ('["up"]', "not an object"),
        ('{"buttons": ["up"], "ttl": 2}', "'goal'"),
        ('{"goal": "", "buttons": ["up"], "ttl": 2}', "non-empty"),
        ('{"goal": "go", "buttons": [], "ttl": 2}', "list of 1 to 4"),
        ('{"goal": "go", "buttons": "up", "ttl": 2}', "list of 1 to 4"),
        ('{"goal": "go", "buttons": ["up", "up", "up", "up", "up"], "ttl": 9}', "at most 4"),
        ('{"goal": "go", "buttons": ["jump"], "ttl": 2}', "'jump' is not one of the legal"),
        ('{"goal": "go", "buttons": ["start"], "ttl": 2}', "'start' is not one of the legal"),
        ('{"goal": "go", "buttons": [1], "ttl": 2}', "1 is not one of the legal"),
        ('{"goal": "go", "buttons": ["up"], "ttl": "2"}', "integer"),
        ('{"goal": "go", "buttons": ["up"], "ttl": true}', "integer"),
        ('{"goal": "go", "buttons": ["up", "a"], "ttl": 1}', "between the number of buttons (2) and 20"),
        ('{"goal": "go", "buttons": ["up"], "ttl": 21}', "between"),
        (json.dumps({"goal": "x" * 501, "buttons": ["up"], "ttl": 2}), "501 characters"),
    ],
)
def test_unusable_answers_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(PlanError, match=None) as info:
        parse(text)
    assert reason in str(info.value)


def test_schema_lists_only_legal_buttons_and_the_limits() -> None:
    schema = plan_schema((Button.A, Button.UP), max_steps=3, max_ttl=9)
    assert schema["properties"]["buttons"]["items"]["enum"] == ["a", "up"]
    assert schema["properties"]["buttons"]["maxItems"] == 3
    assert schema["properties"]["ttl"]["maximum"] == 9
    assert schema["required"] == ["goal", "walk_to", "buttons", "ttl", "notes"]
    assert schema["properties"]["buttons"]["minItems"] == 0  # a plan that only walks
    assert schema["properties"]["walk_to"]["type"] == "string"
    assert schema["properties"]["notes"]["maxItems"] == MAX_NOTES
    assert schema["additionalProperties"] is False


def test_notes_are_the_models_memory_and_absent_notes_keep_the_old_ones() -> None:
    kept = parse('{"goal": "go", "buttons": ["a"], "ttl": 2}')
    assert kept.notes is None
    written = parse('{"goal": "go", "buttons": ["a"], "ttl": 2, "notes": [" reach Violet City ", "", "gym: north"]}')
    assert written.notes == ("reach Violet City", "gym: north")
    assert parse('{"goal": "go", "buttons": ["a"], "ttl": 2, "notes": []}').notes == ()


@pytest.mark.parametrize(
    ("notes", "reason"),
    [('"one"', "'notes' must be a list"), ("[1]", "'notes' must be a list"),
     (json.dumps(["n"] * (MAX_NOTES + 1)), f"keep at most {MAX_NOTES}"),
     (json.dumps(["x" * (MAX_NOTE_CHARS + 1)]), f"keep each under {MAX_NOTE_CHARS}")],
)  # fmt: skip
def test_unusable_notes_are_refused_with_the_reason(notes: str, reason: str) -> None:
    with pytest.raises(PlanError) as info:
        parse(f'{{"goal": "go", "buttons": ["a"], "ttl": 2, "notes": {notes}}}')
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("walk", "target"),
    [
        ("3, 4", WalkTo(x=3, y=4)),
        ("(3,4)", WalkTo(x=3, y=4)),
        (" ( -1 , 0 ) ", WalkTo(x=-1, y=0)),
        ("exit west", WalkTo(exit="west")),
        ("take the exit to the North", WalkTo(exit="north")),
        ({"x": 2, "y": 5}, WalkTo(x=2, y=5)),
        ({"exit": "east"}, WalkTo(exit="east")),
    ],
)
def test_a_plan_may_walk_to_a_cell_or_an_exit_then_press_its_buttons(walk: object, target: WalkTo) -> None:
    plan = parse(json.dumps({"goal": "go", "walk_to": walk, "buttons": ["a"], "ttl": 9}))
    assert plan.walk_to == target and plan.buttons == (Button.A,)
    only_walks = parse(json.dumps({"goal": "go", "walk_to": walk, "buttons": [], "ttl": 9}))
    assert only_walks.walk_to == target and only_walks.buttons == ()
    assert parse(json.dumps({"goal": "go", "walk_to": "", "buttons": ["a"], "ttl": 2})).walk_to is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"goal": "go", "walk_to": "over there", "buttons": ["a"], "ttl": 5}', "'walk_to' is 'over there'"),
        ('{"goal": "go", "walk_to": "exit west or east", "buttons": [], "ttl": 5}', '"exit west"'),
        ('{"goal": "go", "walk_to": {"x": 1}, "buttons": [], "ttl": 5}', "'walk_to'"),
        ('{"goal": "go", "walk_to": "", "buttons": [], "ttl": 5}', "list of 1 to 4"),
        ('{"goal": "go", "walk_to": "1, 2", "buttons": ["a"], "ttl": 1}', "plus one for the walk (2)"),
    ],
)
def test_unusable_walks_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(PlanError) as info:
        parse(text)
    assert reason in str(info.value)
