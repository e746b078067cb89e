"""The battle's RAM: Crystal's variables at Crystal's addresses, and the battle's own scratch in C100-C1FF.

Every variable Crystal has keeps its address and layout, in the world's one table
(`cartridge/johto/ram.py`'s `CRYSTAL`, checked against the symbol file there), so a reader built for
Crystal reads a battle of this world as it reads the game's. What Crystal does not have lives in `SCRATCH`,
inside the region the world reserves for the battle (WRAM0 C100-C1FF, Crystal's audio RAM), and nowhere else.

D000-DFFF is WRAM bank 1 while the battle runs its logic (the kernel's `delay_frame` maps it back).
"""

from __future__ import annotations

from cartridge.johto.ram import (  # one table of Crystal's variables for the whole world; re-exported here
    BATTLE_SCRATCH,
    CRYSTAL,
    RESULT_CAUGHT_BIT,
    RESULT_DRAW,
    RESULT_LOSE,
    RESULT_WIN,
    Var,
)

__all__ = ["CRYSTAL", "RESULT_CAUGHT_BIT", "RESULT_DRAW", "RESULT_LOSE", "RESULT_WIN", "SCRATCH", "Var", "addr"]


BATTLE_STRUCT_LENGTH = 0x20
PARTYMON_STRUCT_LENGTH = 0x30
NAME_LENGTH = 11
PARTY_LENGTH = 6


def addr(name: str) -> int:
    """The address of a variable of `CRYSTAL` or `SCRATCH` (a KeyError names an unknown one)."""
    return CRYSTAL[name].addr if name in CRYSTAL else SCRATCH[name].addr


# party and battle struct offsets (Crystal's `MON_*` and battle_struct)
MON_SPECIES, MON_ITEM, MON_MOVES, MON_ID, MON_EXP, MON_STAT_EXP = 0x00, 0x01, 0x02, 0x06, 0x08, 0x0B
MON_DVS, MON_PP, MON_HAPPINESS, MON_POKERUS, MON_CAUGHT, MON_LEVEL = 0x15, 0x17, 0x1B, 0x1C, 0x1D, 0x1F
MON_STATUS, MON_HP, MON_MAXHP, MON_ATK = 0x20, 0x22, 0x24, 0x26
BS_SPECIES, BS_ITEM, BS_MOVES, BS_DVS, BS_PP, BS_HAPPINESS, BS_LEVEL = 0x00, 0x01, 0x02, 0x06, 0x08, 0x0C, 0x0D
BS_STATUS, BS_HP, BS_MAXHP, BS_ATK, BS_TYPE = 0x0E, 0x10, 0x12, 0x14, 0x1E
MOVE_ANIM, MOVE_EFFECT, MOVE_POWER, MOVE_TYPE, MOVE_ACC, MOVE_PP, MOVE_CHANCE = range(7)

# status byte (Crystal's): sleep counter in bits 0-2, then poison, burn, freeze, paralysis
SLP_MASK, PSN, BRN, FRZ, PAR = 0x07, 3, 4, 5, 6

BATTLE_WILD, BATTLE_TRAINER = 1, 2

SCRATCH_START, SCRATCH_END = BATTLE_SCRATCH.start, BATTLE_SCRATCH.end


def _scratch(*fields: tuple[str, int]) -> dict[str, Var]:
    table: dict[str, Var] = {}
    address = SCRATCH_START
    for name, size in fields:
        table[name] = Var(name, 0, address, size)
        address += size
    if address > SCRATCH_END:
        raise ValueError(f"the battle's scratch needs {address - SCRATCH_START} bytes, more than C100-C1FF")
    return table


SCRATCH: dict[str, Var] = _scratch(
    ("wBtMath", 4),  # the 32-bit accumulator of multiply / divide (big-endian)
    ("wBtMathRemainder", 1),
    ("wBtTurn", 1),  # 0: the player's creature acts, 1: the enemy's
    ("wBtPlayerAction", 1),  # 0 move, 1 switch, 2 item, 3 run failed
    ("wBtFirst", 1),  # 0: the player's creature acts first this turn, 1: the enemy's
    ("wBtFlinch", 1),  # set when the side acting second flinched
    ("wBtHits", 1),  # hits of the current move
    ("wBtHitsDone", 1),
    ("wBtEffectiveness", 1),  # the matchup of the last hit, out of 10 per type (10 neutral)
    ("wBtDamageDealt", 2),  # the last hit's damage actually taken off (big-endian)
    ("wBtLogCritDraw", 1),  # the random bytes the last hit drew, for tests against the model
    ("wBtLogFactor", 1),
    ("wBtLogAccuracyDraw", 1),
    ("wBtLogAccuracy", 1),  # the accuracy byte it was compared with (after stages)
    ("wBtLogChanceDraw", 1),
    ("wBtLogCatchDraw", 1),
    ("wBtLogCatchThreshold", 1),
    ("wBtLogFleeDraw", 1),
    ("wBtTurns", 2),  # turns fought this battle
    ("wBtNumber", 3),  # a number for the text printer (big-endian)
    ("wBtTextCursor", 2),  # where the printer writes next
    ("wBtTextLine", 1),  # 0: first line of the box, 1: second
    ("wBtStat", 1),  # the stat a stat move changes (index into the stat names)
    ("wBtItemName", 2),  # pointer to the item name for <ITEM>
    ("wBtMenuRows", 1),  # rows of the list menu being run
    ("wBtMenuTop", 1),  # its first row on screen
    ("wBtMenuLeft", 1),  # the cursor's column
    ("wBtMenuStep", 1),  # rows between items
    ("wBtPartyMode", 1),  # 0 switch (B backs out), 1 forced switch, 2 item target
    ("wBtExpEach", 3),  # experience each participant gains
    ("wBtLevelTarget", 1),
    ("wBtNewMove", 1),
    ("wBtSawParticipants", 1),
    ("wBtEnemySlot", 1),  # the move slot the enemy picked
    ("wBtHurt", 1),  # scratch of the end-of-turn damage
    ("wBtLCDC", 1),  # LCDC while the battle switched the screen off to load its tiles
    ("wBtStatsFor", 1),  # whose battle stats are being computed: 0 player, 1 enemy
    ("wBtSpecies", 1),  # the species whose base data is being read
    ("wBtBase", 16),  # its base data row (see data.py)
    ("wBtCalcLevel", 1),  # stat calculation: level
    ("wBtCalcStruct", 2),  # stat calculation: the party struct (stat exp and DVs) or 0
    ("wBtCalcOut", 12),  # stat calculation: the six stats (big-endian)
    ("wBtCalcDVs", 2),
    ("wBtTemp", 8),
    ("wBtCommand", 1),  # the harness's request byte (tests only)
    ("wBtPics", 2),  # the picture bytes of the enemy and of the player's creature (0xFF: none) for the loader
    ("wBtPrizeMoney", 3),
    ("wBtSwitchTarget", 1),
    ("wBtCaughtSlot", 1),
    ("wBtPackRows", 6),  # the pack menu: the bt_items row of each line
)
"""The battle's own variables, laid out from C100 in this order."""
