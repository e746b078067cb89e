"""The battle engine in the real emulator: its harness (`battle_harness.py`) runs the ROM's own routines, the tests
play the buttons and hold every result to the reference model (`cartridge/johto/battle/model.py`), with the
random bytes the ROM drew (its `wBtLog*` scratch) as the model's inputs."""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.johto.battle import model
from cartridge.johto.battle import ram as r
from cartridge.johto.pokedata import ENCOUNTERS, MOVES, SPECIES, Type
from cartridge.johto.pokedata.trainers import BIRD_KEEPER, FALKNER, YOUNGSTER
from tests.cartridge.battle_harness import Rig, boot, harness_rom
from tests.cartridge.johto_helpers import booted_state

pytestmark = pytest.mark.timeout(240)
RigFactory = Callable[..., Rig]
"""Makes a harness restored to its boot state, after a number of idle frames (another random sequence)."""

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
    return booted_state(rig_rom, boot)


@pytest.fixture
def new_rig(rig_rom: Path, rig_state: bytes) -> Iterator[RigFactory]:
    started: list[PyBoy] = []

    def factory(idle_frames: int = 0) -> Rig:
        pyboy = PyBoy(str(rig_rom), window="null", sound_emulated=False)
        pyboy.rtc_lock_experimental(True)  # the clock pinned: the same frames give the same game
        started.append(pyboy)
        pyboy.load_state(io.BytesIO(rig_state))
        rig = Rig(pyboy)
        rig.tick(1 + idle_frames)  # a different start: a different random sequence
        return rig

    yield factory
    for pyboy in started:
        pyboy.stop(save=False)


@pytest.fixture
def rig(new_rig: RigFactory) -> Rig:
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
def test_add_party_mon_fills_crystals_struct_with_the_models_stats(new_rig) -> None:
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


def test_restore_party_pp_fills_every_moves_pp(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 8)
    rig.give(TOTODILE, 8)
    rig.write_at(rig.party_mon(0) + PP, 1, 0)
    rig.write_at(rig.party_mon(1) + PP + 1, 3)
    rig.run(5)
    assert [rig.mon_field(0, PP + i) for i in range(3)] == [MOVES[m].pp for m in model.initial_moves(CYNDAQUIL, 8)]
    assert [rig.mon_field(1, PP + i) for i in range(3)] == [MOVES[m].pp for m in model.initial_moves(TOTODILE, 8)]


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


# ---------------------------------------------------------------------------------------------------- battles
def test_a_wild_battle_won_by_fight_hp_and_pp_as_the_model_says(new_rig: RigFactory) -> None:
    """Several starts (several random sequences): each hit's damage is the model's for the draws the ROM made,
    the PP falls by one a move, and the won battle returns 0 with the experience the model gives."""
    checked_hits = 0
    for idle in range(6):
        rig = new_rig(idle * 17)
        rig.give(CYNDAQUIL, 8)
        exp_before = rig.mon_field(0, EXP, 3)
        rig.start_wild(PIDGEY, 3)
        assert rig.to_menu()
        assert rig.read("wBattleMode") == r.BATTLE_WILD and rig.read("wEnemyMonSpecies") == PIDGEY
        tackles = 0
        while rig.menu_shown():
            pp_before = rig.read_at(r.addr("wBattleMonPP"))
            rig.fight(0)
            tackles += 1
            hit = watch_player_hit(rig)
            assert hit is not None
            assert rig.read_at(r.addr("wBattleMonPP")) == pp_before - 1
            if hit["missed"]:
                assert not model.hits(hit["accuracy"], hit["accuracy_draw"])
            else:
                assert hit["crit"] == int(hit["crit_draw"] < model.CRIT_CHANCE)
                attack = struct_stat(rig, "wBattleMon", 0)
                defense = struct_stat(rig, "wEnemyMon", 1)
                expected = model.damage(
                    8,
                    TACKLE,
                    attack,
                    defense,
                    mon_types(CYNDAQUIL),
                    mon_types(PIDGEY),
                    bool(hit["crit"]),
                    hit["factor"],
                )
                assert hit["dealt"] == min(expected, hit["hp_before"])
                assert hit["hp_after"] == hit["hp_before"] - hit["dealt"]
                checked_hits += 1
            if not rig.to_menu():
                break
        assert rig.read("wBattleResult") == r.RESULT_WIN and rig.read("wBattleMode") == 0
        assert rig.mon_field(0, EXP, 3) == exp_before + model.exp_gain(SPECIES[PIDGEY].base_exp, 3, trainer=False)
        assert rig.mon_field(0, PP) == MOVES[TACKLE].pp - tackles  # the party's PP as the battle left it
    assert checked_hits >= 6


def test_type_effectiveness_in_battle_and_its_words(rig: Rig) -> None:
    """Ember (learned at 12) on a Hoppip (grass/flying): twice the damage, and "It's super-effective!"."""
    rig.give(CYNDAQUIL, 14)
    moves = [rig.mon_field(0, MOVES_AT + i) for i in range(4)]
    ember = moves.index(52)
    rig.start_wild(HOPPIP, 5)
    assert rig.to_menu()
    said_super = False
    for _ in range(4):
        rig.fight(ember)
        hit = watch_player_hit(rig)
        assert hit is not None
        if not hit["missed"]:
            assert rig.read("wBtEffectiveness") == 20
            attack, defense = struct_stat(rig, "wBattleMon", 3), struct_stat(rig, "wEnemyMon", 4)
            expected = model.damage(
                14, 52, attack, defense, mon_types(CYNDAQUIL), mon_types(HOPPIP), bool(hit["crit"]), hit["factor"]
            )
            assert hit["dealt"] == min(expected, hit["hp_before"])
            said_super = rig.until(lambda: any("super-" in line for line in rig.lines()), press_a=False, limit=200)
            break
        assert rig.to_menu()
    assert said_super


def test_a_normal_move_does_not_touch_a_ghost(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 10)
    rig.start_wild(GASTLY, 5)
    assert rig.to_menu()
    hp = rig.read("wEnemyMonHP")
    rig.fight(0)  # Tackle
    assert rig.until(lambda: any("doesn't affect" in line for line in rig.lines()), press_a=False, limit=400)
    assert rig.read("wEnemyMonHP") == hp and rig.read("wBtEffectiveness") == 0


def test_poison_hurts_an_eighth_at_the_end_of_the_turn(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    rig.start_wild(CATERPIE, 5)
    assert rig.to_menu()
    rig.write("wEnemyMonStatus", 1 << r.PSN)
    hp, max_hp = rig.read("wEnemyMonHP"), rig.read("wEnemyMonMaxHP")
    rig.fight(0)  # LEER: no damage
    assert rig.until(lambda: any("hurt by poison" in line for line in rig.lines()), press_a=False, limit=600)
    rig.tick(20)
    assert rig.read("wEnemyMonHP") == hp - max(1, max_hp // 8)
    assert rig.tile(1, 1) == 0x8F  # "PSN" where the enemy's status shows


def test_sleep_keeps_a_creature_from_moving_until_it_wakes(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    rig.start_wild(CATERPIE, 5)
    assert rig.to_menu()
    rig.write("wBattleMonStatus", 2)  # two turns of sleep left
    hp = rig.read("wEnemyMonHP")
    rig.fight(2)  # EMBER
    assert rig.until(functools.partial(rig.shows, "fast asleep"), press_a=False, limit=600)
    assert rig.to_menu() and rig.read("wEnemyMonHP") == hp and rig.read("wBattleMonStatus") == 1
    rig.fight(2)
    assert rig.until(functools.partial(rig.shows, "woke up"), press_a=False, limit=600)
    assert rig.to_menu() and rig.read("wEnemyMonHP") == hp and rig.read("wBattleMonStatus") == 0
    rig.fight(2)
    assert rig.until(lambda: rig.read("wEnemyMonHP") < hp or not rig.in_battle(), press_a=False, limit=600)


def test_a_miss_under_the_targets_evasion(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 10)
    rig.start_wild(PIDGEY, 2)
    assert rig.to_menu()
    misses = 0
    for _ in range(12):
        rig.write_at(r.addr("wEnemyStatLevels") + 6, 13)  # evasion +6: Tackle's 242 becomes 79
        rig.write("wEnemyMonHP", 0, 200)
        rig.fight(0)
        hit = watch_player_hit(rig)
        assert hit is not None and hit["accuracy"] == model.effective_accuracy(242, 7, 13)
        if hit["missed"]:
            assert hit["accuracy_draw"] >= hit["accuracy"]
            assert hit["hp_after"] == hit["hp_before"]
            misses += 1
            if misses >= 2:
                break
        if not rig.to_menu():
            break
    assert misses >= 1


def test_a_level_up_with_a_new_move(rig: Rig) -> None:
    """A level 5 Cyndaquil just short of level 6 beats a Pidgey: level 6, its stats again, SMOKESCREEN learned."""
    rig.give(CYNDAQUIL, 5)
    growth = SPECIES[CYNDAQUIL].growth
    set_party_exp(rig, 0, model.exp_at_level(growth, 6) - 1)
    rig.start_wild(PIDGEY, 2)
    saw = set()
    while rig.in_battle():
        lines = rig.lines()
        saw.update(lines)
        if rig.menu_shown():
            rig.fight(0)
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    assert rig.read("wBattleResult") == r.RESULT_WIN
    assert rig.mon_field(0, LEVEL) == 6
    dvs = rig.mon_field(0, r.MON_DVS, 2)
    stat_exp = [rig.mon_field(0, r.MON_STAT_EXP + 2 * i, 2) for i in range(5)]
    assert stat_exp == list(SPECIES[PIDGEY].base[:5])
    stats = model.calc_stats(CYNDAQUIL, 6, dvs, stat_exp)
    assert tuple(rig.mon_field(0, r.MON_ATK + 2 * i, 2) for i in range(5)) == stats[1:]
    assert rig.mon_field(0, MAXHP, 2) == stats[0]
    assert [rig.mon_field(0, MOVES_AT + i) for i in range(3)] == [TACKLE, 43, 108]
    assert rig.mon_field(0, PP + 2) == MOVES[108].pp
    assert any("grew to" in line for line in saw) and "SMOKESCREEN!" in saw


def test_catching_with_a_ball(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 10)
    rig.set_bag(balls=20)
    rig.start_wild(PIDGEY, 4)
    assert rig.to_menu()
    throws = 0
    while rig.in_battle() and throws < 15:
        rig.write("wEnemyMonHP", 0, 1)  # worn down: the threshold near 255
        rig.choose(3)
        assert rig.until(lambda: any("POKé BALL" in line for line in rig.lines()), press_a=False, limit=100)
        rig.press("a", 8)  # the only item: the cursor on it
        throws += 1
        assert rig.until(lambda: any("broke free" in line or "Gotcha" in line for line in rig.lines()), press_a=False)
        threshold = rig.read("wBtLogCatchThreshold")
        assert threshold == model.catch_threshold(255, 1, rig.read("wEnemyMonMaxHP"), 0)
        held = model.caught(threshold, rig.read("wBtLogCatchDraw"))
        assert held == any("Gotcha" in line for line in rig.lines())
        if not rig.to_menu():
            break
    assert rig.read("wBattleResult") == 1 << r.RESULT_CAUGHT_BIT
    assert rig.read("wPartyCount") == 2 and rig.bytes_at(r.addr("wPartySpecies"), 3) == bytes((CYNDAQUIL, PIDGEY, 0xFF))
    assert rig.mon_field(1, LEVEL) == 4 and rig.mon_field(1, HP, 2) == 1
    assert rig.read_at(r.addr("wBalls") + 1) == 20 - throws
    caught = rig.bytes_at(r.addr("wPokedexCaught"), 32)
    assert caught[(PIDGEY - 1) // 8] >> ((PIDGEY - 1) % 8) & 1


def test_a_full_party_refuses_the_ball_politely(rig: Rig) -> None:
    for _ in range(6):
        rig.give(CYNDAQUIL, 10)
    rig.set_bag(balls=3)
    rig.start_wild(PIDGEY, 2)
    assert rig.to_menu()
    rig.choose(3)
    rig.press("a", 8)
    assert rig.until(lambda: any("no room" in line for line in rig.lines()), press_a=False, limit=100)
    assert rig.to_menu()
    assert rig.read_at(r.addr("wBalls") + 1) == 3 and rig.read("wPartyCount") == 6


def test_a_potion_heals_20_and_spends_the_turn(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 12)
    set_party_hp(rig, 0, 5)
    rig.set_bag(potions=2)
    rig.start_wild(CATERPIE, 2)
    assert rig.to_menu()
    assert rig.read("wBattleMonHP") == 5
    rig.choose(3)
    rig.press("a", 8)  # POTION
    assert rig.until(lambda: any("Use on which" in line for line in rig.lines()), press_a=False, limit=100)
    rig.press("a", 8)  # the first party member
    assert rig.until(lambda: any("HP rose by 20" in line for line in rig.lines()), limit=300)
    assert rig.read_at(r.addr("wItems") + 1) == 1
    healed = rig.read("wBattleMonHP")
    assert healed == 25 or healed < 25  # the enemy's move may follow at once
    rig.to_menu()
    assert rig.read("wBtTurns", 2) == 1  # the item spent the turn: the enemy moved


def test_fleeing_a_wild_battle(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    rig.start_wild(CATERPIE, 2)  # far slower: always away
    assert rig.to_menu()
    rig.choose(4)
    assert rig.until(lambda: any("Got away" in line for line in rig.lines()), press_a=False, limit=200)
    assert rig.finish() == r.RESULT_DRAW and rig.read("wBattleMode") == 0 and rig.read("wNumFleeAttempts") == 1


def test_running_from_a_faster_creature_can_fail_as_the_model_says(new_rig: RigFactory) -> None:
    outcomes = set()
    for idle in range(8):
        rig = new_rig(idle * 11)
        rig.give(CYNDAQUIL, 5)
        rig.start_wild(PIDGEOTTO, 9)
        while rig.to_menu() and rig.read("wNumFleeAttempts") < 4:
            speed = struct_stat(rig, "wBattleMon", 2)
            enemy_speed = struct_stat(rig, "wEnemyMon", 2)
            assert speed < enemy_speed
            rig.choose(4)
            assert rig.until(functools.partial(rig.shows, "Got away", "Can't escape"), press_a=False)
            away = any("Got away" in line for line in rig.lines())
            attempts, draw = rig.read("wNumFleeAttempts"), rig.read("wBtLogFleeDraw")
            assert away == model.flee_succeeds(speed, enemy_speed, attempts, draw)
            outcomes.add(away)
            if away:
                assert rig.finish() == r.RESULT_DRAW
                break
            set_hp = rig.read("wBattleMonMaxHP")  # keep the player's creature standing for the next try
            rig.write("wBattleMonHP", set_hp >> 8, set_hp & 0xFF)
    assert outcomes == {True, False}


def test_experience_is_split_between_the_creatures_that_fought(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    rig.give(TOTODILE, 20)
    before = [rig.mon_field(i, EXP, 3) for i in range(2)]
    rig.start_wild(PIDGEY, 5)
    assert rig.to_menu()
    rig.choose(2)
    rig.press("down")
    rig.press("a", 8)  # TOTODILE out: both have fought
    while rig.in_battle():
        if rig.menu_shown():
            rig.fight(list(rig.bytes_at(r.addr("wBattleMonMoves"), 4)).index(55))  # WATER GUN
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    assert rig.read("wBattleResult") == r.RESULT_WIN
    each = model.exp_gain(SPECIES[PIDGEY].base_exp, 5, trainer=False, participants=2)
    assert [rig.mon_field(i, EXP, 3) - before[i] for i in range(2)] == [each, each]
    seen = rig.bytes_at(r.addr("wPokedexSeen"), 32)
    assert seen[(PIDGEY - 1) // 8] >> ((PIDGEY - 1) % 8) & 1


def test_no_running_from_a_trainer(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    rig.start_trainer(YOUNGSTER, 1)
    assert rig.to_menu()
    rig.choose(4)
    assert rig.until(lambda: any("No! There's no" in line for line in rig.lines()), press_a=False, limit=200)
    assert rig.to_menu() and rig.in_battle() and rig.read("wBattleMode") == r.BATTLE_TRAINER


def test_losing_returns_1(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 3)
    set_party_hp(rig, 0, 1)
    rig.start_wild(PIDGEOTTO, 9)
    saw = set()
    while rig.in_battle():
        saw.update(rig.lines())
        if rig.menu_shown():
            rig.fight(1)  # Leer: no damage, so the enemy wins
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    assert rig.read("wBattleResult") == r.RESULT_LOSE and rig.read("wBattleMode") == 0
    assert rig.mon_field(0, HP, 2) == 0
    assert "whited out!" in saw or any("whited" in line for line in saw)


def test_switching_to_the_second_party_member(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 10)
    rig.give(TOTODILE, 10)
    rig.start_wild(PIDGEY, 2)
    assert rig.to_menu()
    rig.choose(2)
    assert rig.until(lambda: any("Choose a" in line for line in rig.lines()), press_a=False, limit=100)
    rig.press("down")
    rig.press("a", 8)
    assert rig.until(lambda: any("Go! TOTODILE!" in line for line in rig.lines()), press_a=False, limit=200)
    assert rig.read("wCurBattleMon") == 1 and rig.read("wBattleMonSpecies") == TOTODILE
    assert rig.read("wBattleParticipantsNotFainted") == 0b11
    assert rig.to_menu()


def test_picking_the_fainted_creature_when_one_must_go_out_is_refused_and_the_menu_asks_again(rig: Rig) -> None:
    """The lead faints with another standing: the forced switch refuses the fainted one and asks again. The
    refusal once lost the prompt's pointer, printed from address 0x22 until RAM was overwritten, and hung the
    game (a learner caught a second creature, let its lead faint on Route 31 and pressed A on the first row)."""
    rig.give(CYNDAQUIL, 3)
    rig.give(TOTODILE, 10)
    set_party_hp(rig, 0, 1)
    rig.start_wild(PIDGEOTTO, 9)
    while not rig.shows("Choose a"):
        if rig.menu_shown():
            rig.fight(1)  # Leer: no damage, so the enemy knocks the lead out
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    rig.press("a", 8)  # the cursor on the first row: the fainted one
    assert rig.until(lambda: rig.shows("no will"), press_a=False, limit=200)
    rig.press("a", 8)
    assert rig.until(lambda: rig.shows("Choose a"), press_a=False, limit=200)
    assert rig.read("wPartyCount") == 2 and rig.read("wBattleMode") == r.BATTLE_WILD
    rig.press("down")
    rig.press("a", 8)
    assert rig.until(lambda: rig.shows("Go! TOTODILE!"), press_a=False, limit=200)
    assert rig.read("wCurBattleMon") == 1 and rig.to_menu()


def test_falkner_two_creatures_beaten_and_the_prize(rig: Rig) -> None:
    rig.give(TOTODILE, 20)
    rig.write("wMoney", 0, 0x0B, 0xB8)  # 3000
    rig.start_trainer(FALKNER, 1)
    assert rig.to_menu()
    assert rig.read("wOTPartyCount") == 2 and rig.bytes_at(r.addr("wOTPartySpecies"), 3) == bytes(
        (PIDGEY, PIDGEOTTO, 0xFF)
    )
    assert [rig.read_at(r.addr("wEnemyMonMoves") + i) for i in range(4)] == [TACKLE, 189, 0, 0]
    saw, enemies = set(), set()
    while rig.in_battle():
        saw.update(rig.lines())
        enemies.add(rig.read("wEnemyMonSpecies"))
        if rig.menu_shown():
            rig.fight(list(rig.bytes_at(r.addr("wBattleMonMoves"), 4)).index(55))  # WATER GUN
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    assert rig.read("wBattleResult") == r.RESULT_WIN
    assert {PIDGEY, PIDGEOTTO} <= enemies
    assert rig.read("wMoney") == 3000 + 900
    assert {"LEADER FALKNER!", "KRIS got ¥900", "for winning!"} <= saw


def test_bird_keeper_rod_and_the_experience_from_trainers(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 20)
    exp_before = rig.mon_field(0, EXP, 3)
    rig.start_trainer(BIRD_KEEPER, 1)
    for _ in range(20_000):
        if not rig.in_battle():
            break
        if rig.menu_shown():
            rig.fight(list(rig.bytes_at(r.addr("wBattleMonMoves"), 4)).index(52))  # EMBER
        elif rig.prompt_shown():
            rig.press("a")
        else:
            rig.tick()
    assert rig.read("wBattleResult") == r.RESULT_WIN
    gained = rig.mon_field(0, EXP, 3) - exp_before
    assert gained == 2 * model.exp_gain(SPECIES[PIDGEY].base_exp, 7, trainer=True)


def test_the_words_on_the_battle_screen(rig: Rig) -> None:
    rig.give(CYNDAQUIL, 5)
    rig.start_wild(PIDGEY, 3)
    assert rig.until(lambda: rig.lines() == ("Wild PIDGEY", "appeared!"), press_a=False, limit=100)
    assert rig.prompt_shown()
    assert rig.to_menu()
    assert rig.lines() == ("▶FIGHT PKMN", "PACK RUN")
    assert rig.tile(1, 0) == 0x8F and rig.tile(6, 1) == 0x6E  # "P" of PIDGEY at (1, 0), "Lv" at (6, 1)
    assert rig.tiles()[7 * 20 + 10 : 7 * 20 + 19] == bytes(0x80 + ord(c) - 65 for c in "CYNDAQUIL")
    rig.choose(1)
    # the move list's top-left corner lies under the type box, as in Crystal: both are read
    moves = ("TYPE/", "NORMAL", "35/35", "▶TACKLE", "LEER", "-", "-")
    assert rig.until(lambda: rig.lines() == moves, press_a=False, limit=60)
    rig.press("b", 8)
    assert rig.until(lambda: rig.lines() == ("▶FIGHT PKMN", "PACK RUN"), press_a=False, limit=60)
