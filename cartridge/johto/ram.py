"""The Johto world's RAM: Crystal's variables at Crystal's addresses, and the regions that are the engine's own.

Every variable Crystal has is kept at its address (``pokecrystal.sym``; 1.0 and 1.1 agree for
WRAM) with Crystal's layout, so the project's readers need nothing of their own for this world.
``CRYSTAL`` lists the ones this program uses; ``tests/cartridge/test_johto_ram.py`` checks each
against an excerpt of the symbol file (``tests/cartridge/data/crystal.sym``).

What Crystal does not have -- the engine's scratch -- lives only in ``OWN_REGIONS``: places where
Crystal keeps nothing the project reads (its audio engine's WRAM0, unused high RAM, WRAM banks the
readers never look at). The battle branch allocates its scratch inside ``BATTLE_SCRATCH`` only.

D000-DFFF is WRAM bank 1 while the game runs its logic; ``delay_frame`` waits with bank 6 mapped
(as Crystal does while a text box opens), so a reader must ask for bank 1 explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------- hardware registers
P1 = 0xFF00
DIV = 0xFF04
IF = 0xFF0F
LCDC = 0xFF40
STAT = 0xFF41
SCY = 0xFF42
SCX = 0xFF43
LY = 0xFF44
DMA = 0xFF46
WY = 0xFF4A
WX = 0xFF4B
KEY1 = 0xFF4D
VBK = 0xFF4F
HDMA1, HDMA2, HDMA3, HDMA4, HDMA5 = range(0xFF51, 0xFF56)
BCPS = 0xFF68
BCPD = 0xFF69
OCPS = 0xFF6A
OCPD = 0xFF6B
SVBK = 0xFF70
IE = 0xFFFF

MBC_RAM_ENABLE = 0x0000
MBC_ROM_BANK = 0x2000
MBC_RAM_BANK = 0x4000
MBC_LATCH = 0x6000
MBC_SRAM = 0xA000
RTC_HOURS = 0x0A

OAM = 0xFE00
BG_MAP = 0x9800
WINDOW_MAP = 0x9C00


@dataclass(frozen=True)
class Var:
    """One variable of Crystal's: its WRAM bank (0 for WRAM0 and HRAM), address and size in bytes."""

    name: str
    bank: int
    addr: int
    size: int = 1

    @property
    def end(self) -> int:
        """The address after its last byte."""
        return self.addr + self.size


_VARS = (
    # HRAM
    Var("hTransferShadowOAM", 0, 0xFF80, 10),
    Var("hTempBank", 0, 0xFF8B),
    Var("hVBlankCounter", 0, 0xFF9B),
    Var("hROMBank", 0, 0xFF9D),
    Var("hJoyPressed", 0, 0xFFA7),
    Var("hJoyDown", 0, 0xFFA8),
    Var("hJoyLast", 0, 0xFFA9),
    Var("hSCX", 0, 0xFFCF),
    Var("hSCY", 0, 0xFFD0),
    Var("hWX", 0, 0xFFD1),
    Var("hWY", 0, 0xFFD2),
    Var("hBGMapMode", 0, 0xFFD4),
    Var("hOAMUpdate", 0, 0xFFD8),
    Var("hRandomAdd", 0, 0xFFE1),
    Var("hRandomSub", 0, 0xFFE2),
    Var("hCGBPalUpdate", 0, 0xFFE5),
    # WRAM0
    Var("wStackBottom", 0, 0xC000, 0x100),
    Var("wShadowOAM", 0, 0xC400, 0xA0),
    Var("wTilemap", 0, 0xC4A0, 20 * 18),
    Var("wOverworldMapBlocks", 0, 0xC800, 1300),
    Var("wAttrmap", 0, 0xCDD9, 20 * 18),
    Var("wWindowStackPointer", 0, 0xCF71, 2),
    Var("wMenuJoypad", 0, 0xCF73),
    Var("wMenuSelection", 0, 0xCF74),
    Var("wWindowStackSize", 0, 0xCF78),
    Var("wMenuBorderTopCoord", 0, 0xCF82),
    Var("wMenuBorderLeftCoord", 0, 0xCF83),
    Var("wMenuBorderBottomCoord", 0, 0xCF84),
    Var("wMenuBorderRightCoord", 0, 0xCF85),
    Var("w2DMenuCursorInitY", 0, 0xCFA1),
    Var("w2DMenuNumRows", 0, 0xCFA3),
    Var("wMenuCursorY", 0, 0xCFA9),
    Var("wMenuCursorX", 0, 0xCFAA),
    Var("wJoypadDisable", 0, 0xCFBE),
    Var("wScriptVar", 0, 0xC2DD),
    # WRAM bank 1
    Var("wStateFlags", 1, 0xD0ED),
    Var("wBattleResult", 1, 0xD0EE),
    Var("wCurPartyLevel", 1, 0xD143),
    Var("wBattleMode", 1, 0xD22D),
    Var("wTempWildMonSpecies", 1, 0xD22E),
    Var("wOtherTrainerClass", 1, 0xD22F),
    Var("wBattleType", 1, 0xD230),
    Var("wOtherTrainerID", 1, 0xD231),
    Var("wTimeOfDay", 1, 0xD269),
    Var("wMapBorderBlock", 1, 0xD19D),
    Var("wMapHeight", 1, 0xD19E),
    Var("wMapWidth", 1, 0xD19F),
    Var("wMapScriptsBank", 1, 0xD1A3),
    Var("wMapConnections", 1, 0xD1A8),
    Var("wNorthMapConnection", 1, 0xD1A9, 12),
    Var("wTilesetCollisionBank", 1, 0xD1DF),
    Var("wTilesetCollisionAddress", 1, 0xD1E0, 2),
    Var("wMapStatus", 1, 0xD432),
    Var("wScriptRunning", 1, 0xD438),
    Var("wScriptBank", 1, 0xD439),
    Var("wScriptPos", 1, 0xD43A, 2),
    Var("wPlayerID", 1, 0xD47B, 2),
    Var("wPlayerName", 1, 0xD47D, 11),
    Var("wRivalName", 1, 0xD493, 11),
    Var("wGameTimeHours", 1, 0xD4C4, 2),
    Var("wGameTimeMinutes", 1, 0xD4C6),
    Var("wGameTimeSeconds", 1, 0xD4C7),
    Var("wGameTimeFrames", 1, 0xD4C8),
    Var("wObjectStructs", 1, 0xD4D6, 13 * 0x28),
    Var("wPlayerDirection", 1, 0xD4DE),
    Var("wMapObjects", 1, 0xD71E, 16 * 16),
    Var("wObjectMasks", 1, 0xD81E, 16),
    Var("wMoney", 1, 0xD84E, 3),
    Var("wJohtoBadges", 1, 0xD857),
    Var("wNumItems", 1, 0xD892),
    Var("wItems", 1, 0xD893, 41),
    Var("wNumKeyItems", 1, 0xD8BC),
    Var("wKeyItems", 1, 0xD8BD, 26),
    Var("wNumBalls", 1, 0xD8D7),
    Var("wBalls", 1, 0xD8D8, 25),
    Var("wEventFlags", 1, 0xDA72, 0x100),
    Var("wCurMapWarpEventCount", 1, 0xDBFB),
    Var("wCurMapWarpEventsPointer", 1, 0xDBFC, 2),
    Var("wStepCount", 1, 0xDC73),
    Var("wLastSpawnMapGroup", 1, 0xDCB2),
    Var("wLastSpawnMapNumber", 1, 0xDCB3),
    Var("wMapGroup", 1, 0xDCB5),
    Var("wMapNumber", 1, 0xDCB6),
    Var("wYCoord", 1, 0xDCB7),
    Var("wXCoord", 1, 0xDCB8),
    Var("wPartyCount", 1, 0xDCD7),
    Var("wPartySpecies", 1, 0xDCD8, 7),
    Var("wPartyMon1", 1, 0xDCDF, 0x30),
    Var("wPartyMonOTs", 1, 0xDDFF, 6 * 11),
    Var("wPartyMonNicknames", 1, 0xDE41, 6 * 11),
    Var("wPokedexCaught", 1, 0xDE99, 32),
    Var("wPokedexSeen", 1, 0xDEB9, 32),
    # WRAM banks 5 and 7 (Crystal's palettes and window stack)
    Var("wBGPals2", 5, 0xD080, 0x40),
    Var("wOBPals2", 5, 0xD0C0, 0x40),
    Var("wWindowStack", 7, 0xD000, 0x1000),
    # the battle's (cartridge/johto/battle/)
    Var("wEnemyMoveStruct", 0, 0xC608, 7),
    Var("wPlayerMoveStruct", 0, 0xC60F, 7),
    Var("wEnemyMonNickname", 0, 0xC616, 11),
    Var("wBattleMonNickname", 0, 0xC621, 11),
    Var("wBattleMon", 0, 0xC62C, 0x20),
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
    Var("wStringBuffer1", 1, 0xD073, 0x13),
    Var("wBattleMenuCursorPosition", 1, 0xD0D2),
    Var("wCurBattleMon", 1, 0xD0D4),
    Var("wCurMoveNum", 1, 0xD0D5),
    Var("wPartyMenuCursor", 1, 0xD0D8),
    Var("wCurItem", 1, 0xD106),
    Var("wCurPartySpecies", 1, 0xD108),
    Var("wCurPartyMon", 1, 0xD109),
    Var("wEnemyMon", 1, 0xD206, 0x20),
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
    Var("wTrainerClass", 1, 0xD233),
    Var("wCurDamage", 1, 0xD256, 2),
    Var("wNumFleeAttempts", 1, 0xD267),
    Var("wOTPlayerName", 1, 0xD26B, 11),
    Var("wOTPartyCount", 1, 0xD280),
    Var("wOTPartySpecies", 1, 0xD281, 7),
    Var("wOTPartyMons", 1, 0xD288, 0x120),
    Var("wOTPartyMonNicknames", 1, 0xD3EA, 0x42),
    Var("wPartyMons", 1, 0xDCDF, 0x120),
)

CRYSTAL: dict[str, Var] = {v.name: v for v in _VARS}
"""Crystal's variables this program uses (the engine's and the battle's), by name: one table, checked once."""


def addr(name: str) -> int:
    """The address of Crystal's variable ``name`` (KeyError names it when it is not in the table)."""
    return CRYSTAL[name].addr


# --------------------------------------------------------------------- the engine's own regions
@dataclass(frozen=True)
class Region:
    """A range of RAM that is the engine's own: [start, end) in WRAM bank ``bank`` (0: WRAM0 or HRAM)."""

    name: str
    bank: int
    start: int
    end: int
    why: str


STACK_TOP = 0xC100
"""The stack grows down from here through Crystal's own wStack (C000-C0FF)."""
BATTLE_SCRATCH = Region("battle scratch", 0, 0xC100, 0xC200, "the battle's own variables (Crystal's audio RAM)")
WORLD_SCRATCH = Region("world scratch", 0, 0xC200, 0xC2D0, "the engine's own variables (Crystal's audio and link RAM)")
KERNEL_HRAM = Region("kernel HRAM", 0, 0xFFF0, 0xFFFF, "the kernel's temporaries (unused by Crystal)")
BG_BUFFER = Region(
    "BG map buffer", 3, 0xD000, 0xD800, "the 32x24 tile ids (D000) and attributes (D400) the VBlank copies"
)
DECOY_BANKS = (2, 4, 6)
"""Filled with their own non-zero bytes at power-on: an unbanked read of D000-DFFF while one is mapped is wrong."""
WAIT_BANK = 6
"""Mapped while ``delay_frame`` waits (Crystal's scratch bank)."""

OWN_REGIONS = (BATTLE_SCRATCH, WORLD_SCRATCH, KERNEL_HRAM, BG_BUFFER)

# kernel HRAM temporaries
hTempA = 0xFFF0
hTempCarry = 0xFFF1
hTextLine = 0xFFF2  # 2 B: where the current line of place_string began
hTilesLeft = 0xFFF4  # request_2bpp: tiles still to copy (0: none pending)
hTilesSource = 0xFFF5  # 2 B
hTilesDest = 0xFFF7  # 2 B
hTilesVBK = 0xFFF9
hMenuPointer = 0xFFFA  # 2 B: the menu description being run
hSavedBank = 0xFFFC
hBootMagic = 0xFFFD  # BOOT_MAGIC once the new game is set up: RAM before power-on proves nothing
BOOT_MAGIC = 0x4A

BG_TILES = 0xD000
BG_ATTRS = 0xD400
BG_STRIDE = 32
BG_ROWS = 24

# the engine's own variables (WORLD_SCRATCH), allocated in order
_OWN = (
    ("wMapIndex", 1, "the current map's place in the ROM's map table"),
    ("wViewX", 1, "the map step at column 0 of the BG buffer (signed)"),
    ("wViewY", 1, "the map step at row 0 of the BG buffer (signed)"),
    ("wWalkFrames", 1, "frames left of the player's step"),
    ("wWalkDir", 1, "0 down, 1 up, 2 left, 3 right"),
    ("wHeader", 2, "the current map's header in the map bank"),
    ("wTalkObject", 1, "the map object a script talks for (0: none)"),
    ("wSpawnMap", 1, "where a loss sends the player: map index"),
    ("wSpawnX", 1, ""),
    ("wSpawnY", 1, ""),
    ("wComposeRow", 1, "compose_view's loop state"),
    ("wComposeCol", 1, ""),
    ("wRowPointer", 2, ""),
    ("wBufferPointer", 2, ""),
    ("wComposeY", 1, ""),
    ("wComposeX", 1, ""),
    ("wCanLose", 1, "the running battle may be lost without a whiteout"),
    ("wMoveObject", 1, "the object a walk moves (0: the player)"),
    ("wMovePointer", 2, "the walk's next step"),
    ("wTemp", 8, "scratch for one routine at a time"),
    ("wSightObject", 1, "the trainer that saw the player"),
    ("wSightSteps", 1, "its steps to the player"),
    ("wStepDir", 1, "the direction of the step being taken"),
    ("wJumping", 1, "the current step is the first half of a ledge jump"),
    ("wObjectFrames", 13, "frames left of each object's step"),
    ("wObjectDir", 13, "each object's step direction"),
    ("wListCount", 1, "PACK / POKéMON lists"),
    ("wBlockStride", 1, "wMapWidth + 6, in WRAM0 so the lookups work with any WRAM bank mapped"),
)
_address = WORLD_SCRATCH.start
OWN: dict[str, int] = {}
for _name, _size, _why in _OWN:
    OWN[_name] = _address
    _address += _size
if _address > WORLD_SCRATCH.end:
    raise ValueError(f"the engine's variables need {_address - WORLD_SCRATCH.start} bytes; world scratch is smaller")


def own(name: str) -> int:
    """The address of the engine's own variable ``name``."""
    return OWN[name]


# --------------------------------------------------------------------- values

MAPSTATUS_START, MAPSTATUS_ENTER, MAPSTATUS_HANDLE = 0, 1, 2
TEXT_BOX_BIT = 6
"""wStateFlags bit 6: a text box or the START menu is open."""
BATTLE_NONE, BATTLE_WILD, BATTLE_TRAINER = 0, 1, 2
RESULT_WIN, RESULT_LOSE, RESULT_DRAW = 0, 1, 2
RESULT_CAUGHT_BIT = 6

# hJoyPressed / hJoyDown bits (Crystal's)
BTN_A, BTN_B, BTN_SELECT, BTN_START, BTN_RIGHT, BTN_LEFT, BTN_UP, BTN_DOWN = range(8)
