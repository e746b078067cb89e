"""`unvalidated_constructor` builds what `model_construct` builds, for the models the step builds every step."""

import time

import pytest
from pydantic import BaseModel, PrivateAttr

from shared.buttons import Button
from shared.game.state import BattleState, GameState, PartyMon, PlayTime
from shared.messages import ActionSource, Frame, Message
from shared.unvalidated import unvalidated_constructor


def _state() -> dict[str, object]:
    return dict(
        map_group=24,
        map_number=4,
        map_name="New Bark Town",
        map_width=20,
        map_height=18,
        x=3,
        y=7,
        facing="up",
        money=3000,
        johto_badges=1,
        kanto_badges=0,
        party=(PartyMon(species=155, level=5, hp=20, max_hp=20, status=0, exp=135),),
        battle=BattleState(mode=1, type=0, enemy_species=16, enemy_level=3, enemy_hp=12),
        time_of_day=1,
        play_time=PlayTime(hours=1, minutes=2, seconds=3),
        step_count=9,
        event_flags=12,
        pokedex_seen=2,
        pokedex_caught=1,
        text_open=False,
        menu_open=True,
        script_running=False,
        map_status=2,
        player_state=0,
        player_id=4242,
        player_name="GOLD",
    )


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (GameState, _state()),
        (PartyMon, dict(species=155, level=5, hp=20, max_hp=20, status=0, exp=135, moves=(33, 43))),
        (BattleState, dict(mode=1, type=0, enemy_species=16, enemy_level=3, enemy_hp=12)),
        (PlayTime, dict(hours=1, minutes=2, seconds=3)),
        (
            Frame,
            dict(
                env="0",
                step=5,
                state=GameState(**_state()),
                reward=0.5,
                reward_breakdown={"new_tile": 0.5},
                action=Button.A,
                action_source=ActionSource.DQN,
                legal=(True,) * 8,
                explored=(True, False, False, True),
                intervention=False,
                episode=0,
                terminated=False,
                truncated=True,
                screen=bytes(range(256)),
                plan="req-1",
                milestone="new_map",
                ts=time.time(),
            ),
        ),
    ],
)
def test_unvalidated_constructor_builds_what_model_construct_builds(
    model: type[BaseModel], values: dict[str, object]
) -> None:
    assert set(values) == set(model.model_fields), "every field is given, as the step gives them"
    built, reference = unvalidated_constructor(model)(**values), model.model_construct(**values)
    assert built == reference
    assert built.model_fields_set == reference.model_fields_set
    assert built.model_dump() == reference.model_dump()
    if isinstance(built, Message):  # the wire format: JSON beside the raw binary fields
        assert built.to_fields() == reference.to_fields()
    else:
        assert model.model_validate_json(built.model_dump_json()) == built
    with pytest.raises(ValueError, match="frozen"):
        built.__setattr__(next(iter(values)), None)


def test_models_it_would_build_wrong_are_refused() -> None:
    class WithPrivate(BaseModel):
        x: int
        _cache: int = PrivateAttr(default=0)

    with pytest.raises(TypeError, match="WithPrivate has private attributes"):
        unvalidated_constructor(WithPrivate)
