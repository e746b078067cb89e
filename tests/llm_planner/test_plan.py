"""Plan parsing: what a model may answer, and every way an answer is refused with a reason."""

import json
import random
import re
from typing import Any

import jsonschema
import pytest

from services.llm_planner.plan import AnswerLimits, Plan, PlanError, parse_plan, plan_schema, walk_targets
from services.llm_planner.settings import PlannerSettings
from shared.buttons import Button
from shared.game.navigation import WalkTo
from shared.game.textmap import MapExit, TextMap
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


def test_schema_lists_only_legal_buttons_the_places_of_the_map_and_the_limits() -> None:
    limits = AnswerLimits(max_steps=3, max_ttl=9)
    schema = plan_schema((Button.A, Button.UP), limits, ["", "exit west", "4, 1"])
    assert schema["properties"]["buttons"]["items"]["enum"] == ["a", "up"]
    assert schema["properties"]["buttons"]["maxItems"] == 3 and schema["properties"]["buttons"]["minItems"] == 1
    assert schema["properties"]["ttl"]["enum"] == [4, 5, 6, 7, 8, 9]  # enough for 3 buttons and a walk
    assert schema["required"] == ["goal", "walk_to", "buttons", "ttl", "notes"]
    assert schema["properties"]["walk_to"]["enum"] == ["", "exit west", "4, 1"]
    assert schema["properties"]["notes"]["maxItems"] == MAX_NOTES
    assert schema["additionalProperties"] is False
    with pytest.raises(ValueError, match="at least max_plan_steps"):
        AnswerLimits(max_steps=8, max_ttl=8)


def test_walk_targets_are_the_exits_and_the_cells_of_the_requests_map_not_walls_nor_the_player() -> None:
    text_map = TextMap(
        map_name="Route 29", left=4, top=1, rows=("#.P", "E@,"), x=5, y=2, facing="down",
        exits=(MapExit(x=4, y=2, to="New Bark Town"), MapExit(edge="north", to="Route 46")),
    )  # fmt: skip
    assert walk_targets(text_map) == ["", "exit north", "exit west", "5, 1", "6, 1", "4, 2", "6, 2"]
    assert walk_targets(None) == [""]


def answers_from(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An answer drawn from the plan schema: each field anywhere within what the schema allows, ends included."""
    props = schema["properties"]

    def text(pattern: str) -> str:
        most = int(re.search(r"\{0,(\d+)\}", pattern).group(1))  # type: ignore[union-attr]
        first = pattern.startswith("^[\\x21")
        length = rng.choice([0, 1, most, rng.randint(0, most)]) + first
        chars = [chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\']
        body = "".join(rng.choice(chars) for _ in range(length))
        return body if not first else rng.choice([c for c in chars if c != " "]) + body[1:]

    buttons = props["buttons"]
    count = rng.randint(buttons["minItems"], buttons["maxItems"])
    answer = {
        "goal": text(props["goal"]["pattern"]),
        "walk_to": rng.choice(props["walk_to"]["enum"]),
        "buttons": [rng.choice(buttons["items"]["enum"]) for _ in range(count)],
        "ttl": rng.choice(props["ttl"]["enum"]),
    }
    if "notes" in props:
        notes = props["notes"]
        answer["notes"] = [text(notes["items"]["pattern"]) for _ in range(rng.randint(0, notes["maxItems"]))]
    return answer


@pytest.mark.parametrize("profile", ["full", "small"])
def test_every_answer_the_schema_allows_is_a_plan_the_parser_accepts(profile: str) -> None:
    """What a grammar-bound host can write, the parser takes: 900 answers drawn from the schema, ends included."""
    settings = PlannerSettings(llm_profile=profile)
    limits = settings.answer_limits()
    rng = random.Random(7)
    walks = ["", "exit north", "exit east", "-6, 0", "999, 999", "12, 5"]
    for legal in (tuple(Button), LEGAL, (Button.A,)):
        schema = plan_schema(legal, limits, walks)
        for _ in range(300):
            answer = answers_from(schema, rng)
            jsonschema.validate(answer, schema)  # the draw is within the schema
            for text in (json.dumps(answer), json.dumps(answer, separators=(",", ":"))):
                plan = parse_plan(text, legal, limits.max_steps, limits.max_ttl)
                assert plan.ttl_steps == answer["ttl"] and len(plan.buttons) == len(answer["buttons"])


@pytest.mark.parametrize("profile", ["full", "small"])
def test_the_longest_answer_the_schema_allows_fits_the_token_cap(profile: str) -> None:
    settings = PlannerSettings(llm_profile=profile)
    limits = settings.answer_limits()
    walks = ["", "exit north", "-999, -999"]
    schema = plan_schema(tuple(Button), limits, walks)
    longest: dict[str, Any] = {
        "goal": "g" * limits.goal_chars, "walk_to": "exit north", "buttons": ["select"] * limits.max_steps,
        "ttl": limits.max_ttl,
    }  # fmt: skip
    if limits.max_notes:
        longest["notes"] = ["n" * limits.note_chars] * limits.max_notes
    jsonschema.validate(longest, schema)
    # one space after every token, as llama-cpp-python's grammar allows, and a byte is at most one token
    spaced = json.dumps(longest, separators=(", ", ": ")).replace("[", "[ ").replace("{", "{ ") + " "
    assert len(spaced.encode()) + 1 <= settings.max_tokens() == limits.longest_answer_tokens()
    assert settings.max_tokens() <= len(spaced.encode()) + 2 * (len(longest) + 20)  # a bound, not a guess far off
    with pytest.raises(ValueError, match="below the longest answer"):
        PlannerSettings(llm_profile=profile, llm_max_tokens=settings.max_tokens() - 1)


def test_a_profile_of_no_notes_leaves_them_out_of_the_schema_and_the_answer_keeps_the_stored_ones() -> None:
    schema = plan_schema(LEGAL, PlannerSettings(llm_profile="small").answer_limits())
    assert "notes" not in schema["properties"] and "notes" not in schema["required"]
    assert parse_plan('{"goal": "g", "walk_to": "", "buttons": ["a"], "ttl": 5}', LEGAL, 4, 20).notes is None
    assert "notes" in plan_schema(LEGAL, PlannerSettings(llm_profile="full").answer_limits())["required"]


def test_a_plans_buttons_are_the_profiles_unless_set_and_the_schema_says_so() -> None:
    small, full = PlannerSettings(llm_profile="small"), PlannerSettings(llm_profile="full")
    assert small.answer_limits().max_steps < full.answer_limits().max_steps  # fewer tokens for a small model
    assert PlannerSettings(llm_profile="small", max_plan_steps=8).answer_limits().max_steps == 8
    schema = plan_schema(tuple(Button), small.answer_limits())
    assert schema["properties"]["buttons"]["maxItems"] == small.answer_limits().max_steps
    assert small.max_tokens() < PlannerSettings(llm_profile="small", max_plan_steps=8).max_tokens()


def test_rejections_name_their_kind() -> None:
    kinds = {}
    answers = (
        "nope",
        '{"goal": " ", "buttons": ["a"], "ttl": 2}',
        '{"goal": "g", "buttons": ["jump"], "ttl": 2}',
        '{"goal": "g", "buttons": ["a"], "ttl": 99}',
        '{"goal": "g", "walk_to": "x, y", "buttons": ["a"], "ttl": 2}',
        '{"goal": "g", "buttons": ["a"], "ttl": 2, "notes": "n"}',
        '{"buttons": ["a"], "ttl": 2}',
    )
    for text in answers:
        with pytest.raises(PlanError) as info:
            parse(text)
        kinds[info.value.kind] = text
    assert set(kinds) == {"json", "goal", "buttons", "ttl", "walk_to", "notes", "shape"}


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
