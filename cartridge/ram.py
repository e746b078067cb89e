"""Named addresses used by the demo cartridge.

The cartridge is a separate program from the project's RAM reader, so it keeps its own
table: Pokémon Crystal's addresses (everything the reader looks at must be *there*, in
the same format), the Game Boy Color hardware registers, and the cartridge's private
variables, which live in HRAM and in a corner of WRAM0 that Crystal's map does not name.
"""

from __future__ import annotations

# --------------------------------------------------------------------- hardware registers
P1 = 0xFF00
IF = 0xFF0F
LCDC = 0xFF40
STAT = 0xFF41
SCY = 0xFF42
SCX = 0xFF43
LY = 0xFF44
WY = 0xFF4A
WX = 0xFF4B
VBK = 0xFF4F
BCPS = 0xFF68
BCPD = 0xFF69
OCPS = 0xFF6A
OCPD = 0xFF6B
SVBK = 0xFF70
IE = 0xFFFF

# MBC3 registers (writes into the ROM area)
MBC_RAM_ENABLE = 0x0000
MBC_RAM_BANK = 0x4000
MBC_LATCH = 0x6000
MBC_SRAM = 0xA000
RTC_HOURS = 0x0A

VRAM_TILES = 0x8000
BG_MAP = 0x9800
WINDOW_MAP = 0x9C00
OAM = 0xFE00

# --------------------------------------------------------------------- Crystal, WRAM0
wTilemap = 0xC4A0  # 20x18 tile ids of the screen (a mirror here: see mirror.py)
wOverworldMapBlocks = 0xC800
wBattleMonSpecies = 0xC62C
wBattleMonLevel = 0xC639
wBattleMonHP = 0xC63C
wBattleMonMaxHP = 0xC63E
wWindowStackSize = 0xCF78
wJoypadDisable = 0xCFBE

# --------------------------------------------------------------------- Crystal, WRAM bank 1
wStateFlags = 0xD0ED
TEXT_BOX_BIT = 6
wMapBorderBlock = 0xD19D  # then wMapHeight, wMapWidth
wMapScriptsBank = 0xD1A3
wMapConnections = 0xD1A8
wTilesetCollisionBank = 0xD1DF  # then wTilesetCollisionAddress (2 B little-endian)
wEnemyMonSpecies = 0xD206
wEnemyMonLevel = 0xD213
wEnemyMonHP = 0xD216
wEnemyMonMaxHP = 0xD218
wBattleMode = 0xD22D
wBattleType = 0xD230
wTimeOfDay = 0xD269
wMapStatus = 0xD432
wScriptRunning = 0xD438
wPlayerID = 0xD47B
wPlayerName = 0xD47D
wGameTimeHours = 0xD4C4
wGameTimeMinutes = 0xD4C6
wGameTimeSeconds = 0xD4C7
wGameTimeFrames = 0xD4C8
wPlayerDirection = 0xD4DE
wMapObjects = 0xD71E
wObjectMasks = 0xD81E
wMoney = 0xD84E
wJohtoBadges = 0xD857
wPlayerState = 0xD95D
wEventFlags = 0xDA72
wCurMapWarpEventCount = 0xDBFB  # then wCurMapWarpEventsPointer (2 B little-endian)
wStepCount = 0xDC73
wMapGroup = 0xDCB5
wMapNumber = 0xDCB6
wYCoord = 0xDCB7
wXCoord = 0xDCB8
wPartyCount = 0xDCD7
wPartySpecies = 0xDCD8
wPartyMon1 = 0xDCDF
PARTY_MON_SIZE = 0x30
MON_EXP = 0x08
MON_LEVEL = 0x1F
MON_STATUS = 0x20
MON_HP = 0x22
MON_MAXHP = 0x24
wPartyMon1Exp = wPartyMon1 + MON_EXP
wPartyMon1Level = wPartyMon1 + MON_LEVEL
wPartyMon1Status = wPartyMon1 + MON_STATUS
wPartyMon1HP = wPartyMon1 + MON_HP
wPartyMon1MaxHP = wPartyMon1 + MON_MAXHP
wPokedexCaught = 0xDE99
wPokedexSeen = 0xDEB9

# wMapStatus values
MAPSTATUS_START = 0
MAPSTATUS_ENTER = 1
MAPSTATUS_HANDLE = 2

# wPlayerDirection values (``and 0x0C``)
FACING_DOWN = 0x00
FACING_UP = 0x04
FACING_LEFT = 0x08
FACING_RIGHT = 0x0C

# wBattleMode values
BATTLE_NONE = 0
BATTLE_WILD = 1
BATTLE_TRAINER = 2

# --------------------------------------------------------------------- cartridge-private
STACK_TOP = 0xC100  # stack in WRAM0 C000..C0FF: never behind the switchable D000 window
wCartCells = 0xC100  # current map's cells (10 x 9), page aligned so low byte = index
wCartScratch = 0xC160  # 3-byte big-endian operand for 24-bit adds

# HRAM: state the VBlank stage needs without mapping WRAM bank 1
hJoyHeld = 0xFF80
hJoyPressed = 0xFF81
hJoyLast = 0xFF82
hMode = 0xFF83
hTimer = 0xFF84
hWalkDir = 0xFF85
hFacing = 0xFF86
hSprX = 0xFF87
hSprY = 0xFF88
hMapIndex = 0xFF89
hDrawMap = 0xFF8A
hRedraw = 0xFF8B
hRedrawRow = 0xFF8C
hRedrawCol = 0xFF8D
hWindow = 0xFF8E
hAfterText = 0xFF8F
hGrassSteps = 0xFF90
hWildIndex = 0xFF91
hVBlank = 0xFF92
hBootMagic = 0xFF93
hTemp = 0xFF94
hScratchCounter = 0xFF95

BOOT_MAGIC = 0xC5
