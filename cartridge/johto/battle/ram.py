"""The battle's RAM: Crystal's variables at Crystal's addresses, and the battle's own scratch in C100-C1FF.

Every variable Crystal has keeps its address and layout (`pokecrystal.sym`; 1.0 and 1.1 agree for
WRAM), so a reader built for Crystal reads a battle of this world as it reads the game's:
`tests/cartridge/test_johto_battle_ram.py` checks each entry of `CRYSTAL` against an excerpt of the
symbol file (`tests/cartridge/data/crystal-battle.sym`). What Crystal does not have lives in `SCRATCH`,
inside the region the world reserves for the battle (WRAM0 C100-C1FF, Crystal's audio RAM), and nowhere else.

D000-DFFF is WRAM bank 1 while the battle runs its logic (the kernel's `delay_frame` maps it back).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Var:
    """One variable: its WRAM bank (0 for WRAM0 and HRAM), address and size in bytes."""

    name: str
    bank: int
    addr: int
    size: int = 1

    @property
    def end(self) -> int:
        """The address after its last byte."""
        return self.addr + self.size


BATTLE_STRUCT_LENGTH = 0x20
PARTYMON_STRUCT_LENGTH = 0x30
NAME_LENGTH = 11
PARTY_LENGTH = 6

_CRYSTAL = (
    # WRAM0
    Var("wShadowOAM", 0, 0xC400, 0xA0),
    Var("wTilemap", 0, 0xC4A0, 20 * 18),
    Var("wEnemyMoveStruct", 0, 0xC608, 7),
    Var("wPlayerMoveStruct", 0, 0xC60F, 7),
    Var("wEnemyMonNickname", 0, 0xC616, NAME_LENGTH),
    Var("wBattleMonNickname", 0, 0xC621, NAME_LENGTH),
    Var("wBattleMon", 0, 0xC62C, BATTLE_STRUCT_LENGTH),
    Var("wBattleMonSpecies", 0, 0xC62C),
    Var("wBattleMonMoves", 0, 0xC62E, 4),
    Var("wBattleMonDVs", 0, 0xC632, 2),
    Var("wBattleMonPP", 0, 0xC634, 4),
    Var("wBattleMonLevel", 0, 0xC639),
    Var("wBattleMonStatus", 0, 0xC63A),
    Var("wBattleMonHP", 0, 0xC63C, 2),
    Var("wBattleMonMaxHP", 0, 0xC63E, 2),
    Var("wBattleMonAttack", 0, 0xC640, 2),
    Var("wBattleMonSpeed", 0, 0xC644, 2),
    Var("wBattleMonType", 0, 0xC64A, 2),
    Var("wCurOTMon", 0, 0xC663),
    Var("wBattleParticipantsNotFainted", 0, 0xC664),
    Var("wTypeModifier", 0, 0xC665),
    Var("wCriticalHit", 0, 0xC666),
    Var("wAttackMissed", 0, 0xC667),
    Var("wPlayerSubStatus1", 0, 0xC668, 5),
    Var("wEnemySubStatus1", 0, 0xC66D, 5),
    Var("wPlayerStats", 0, 0xC6B6, 10),
    Var("wEnemyStats", 0, 0xC6C1, 10),
    Var("wPlayerStatLevels", 0, 0xC6CC, 8),
    Var("wEnemyStatLevels", 0, 0xC6D4, 8),
    Var("wCurPlayerMove", 0, 0xC6E3),
    Var("wCurEnemyMove", 0, 0xC6E4),
    Var("wAttrmap", 0, 0xCDD9, 20 * 18),
    Var("wMenuCursorY", 0, 0xCFA9),
    # WRAM bank 1
    Var("wStringBuffer1", 1, 0xD073, 19),
    Var("wBattleMenuCursorPosition", 1, 0xD0D2),
    Var("wCurBattleMon", 1, 0xD0D4),
    Var("wCurMoveNum", 1, 0xD0D5),
    Var("wPartyMenuCursor", 1, 0xD0D8),
    Var("wBattleResult", 1, 0xD0EE),
    Var("wCurItem", 1, 0xD106),
    Var("wCurPartySpecies", 1, 0xD108),
    Var("wCurPartyMon", 1, 0xD109),
    Var("wCurPartyLevel", 1, 0xD143),
    Var("wEnemyMon", 1, 0xD206, BATTLE_STRUCT_LENGTH),
    Var("wEnemyMonSpecies", 1, 0xD206),
    Var("wEnemyMonMoves", 1, 0xD208, 4),
    Var("wEnemyMonDVs", 1, 0xD20C, 2),
    Var("wEnemyMonPP", 1, 0xD20E, 4),
    Var("wEnemyMonLevel", 1, 0xD213),
    Var("wEnemyMonStatus", 1, 0xD214),
    Var("wEnemyMonHP", 1, 0xD216, 2),
    Var("wEnemyMonMaxHP", 1, 0xD218, 2),
    Var("wEnemyMonType", 1, 0xD224, 2),
    Var("wEnemyMonBaseStats", 1, 0xD226, 5),
    Var("wEnemyMonCatchRate", 1, 0xD22B),
    Var("wEnemyMonBaseExp", 1, 0xD22C),
    Var("wBattleMode", 1, 0xD22D),
    Var("wTempWildMonSpecies", 1, 0xD22E),
    Var("wOtherTrainerClass", 1, 0xD22F),
    Var("wBattleType", 1, 0xD230),
    Var("wOtherTrainerID", 1, 0xD231),
    Var("wTrainerClass", 1, 0xD233),
    Var("wCurDamage", 1, 0xD256, 2),
    Var("wNumFleeAttempts", 1, 0xD267),
    Var("wTimeOfDay", 1, 0xD269),
    Var("wOTPlayerName", 1, 0xD26B, NAME_LENGTH),
    Var("wOTPartyCount", 1, 0xD280),
    Var("wOTPartySpecies", 1, 0xD281, PARTY_LENGTH + 1),
    Var("wOTPartyMons", 1, 0xD288, PARTY_LENGTH * PARTYMON_STRUCT_LENGTH),
    Var("wOTPartyMonNicknames", 1, 0xD3EA, PARTY_LENGTH * NAME_LENGTH),
    Var("wPlayerID", 1, 0xD47B, 2),
    Var("wPlayerName", 1, 0xD47D, NAME_LENGTH),
    Var("wMoney", 1, 0xD84E, 3),
    Var("wNumItems", 1, 0xD892),
    Var("wItems", 1, 0xD893, 41),
    Var("wNumBalls", 1, 0xD8D7),
    Var("wBalls", 1, 0xD8D8, 25),
    Var("wMapGroup", 1, 0xDCB5),
    Var("wMapNumber", 1, 0xDCB6),
    Var("wPartyCount", 1, 0xDCD7),
    Var("wPartySpecies", 1, 0xDCD8, PARTY_LENGTH + 1),
    Var("wPartyMons", 1, 0xDCDF, PARTY_LENGTH * PARTYMON_STRUCT_LENGTH),
    Var("wPartyMonOTs", 1, 0xDDFF, PARTY_LENGTH * NAME_LENGTH),
    Var("wPartyMonNicknames", 1, 0xDE41, PARTY_LENGTH * NAME_LENGTH),
    Var("wPokedexCaught", 1, 0xDE99, 32),
    Var("wPokedexSeen", 1, 0xDEB9, 32),
    # HRAM
    Var("hJoyPressed", 0, 0xFFA7),
    Var("hJoyDown", 0, 0xFFA8),
    Var("hRandomAdd", 0, 0xFFE1),
    Var("hRandomSub", 0, 0xFFE2),
    Var("hSCX", 0, 0xFFCF),
    Var("hSCY", 0, 0xFFD0),
    Var("hWY", 0, 0xFFD2),
    Var("hCGBPalUpdate", 0, 0xFFE5),
    # WRAM bank 5
    Var("wBGPals2", 5, 0xD080, 0x40),
)
CRYSTAL: dict[str, Var] = {v.name: v for v in _CRYSTAL}
"""Crystal's variables the battle uses, by name."""


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
RESULT_WIN, RESULT_LOSE, RESULT_DRAW = 0, 1, 2
RESULT_CAUGHT_BIT = 6

SCRATCH_START, SCRATCH_END = 0xC100, 0xC200


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
