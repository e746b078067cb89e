"""The walkthrough's choices in a battle: which screen is open, which move hits hardest, a Potion when it is worth it.

A battle waits for the player on four screens (`battle/menus.py`), each drawn in `wTilemap` where Crystal
draws it: the battle menu (FIGHT / PKMN / PACK / RUN, cursor `wBattleMenuCursorPosition`), the move list
(cursor `wMenuCursorY`, the type and PP of the move under it in a box at (0, 8)), the pack and the party
list (a Potion's target); everything else is a message that A closes. Which screen is open is read
from the words on it, as a player reads it, and the choice from the battle structs
(`wBattleMon` C62C, `wEnemyMon` D206: moves, PP, level, stats under their stages, types) and the stat
stages (`wPlayerStatLevels`, `wEnemyStatLevels`), with the creatures' data of `pokedata`: the move with
the best expected damage (the damage formula of `battle/model.py` at an average random factor, times the
hits of a multi-hit move, capped at the enemy's HP, times the chance to hit), among those with PP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cartridge.johto import charmap as ch
from cartridge.johto.battle import model
from cartridge.johto.battle import ram as br
from cartridge.johto.battle.menus import BATTLE_MENU_SPOTS
from cartridge.johto.pokedata import MOVES, Effect, Type, is_special
from cartridge.johto.pokedata.items import POTION, POTION_HEAL

AVERAGE_FACTOR = (model.RANDOM_FACTOR_MIN + 255) // 2
MULTI_HIT_AVERAGE = 3
FIGHT, PKMN, PACK, RUN = 1, 2, 3, 4
ATTACK, DEFENSE, SPEED, SP_ATK, SP_DEF, ACCURACY, EVASION = range(7)
"""Indices into the stat stage lists (`wPlayerStatLevels` / `wEnemyStatLevels`)."""
STAT_OFFSETS = {ATTACK: br.BS_ATK, DEFENSE: br.BS_ATK + 2, SP_ATK: br.BS_ATK + 6, SP_DEF: br.BS_ATK + 8}
"""A battle struct's stats (already under their stages, as Crystal keeps them)."""
MOVE_LIST_ROW, MOVE_CURSOR_COLUMN = 13, 5
"""The move list's first row and its cursor's column (`battle/menus.py`)."""
POTION_BELOW = 0.3
"""In a trainer's battle, a Potion when the creature out has less than this share of its HP left."""
RUN_BELOW = 0.25
"""In a wild battle, RUN when the creature out has less than this share of its HP left and cannot end it now."""


class Memory(Protocol):
    def __getitem__(self, key: tuple[int, int]) -> int: ...


def _var(name: str) -> br.Var:
    return br.CRYSTAL[name]


def _u8(memory: Memory, name: str, offset: int = 0) -> int:
    var = _var(name)
    return memory[var.bank, var.addr + offset]


def _u16(memory: Memory, name: str, offset: int = 0) -> int:
    return _u8(memory, name, offset) << 8 | _u8(memory, name, offset + 1)


def _text_at(memory: Memory, x: int, y: int, text: str) -> bool:
    """The screen shows ``text`` from (x, y)."""
    start = _var("wTilemap").addr + y * 20 + x
    return all(memory[0, start + i] == code for i, code in enumerate(ch.encode(text)[:-1]))


@dataclass(frozen=True)
class Side:
    """One creature in battle as its struct and stages say."""

    level: int
    hp: int
    max_hp: int
    types: tuple[Type, Type]
    stats: dict[int, int]
    stages: tuple[int, ...]

    @classmethod
    def read(cls, memory: Memory, struct: str, stages: str) -> Side:
        return cls(
            level=_u8(memory, struct, br.BS_LEVEL),
            hp=_u16(memory, struct, br.BS_HP),
            max_hp=_u16(memory, struct, br.BS_MAXHP),
            types=(Type(_u8(memory, struct, br.BS_TYPE)), Type(_u8(memory, struct, br.BS_TYPE + 1))),
            stats={stat: _u16(memory, struct, offset) for stat, offset in STAT_OFFSETS.items()},
            stages=tuple(_u8(memory, stages, i) or model.NEUTRAL_STAGE for i in range(7)),
        )


def expected_damage(move: int, user: Side, target: Side) -> float:
    """What ``move`` takes off ``target`` on average: damage at an average factor, hits, capped, times accuracy."""
    data = MOVES[move]
    if data.power == 0:
        return 0.0
    if data.effect is Effect.LEVEL_DAMAGE:
        damage = user.level
    else:
        special = is_special(data.type)
        attack = user.stats[SP_ATK if special else ATTACK]
        defense = target.stats[SP_DEF if special else DEFENSE]
        damage = model.damage(user.level, move, attack, defense, user.types, target.types, False, AVERAGE_FACTOR)
        if data.effect is Effect.MULTI_HIT:
            damage *= MULTI_HIT_AVERAGE
    accuracy = model.effective_accuracy(data.accuracy_byte, user.stages[ACCURACY], target.stages[EVASION])
    chance = 1.0 if accuracy == 255 else accuracy / 256
    return min(damage, target.hp) * chance


def best_move(memory: Memory) -> int | None:
    """The slot (0-3) of the move with PP left that should hurt the enemy most; a move without power when no
    damaging move has PP; None when no move has PP (the battle then STRUGGLEs by itself)."""
    user = Side.read(memory, "wBattleMon", "wPlayerStatLevels")
    target = Side.read(memory, "wEnemyMon", "wEnemyStatLevels")
    best: tuple[float, int] | None = None
    for slot in range(4):
        move = _u8(memory, "wBattleMonMoves", slot)
        if move not in MOVES or not _u8(memory, "wBattleMonPP", slot) & 0x3F:
            continue
        score = expected_damage(move, user, target)
        if best is None or score > best[0]:
            best = (score, slot)
    return None if best is None else best[1]


def _potions(memory: Memory) -> int:
    for i in range(_u8(memory, "wNumItems")):
        if _u8(memory, "wItems", 2 * i) == POTION:
            return _u8(memory, "wItems", 2 * i + 1)
    return 0


def wants_potion(memory: Memory) -> bool:
    """A trainer's battle (no running), a Potion in the bag, the creature out low, and the enemy not one
    expected hit from fainting: healing now wins more battles than hitting."""
    if _u8(memory, "wBattleMode") != br.BATTLE_TRAINER or not _potions(memory):
        return False
    user = Side.read(memory, "wBattleMon", "wPlayerStatLevels")
    if not user.hp or user.hp >= POTION_BELOW * user.max_hp or user.max_hp - user.hp < POTION_HEAL // 2:
        return False
    target = Side.read(memory, "wEnemyMon", "wEnemyStatLevels")
    slot = best_move(memory)
    if slot is None:
        return True
    return expected_damage(_u8(memory, "wBattleMonMoves", slot), user, target) < target.hp


def wants_to_run(memory: Memory) -> bool:
    """A wild battle that is not worth it: no move can hurt the enemy, or the creature out is low and its best
    move is not expected to end the battle now."""
    if _u8(memory, "wBattleMode") != br.BATTLE_WILD:
        return False
    user = Side.read(memory, "wBattleMon", "wPlayerStatLevels")
    target = Side.read(memory, "wEnemyMon", "wEnemyStatLevels")
    slot = best_move(memory)
    damage = 0.0 if slot is None else expected_damage(_u8(memory, "wBattleMonMoves", slot), user, target)
    return damage == 0 or (user.hp < RUN_BELOW * user.max_hp and damage < target.hp)


def _toward(cursor: int, target: int) -> str:
    return "down" if target > cursor else "up"


def battle_button(memory: Memory) -> str:
    """The press for the battle screen now."""
    if _text_at(memory, BATTLE_MENU_SPOTS[0][0] + 1, BATTLE_MENU_SPOTS[0][1], "FIGHT"):
        want = PACK if wants_potion(memory) else RUN if wants_to_run(memory) else FIGHT
        here = _u8(memory, "wBattleMenuCursorPosition")
        if here == want:
            return "a"
        here_col, here_row, want_col, want_row = (here - 1) & 1, (here - 1) >> 1, (want - 1) & 1, (want - 1) >> 1
        if here_row != want_row:
            return "down" if want_row > here_row else "up"
        return "right" if want_col > here_col else "left"
    if _text_at(memory, 1, 9, "TYPE/"):  # the move list, the box of the move under the cursor
        slot = best_move(memory)
        cursor = _u8(memory, "wMenuCursorY")
        if slot is None or cursor == slot + 1:
            return "a"
        return _toward(cursor, slot + 1)
    if _text_at(memory, 7, 2, "POTION"):  # the pack: the Potion is its first usable item
        cursor = _u8(memory, "wMenuCursorY")
        return "a" if cursor == 1 else "up"
    if _text_at(memory, 1, 14, "Use on which"):  # the Potion's target: the creature out
        cursor = _u8(memory, "wMenuCursorY")
        want = _u8(memory, "wCurBattleMon") + 1
        return "a" if cursor == want else _toward(cursor, want)
    return "a"
