"""The battle engine in the real emulator: its harness (`battle_harness.py`) runs the ROM's own routines, the tests
play the buttons and hold every result to the reference model (`cartridge/johto/battle/model.py`), with the
random bytes the ROM drew (its `wBtLog*` scratch) as the model's inputs."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.johto.battle import model
from cartridge.johto.battle import ram as r
from cartridge.johto.pokedata import ENCOUNTERS, MOVES, SPECIES, Type
from tests.cartridge.battle_harness import Rig, boot, harness_rom

pytestmark = pytest.mark.timeout(240)

CYNDAQUIL, TOTODILE, CHIKORITA, PIDGEY, PIDGEOTTO, RATTATA, CATERPIE, HOPPIP, BELLSPROUT, GASTLY = (
    155, 158, 152, 16, 17, 19, 10, 187, 69, 92,
)  # fmt: skip
TACKLE = 33
HP, MAXHP, LEVEL, EXP, PP, MOVES_AT, STATUS = (
    r.MON_HP,
    r.MON_MAXHP,
    r.MON_LEVEL,
    r.MON_EXP,
    r.MON_PP,
    r.MON_MOVES,
    r.MON_STATUS,
)


@pytest.fixture(scope="module")
def rig_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("battle-rig") / "rig.gbc"
    path.write_bytes(harness_rom())
    return path


@pytest.fixture(scope="module")
def rig_state(rig_rom: Path) -> bytes:
    pyboy = PyBoy(str(rig_rom), window="null", sound_emulated=False)
    try:
        boot(pyboy)
        buffer = io.BytesIO()
        pyboy.save_state(buffer)
        return buffer.getvalue()
    finally:
        pyboy.stop(save=False)


@pytest.fixture
def new_rig(rig_rom: Path, rig_state: bytes) -> Iterator:
    started: list[PyBoy] = []

    def factory(idle_frames: int = 0) -> Rig:
        pyboy = PyBoy(str(rig_rom), window="null", sound_emulated=False)
        started.append(pyboy)
        pyboy.load_state(io.BytesIO(rig_state))
        rig = Rig(pyboy)
        rig.tick(1 + idle_frames)  # a different start: a different random sequence
        return rig

    yield factory
    for pyboy in started:
        pyboy.stop(save=False)


@pytest.fixture
def rig(new_rig) -> Rig:
    return new_rig()


def set_party_hp(rig: Rig, index: int, hp: int) -> None:
    rig.write_at(rig.party_mon(index) + HP, hp >> 8, hp & 0xFF)


def set_party_exp(rig: Rig, index: int, exp: int) -> None:
    rig.write_at(rig.party_mon(index) + EXP, *exp.to_bytes(3, "big"))


def mon_types(species: int) -> tuple[Type, Type]:
    return SPECIES[species].types


def struct_stat(rig: Rig, base: str, index: int) -> int:
    """A battle struct's stat (0 attack .. 4 special defense)."""
    return rig.read_at(r.addr(base) + r.BS_ATK + 2 * index, 2)


def watch_player_hit(rig: Rig) -> dict[str, int] | None:
    """After FIGHT: frame by frame until the player's move hit (the enemy's HP fell) or missed; the draws then."""
    enemy_hp = rig.read("wEnemyMonHP")
    for _ in range(600):
        rig.tick()
        if rig.read("wBtTurn") != 0:
            continue
        hp = rig.read("wEnemyMonHP")
        missed = rig.read("wAttackMissed") == 1 and any("missed" in line for line in rig.lines())
        if hp != enemy_hp or missed:
            return {
                "hp_before": enemy_hp,
                "hp_after": hp,
                "missed": int(missed),
                "dealt": rig.read("wBtDamageDealt"),
                "crit": rig.read("wCriticalHit"),
                "crit_draw": rig.read("wBtLogCritDraw"),
                "factor": rig.read("wBtLogFactor"),
                "accuracy": rig.read("wBtLogAccuracy"),
                "accuracy_draw": rig.read("wBtLogAccuracyDraw"),
            }
    return None


# ---------------------------------------------------------------------------------------------------- party
def test_add_mon_to_party_fills_crystals_struct_with_the_models_stats(new_rig) -> None:
    for idle, (species, level) in enumerate(
        ((CYNDAQUIL, 5), (TOTODILE, 5), (CHIKORITA, 5), (PIDGEOTTO, 9), (GASTLY, 20))
    ):
        rig = new_rig(idle * 7)
        index = rig.give(species, level)
        assert index == 0 and rig.read("wPartyCount") == 1
        assert rig.bytes_at(r.addr("wPartySpecies"), 2) == bytes((species, 0xFF))
        dvs = rig.mon_field(0, r.MON_DVS, 2)
        stats = model.calc_stats(species, level, dvs)
        assert rig.mon_field(0, LEVEL) == level
        assert rig.mon_field(0, HP, 2) == stats[0] and rig.mon_field(0, MAXHP, 2) == stats[0]
        assert tuple(rig.mon_field(0, r.MON_ATK + 2 * i, 2) for i in range(5)) == stats[1:]
        moves = model.initial_moves(species, level)
        assert tuple(rig.mon_field(0, MOVES_AT + i) for i in range(len(moves))) == moves
        assert tuple(rig.mon_field(0, PP + i) for i in range(len(moves))) == tuple(MOVES[m].pp for m in moves)
        growth = SPECIES[species].growth
        assert rig.mon_field(0, EXP, 3) == model.exp_at_level(growth, level)
        nickname = rig.bytes_at(r.addr("wPartyMonNicknames"), 11)
        assert nickname.split(b"\x50")[0] == bytes(0x80 + ord(c) - 65 for c in SPECIES[species].name)
        seen = rig.bytes_at(r.addr("wPokedexSeen"), 32)
        caught = rig.bytes_at(r.addr("wPokedexCaught"), 32)
        bit = species - 1
        assert seen[bit // 8] >> (bit % 8) & 1 and caught[bit // 8] >> (bit % 8) & 1


def test_the_dvs_come_from_the_generator(new_rig) -> None:
    dvs = set()
    for idle in range(6):
        rig = new_rig(idle * 13)
        rig.give(CYNDAQUIL, 5)
        dvs.add(rig.mon_field(0, r.MON_DVS, 2))
    assert len(dvs) >= 4


def test_heal_party_restores_hp_pp_and_status(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 8)
    set_party_hp(rig, 0, 3)
    rig.write_at(rig.party_mon(0) + PP, 1, 0)
    rig.write_at(rig.party_mon(0) + STATUS, 1 << r.PSN)
    rig.run(5)
    assert rig.mon_field(0, HP, 2) == rig.mon_field(0, MAXHP, 2)
    assert rig.mon_field(0, PP) == MOVES[TACKLE].pp and rig.mon_field(0, STATUS) == 0


# ---------------------------------------------------------------------------------------------------- arithmetic
def _setup_structs(rig: Rig, attacker: int, attacker_level: int, defender: int, defender_level: int) -> None:
    """Battle structs for a damage computation, stats from the model, stages neutral."""
    for base, species, level in (("wBattleMon", attacker, attacker_level), ("wEnemyMon", defender, defender_level)):
        stats = model.calc_stats(species, level, 0x9888)
        address = r.addr(base)
        rig.write_at(address + r.BS_SPECIES, species)
        rig.write_at(address + r.BS_LEVEL, level)
        rig.write_at(address + r.BS_HP, stats[0] >> 8, stats[0] & 0xFF, stats[0] >> 8, stats[0] & 0xFF)
        rig.write_at(address + r.BS_ATK, *(b for s in stats[1:] for b in (s >> 8, s & 0xFF)))
        rig.write_at(address + r.BS_TYPE, *SPECIES[species].types)
        originals = r.addr("wPlayerStats" if base == "wBattleMon" else "wEnemyStats")
        rig.write_at(originals, *(b for s in stats[1:] for b in (s >> 8, s & 0xFF)))
    for name in ("wPlayerStatLevels", "wEnemyStatLevels"):
        rig.write(name, *([7] * 8))


def test_damage_as_the_model_says_for_every_move_and_many_draws(rig: Rig) -> None:
    """Every move of the chapter with power, from and onto creatures of several types, crit or not: the damage
    before its random factor exactly as the model's steps, then the factor the ROM drew, applied as the model."""
    checked = 0
    pairs = ((CYNDAQUIL, HOPPIP), (TOTODILE, BELLSPROUT), (PIDGEOTTO, GASTLY), (BELLSPROUT, TOTODILE), (GASTLY, PIDGEY))
    damaging = [m for m in MOVES.values() if m.power > 0]
    for (attacker, defender), move, level, critical in itertools.product(pairs, damaging, (5, 37), (0, 1)):
        if move.number == 101:  # Night Shade's damage is the level, not the formula
            continue
        _setup_structs(rig, attacker, level, defender, 9)
        rig.write("wBtTurn", 0)
        rig.write(
            "wPlayerMoveStruct",
            move.number,
            move.effect,
            move.power,
            move.type,
            move.accuracy_byte,
            move.pp,
            move.chance_byte,
        )
        rig.write("wCriticalHit", critical)
        rig.run(3)
        special = model.uses_special(move.number)
        attack = struct_stat(rig, "wBattleMon", 3 if special else 0)
        defense = struct_stat(rig, "wEnemyMon", 4 if special else 1)
        before = model.base_damage(level, move.power, attack, defense, bool(critical))
        if move.number == 165:  # STRUGGLE: no STAB, no chart
            expected = before
        else:
            codes = model.type_multipliers(move.type, mon_types(defender))
            expected = model.apply_stab_and_types(before, move.type in mon_types(attacker), codes)
        assert rig.read("wCurDamage") == expected, (attacker, defender, move.name, level, critical)
        assert rig.read("wBtEffectiveness") == (
            10 if move.number == 165 else model.effectiveness(move.type, mon_types(defender))
        )
        rig.run(4)
        if expected >= 2:
            factor = rig.read("wBtLogFactor")
            assert 217 <= factor <= 255
            assert rig.read("wCurDamage") == model.vary(expected, factor)
        checked += 1
    assert checked > 300


def test_accuracy_under_stages_as_the_model_says(rig: Rig) -> None:
    _setup_structs(rig, CYNDAQUIL, 10, PIDGEY, 5)
    tackle = MOVES[TACKLE]
    outcomes = set()
    for accuracy_stage, evasion_stage in itertools.product((1, 4, 7, 10, 13), (1, 7, 13)):
        for _ in range(6):
            rig.write("wBtTurn", 0)
            rig.write(
                "wPlayerMoveStruct", TACKLE, tackle.effect, tackle.power, tackle.type, tackle.accuracy_byte, 35, 0
            )
            rig.write_at(r.addr("wPlayerStatLevels") + 5, accuracy_stage)
            rig.write_at(r.addr("wEnemyStatLevels") + 6, evasion_stage)
            rig.run(8)
            accuracy = model.effective_accuracy(tackle.accuracy_byte, accuracy_stage, evasion_stage)
            assert rig.read("wBtLogAccuracy") == accuracy
            missed = bool(rig.read("wBtTemp", 1))
            if accuracy < 255:
                assert missed == (not model.hits(accuracy, rig.read("wBtLogAccuracyDraw")))
            else:
                assert not missed
            outcomes.add(missed)
            rig.tick(3)
    assert outcomes == {True, False}


def test_the_catch_threshold_as_the_model_says(rig: Rig) -> None:
    for species, hp, max_hp, status in (
        (PIDGEY, 15, 15, 0),
        (PIDGEY, 1, 15, 0),
        (CYNDAQUIL, 20, 20, 3),
        (PIDGEOTTO, 5, 120, 0),
        (GASTLY, 30, 100, 0),
    ):
        rig.write_at(r.addr("wEnemyMonHP"), hp >> 8, hp & 0xFF, max_hp >> 8, max_hp & 0xFF)
        rig.write("wEnemyMonStatus", status)
        rig.write("wEnemyMonCatchRate", SPECIES[species].catch_rate)
        rig.run(7)
        assert rig.read("wBtLogCatchThreshold") == model.catch_threshold(
            SPECIES[species].catch_rate, hp, max_hp, status
        )


def test_wild_encounters_draw_the_routes_slots(rig: Rig) -> None:
    """The kernel keeps wTimeOfDay from the cartridge's clock: each encounter is checked against that time's table."""
    route = ENCOUNTERS[0]
    rig.write("wMapGroup", route.map_group)
    rig.write("wMapNumber", route.map_number)
    battles, found = 0, set()
    for _ in range(300):
        rig.run(6)
        if rig.read("wBtTemp", 1):
            battles += 1
            slot = (rig.read("wCurPartyLevel"), rig.read("wTempWildMonSpecies"))
            assert slot in route.slots[min(rig.read("wTimeOfDay"), 2)]
            found.add(slot)
        rig.tick(1)
    assert len(found) >= 2
    assert 5 <= battles <= 70  # 10 % of 300 steps
    rig.write("wMapNumber", 99)  # a map without grass creatures
    for _ in range(30):
        rig.run(6)
        assert rig.read("wBtTemp", 1) == 0
