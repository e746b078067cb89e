"""The chapter's creatures as data: every table consistent with the others and with the public facts it copies."""

from __future__ import annotations

from cartridge.johto.battle.model import effectiveness, initial_moves
from cartridge.johto.pokedata import (
    ENCOUNTERS,
    GRASS_SLOT_PERCENT,
    ITEMS,
    LEARNSET_MAX_LEVEL,
    MOVES,
    SPECIES,
    TRAINER_CLASSES,
    TRAINERS,
    TYPE_CHART,
    Type,
)
from cartridge.johto.pokedata.moves import DAMAGING, STRUGGLE, Effect
from cartridge.johto.pokedata.species import STARTERS
from cartridge.johto.pokedata.trainers import RIVAL1, RIVAL_AGAINST, prize
from shared.game.names import move_name, species_name


def test_every_move_a_species_learns_exists_and_learnsets_are_in_level_order() -> None:
    for species in SPECIES.values():
        levels = [level for level, _move in species.learnset]
        assert levels == sorted(levels), species.name
        assert all(1 <= level <= LEARNSET_MAX_LEVEL for level in levels), species.name
        assert all(move in MOVES for _level, move in species.learnset), species.name


def test_numbers_are_crystals_as_the_projects_name_tables_read_them() -> None:
    for number, species in SPECIES.items():
        assert species_name(number).upper().replace(" ", "") == species.name.replace(" ", ""), number
    for number, move in MOVES.items():
        assert move_name(number).upper().replace("-", "").replace(" ", "") == move.name.replace("-", "").replace(
            " ", ""
        )


def test_stats_types_and_rates_are_in_range() -> None:
    for species in SPECIES.values():
        assert all(1 <= stat <= 255 for stat in species.base)
        assert all(isinstance(t, Type) for t in species.types)
        assert 1 <= species.catch_rate <= 255 and 1 <= species.base_exp <= 255
    for move in MOVES.values():
        assert 0 <= move.power <= 250 and 1 <= move.accuracy <= 100 and 1 <= move.pp <= 40
        assert (move.power > 0) == (move.effect in DAMAGING), move.name
    assert MOVES[STRUGGLE].effect is Effect.RECOIL_HIT


def test_the_type_chart_covers_every_pair_of_types_present_and_only_those() -> None:
    species_types = {t for species in SPECIES.values() for t in species.types}
    move_types = {move.type for move in MOVES.values()}
    assert all(attacker in move_types and defender in species_types for attacker, defender, _code in TYPE_CHART)
    assert all(code in (0, 5, 20) for _a, _d, code in TYPE_CHART)
    assert len({(a, d) for a, d, _c in TYPE_CHART}) == len(TYPE_CHART)
    # the facts the chapter leans on: the starters' triangle, ground against flying, ghost and normal
    assert effectiveness(Type.FIRE, (Type.GRASS, Type.GRASS)) == 20
    assert effectiveness(Type.WATER, (Type.FIRE, Type.FIRE)) == 20
    assert effectiveness(Type.GRASS, (Type.WATER, Type.WATER)) == 20
    assert effectiveness(Type.FIRE, (Type.WATER, Type.WATER)) == 5
    assert effectiveness(Type.GROUND, (Type.NORMAL, Type.FLYING)) == 0
    assert effectiveness(Type.NORMAL, (Type.GHOST, Type.POISON)) == 0
    assert effectiveness(Type.GRASS, (Type.GRASS, Type.POISON)) == 2


def test_the_starters_are_level_5_with_their_first_moves() -> None:
    assert {SPECIES[s].name for s in STARTERS} == {"CHIKORITA", "CYNDAQUIL", "TOTODILE"}
    assert initial_moves(155, 5) == (33, 43)  # Tackle, Leer
    assert initial_moves(158, 5) == (10, 43)  # Scratch, Leer
    assert initial_moves(152, 5) == (33, 45)  # Tackle, Growl
    assert SPECIES[155].types == (Type.FIRE, Type.FIRE)


def test_encounters_use_species_present_and_the_games_odds() -> None:
    assert sum(GRASS_SLOT_PERCENT) == 100
    assert {(route.map_group, route.map_number) for route in ENCOUNTERS} == {(24, 3), (26, 1), (26, 2)}
    for route in ENCOUNTERS:
        for table in route.slots:
            assert len(table) == len(GRASS_SLOT_PERCENT)
            assert all(level in range(2, 6) and species in SPECIES for level, species in table)
        assert route.rate_byte(0) == 25


def test_trainers_parties_exist_and_the_rival_counters_the_starter() -> None:
    assert len({(t.trainer_class, t.number) for t in TRAINERS}) == len(TRAINERS)
    for trainer in TRAINERS:
        assert trainer.trainer_class in TRAINER_CLASSES
        for mon in trainer.party:
            assert mon.species in SPECIES and 2 <= mon.level <= 9
            assert all(move in MOVES for move in mon.moves)
    falkner = next(t for t in TRAINERS if t.name == "FALKNER")
    assert [(m.level, m.species) for m in falkner.party] == [(7, 16), (9, 17)]
    assert prize(falkner) == 900
    for player_starter, rival_id in RIVAL_AGAINST.items():
        rival = next(t for t in TRAINERS if t.trainer_class == RIVAL1 and t.number == rival_id)
        rival_type = SPECIES[rival.party[0].species].types[0]
        assert effectiveness(rival_type, SPECIES[player_starter].types) == 20


def test_items_are_a_potion_and_a_ball() -> None:
    assert [(item.number, item.ball) for item in ITEMS] == [(0x12, False), (0x05, True)]
