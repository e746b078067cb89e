"""The battle's arithmetic in Python: what the ROM must compute, written plainly so tests can hold it to it.

Each function is the shape of Pokémon Crystal's own computation (its public disassembly,
`engine/battle/effect_commands.asm`, `engine/battle/core.asm`, `engine/pokemon/move_mon.asm`,
`engine/items/item_effects.asm`), with the random bytes the game would draw passed in, so a test can
read the bytes the ROM drew (it logs them in its scratch) and ask this model what should have followed.
Integer division everywhere, in the game's order: the rounding is part of the result.
"""

from __future__ import annotations

from collections.abc import Sequence

from cartridge.johto.pokedata import GROWTH_RATES, MOVES, SPECIES, TYPE_CHART, Growth, Type, is_special

MAX_LEVEL = 100
MAX_STAT = 999
NEUTRAL_STAGE = 7
"""Stat stages run 1..13 as Crystal keeps them; 7 is no change."""

STAT_STAGE_RATIOS = ((25, 100), (28, 100), (33, 100), (40, 100), (50, 100), (66, 100), (1, 1),
                     (15, 10), (2, 1), (25, 10), (3, 1), (35, 10), (4, 1))  # fmt: skip
"""Stage 1..13 → (numerator, denominator) for attack, defense, speed, special (`data/battle/stat_multipliers.asm`)."""
ACCURACY_STAGE_RATIOS = ((33, 100), (36, 100), (43, 100), (50, 100), (60, 100), (75, 100), (1, 1),
                         (133, 100), (166, 100), (2, 1), (233, 100), (133, 50), (3, 1))  # fmt: skip
"""Stage 1..13 → ratio for accuracy and evasion (`data/battle/accuracy_multipliers.asm`)."""

CRIT_CHANCE = 17
"""1 out of 15 as the game writes it (`1 * 256 / 15`): a critical hit when a random byte is below it."""
HIGH_CRIT_CHANCE = 64
"""1 out of 4: two stages up, for the moves Crystal lists as high-critical (here Razor Leaf)."""
HIGH_CRIT_MOVES = frozenset({75})
RANDOM_FACTOR_MIN = 217
"""The damage's random factor runs 217..255 (out of 255): 85 % to 100 %."""
DAMAGE_CAP = 997
PARALYSIS_CHANCE = 63
"""25 % as the game writes it: a paralysed creature cannot move when a random byte is below it."""


# ----------------------------------------------------------------------------------------- growth and stats
def exp_at_level(growth: Growth, level: int) -> int:
    """Experience needed to stand at `level`: a/b·n³ + c·n² + d·n − e, as the game computes it."""
    a, b, c, d, e = GROWTH_RATES[growth]
    n = level
    return (n**3) * a // b + c * n * n + d * n - e


def level_for_exp(growth: Growth, exp: int) -> int:
    """The level that `exp` points reach (at most 100)."""
    level = 1
    while level < MAX_LEVEL and exp >= exp_at_level(growth, level + 1):
        level += 1
    return level


def dv_values(dvs: int) -> tuple[int, int, int, int, int]:
    """The two DV bytes (attack·defense, speed·special, big-endian) → (HP, attack, defense, speed, special) DVs."""
    atk, dfn, spd, spc = dvs >> 12 & 15, dvs >> 8 & 15, dvs >> 4 & 15, dvs & 15
    hp = (atk & 1) << 3 | (dfn & 1) << 2 | (spd & 1) << 1 | (spc & 1)
    return hp, atk, dfn, spd, spc


def stat_exp_term(stat_exp: int) -> int:
    """⌈√stat exp⌉ (at least 1, at most 255) divided by 4: the game's table search for a square root."""
    root = 1
    while root < 255 and root * root < stat_exp:
        root += 1
    return root // 4


def calc_stats(species: int, level: int, dvs: int, stat_exp: Sequence[int] = (0, 0, 0, 0, 0)) -> tuple[int, ...]:
    """(max HP, attack, defense, speed, special attack, special defense) of a creature.

    ((base + DV)·2 + ⌈√stat exp⌉/4)·level/100 + 5, the HP + level + 10 instead; special attack and special
    defense share the special DV and the special stat exp, as in Crystal. At most 999."""
    base = SPECIES[species].base
    hp_dv, atk, dfn, spd, spc = dv_values(dvs)
    dv = (hp_dv, atk, dfn, spd, spc, spc)
    exp = (stat_exp[0], stat_exp[1], stat_exp[2], stat_exp[3], stat_exp[4], stat_exp[4])
    stats = []
    for i in range(6):
        value = ((base[i] + dv[i]) * 2 + stat_exp_term(exp[i])) * level // 100
        value += level + 10 if i == 0 else 5
        stats.append(min(value, MAX_STAT))
    return tuple(stats)


def initial_moves(species: int, level: int) -> tuple[int, ...]:
    """The moves a creature met at `level` knows: its learnset up to that level in order, a known move skipped,
    the oldest pushed out when a fifth comes (Crystal's FillMoves)."""
    moves: list[int] = []
    for learned_at, move in SPECIES[species].learnset:
        if learned_at > level:
            break
        if move in moves:
            continue
        if len(moves) == 4:
            moves.pop(0)
        moves.append(move)
    return tuple(moves)


def moves_learned_at(species: int, level: int) -> tuple[int, ...]:
    """The moves the learnset teaches exactly at `level` (in order)."""
    return tuple(move for learned_at, move in SPECIES[species].learnset if learned_at == level)


def apply_stage(stat: int, stage: int) -> int:
    """A stat under a stage (1..13): stat·num/den, at least 1, at most 999."""
    num, den = STAT_STAGE_RATIOS[stage - 1]
    return max(1, min(MAX_STAT, stat * num // den))


# ----------------------------------------------------------------------------------------- damage
def type_multipliers(move_type: Type, defender_types: tuple[Type, Type]) -> tuple[int, ...]:
    """The chart's codes (out of 10) that apply, in the chart's order; a dual-typed defender of one type twice
    (Crystal stores a single type as the same type twice) matches an entry once."""
    first, second = defender_types
    return tuple(
        code for attacker, defender, code in TYPE_CHART if attacker == move_type and defender in (first, second)
    )


def effectiveness(move_type: Type, defender_types: tuple[Type, Type]) -> int:
    """The whole matchup, out of 10 per type: 10 neutral, 20 or 40 super effective, 5 or 2 not very, 0 none
    (the figure the text "It's super effective!" and its kin are chosen by)."""
    result = 10
    for code in type_multipliers(move_type, defender_types):
        result = result * code // 10
    return result


def truncate_stats(attack: int, defense: int) -> tuple[int, int]:
    """Both divided by 4 until both fit a byte (defense at least 1), as the game does before its 8-bit math."""
    while attack > 255 or defense > 255:
        attack //= 4
        defense = max(1, defense // 4)
    return attack, max(1, defense)


def base_damage(level: int, power: int, attack: int, defense: int, critical: bool) -> int:
    """((2·level/5 + 2)·power·attack/defense)/50, doubled on a critical hit, capped at 997, + 2."""
    attack, defense = truncate_stats(attack, defense)
    damage = (2 * level // 5 + 2) * power * attack // defense // 50
    if critical:
        damage *= 2
    return min(damage, DAMAGE_CAP) + 2


def apply_stab_and_types(damage: int, stab: bool, codes: Sequence[int]) -> int:
    """×1.5 for a move of the attacker's type (damage + damage/2), then each chart code in turn (·code/10,
    a result of 0 from a non-zero product made 1; an immunity makes 0)."""
    if stab:
        damage += damage // 2
    for code in codes:
        product = damage * code
        if product == 0:
            damage = 0
            continue
        damage = max(1, product // 10)
    return damage


def random_factor(draws: Sequence[int]) -> tuple[int, int]:
    """The damage's random factor from the game's draws: each byte rotated right until one is 217 or more.
    Returns (factor, draws used)."""
    for used, byte in enumerate(draws, 1):
        rotated = (byte >> 1) | ((byte & 1) << 7)
        if rotated >= RANDOM_FACTOR_MIN:
            return rotated, used
    raise ValueError("no draw gave a random factor of 217 or more")


def vary(damage: int, factor: int) -> int:
    """damage·factor/255, left alone when below 2."""
    if damage < 2:
        return damage
    return damage * factor // 255


def damage(
    attacker_level: int,
    move: int,
    attack: int,
    defense: int,
    attacker_types: tuple[Type, Type],
    defender_types: tuple[Type, Type],
    critical: bool,
    factor: int,
) -> int:
    """The damage of a hit (before it is taken off the defender's HP): `attack`/`defense` are the stats the hit
    uses (special ones for a special type), already under their stages."""
    data = MOVES[move]
    if data.power == 0:
        return 0
    value = base_damage(attacker_level, data.power, attack, defense, critical)
    value = apply_stab_and_types(value, data.type in attacker_types, type_multipliers(data.type, defender_types))
    return vary(value, factor)


def uses_special(move: int) -> bool:
    """True when the move hits with special attack and special defense."""
    return is_special(MOVES[move].type)


def critical_chance(move: int) -> int:
    """The byte a random byte must be below for a critical hit with `move`."""
    return HIGH_CRIT_CHANCE if move in HIGH_CRIT_MOVES else CRIT_CHANCE


# ----------------------------------------------------------------------------------------- accuracy
def effective_accuracy(accuracy_byte: int, accuracy_stage: int, evasion_stage: int) -> int:
    """The move's accuracy byte under the user's accuracy stage and the target's evasion stage (the evasion's
    stage read mirrored, 14 − stage), each step at least 1, at most 255."""
    value = accuracy_byte
    for stage in (accuracy_stage, 14 - evasion_stage):
        num, den = ACCURACY_STAGE_RATIOS[stage - 1]
        value = max(1, value * num // den)
    return min(value, 255)


def hits(accuracy: int, draw: int) -> bool:
    """A move of accuracy byte 255 never misses; otherwise it hits when the draw is below the accuracy."""
    return accuracy == 255 or draw < accuracy


# ----------------------------------------------------------------------------------------- experience
def exp_gain(base_exp: int, enemy_level: int, trainer: bool, participants: int = 1) -> int:
    """Experience each participant gains: (base exp / participants)·level/7, ×1.5 in a trainer battle."""
    gained = (base_exp // participants) * enemy_level // 7
    if trainer:
        gained += gained // 2
    return gained


# ----------------------------------------------------------------------------------------- catching, fleeing
def catch_threshold(catch_rate: int, hp: int, max_hp: int, status: int) -> int:
    """The byte a ball's random byte must not exceed to catch (Crystal's formula with a Poké Ball):
    rate·(3·max HP − 2·HP)/(3·max HP), both sides divided by 4 when 3·max HP passes a byte, at least 1,
    + 10 when asleep or frozen, at most 255."""
    three_max, two_hp = 3 * max_hp, 2 * hp
    if three_max > 255:
        three_max //= 4
        two_hp = max(1, two_hp // 4)
    three_max &= 0xFFFF
    final = catch_rate * ((three_max - two_hp) & 0xFF) // (three_max & 0xFF)
    final = max(1, final & 0xFF)
    if status & 0b00100111:
        final = min(255, final + 10)
    return final


def caught(threshold: int, draw: int) -> bool:
    """The ball holds when its draw is at most the threshold."""
    return draw <= threshold


def flee_succeeds(player_speed: int, enemy_speed: int, attempts: int, draw: int) -> bool:
    """Running from a wild battle (attempts counts this one): faster always escapes; otherwise
    speed·32/((enemy speed/4) mod 256) + 30 per earlier attempt, compared with a random byte."""
    if player_speed >= enemy_speed:
        return True
    divisor = (enemy_speed // 4) & 0xFF
    if divisor == 0:
        return True
    odds = (player_speed * 32 & 0xFFFF) // divisor
    if odds > 255:
        return True
    odds += 30 * (attempts - 1)
    if odds > 255:
        return True
    return odds >= draw


def multi_hit_count(first: int, second: int | None = None) -> int:
    """Hits of a 2-5 hit move: two random bits; a 2 or 3 takes a second pair: 2 and 3 hits 3/8 each, 4 and 5 1/8."""
    bits = first & 3
    if bits >= 2:
        if second is None:
            raise ValueError("a first draw of 2 or 3 needs a second draw")
        bits = second & 3
    return bits + 2
