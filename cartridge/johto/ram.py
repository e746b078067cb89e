"""The Johto world's RAM: Crystal's variables at Crystal's addresses, and the regions that are the engine's own.

Every variable Crystal has is kept at its address (``pokecrystal.sym``; 1.0 and 1.1 agree for
WRAM) with Crystal's layout, so the project's readers need nothing of their own for this world.
``CRYSTAL`` lists the ones this program uses; ``tests/cartridge/test_johto_ram.py`` checks each
against an excerpt of the symbol file (``tests/cartridge/data/crystal-world.sym``).

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
    Var("wMapStatus", 1, 0xD432),
    Var("wScriptRunning", 1, 0xD438),
    Var("wPlayerID", 1, 0xD47B, 2),
    Var("wPlayerName", 1, 0xD47D, 11),
    Var("wRivalName", 1, 0xD493, 11),
    Var("wGameTimeHours", 1, 0xD4C4, 2),
    Var("wGameTimeMinutes", 1, 0xD4C6),
    Var("wGameTimeSeconds", 1, 0xD4C7),
    Var("wGameTimeFrames", 1, 0xD4C8),
    Var("wPlayerDirection", 1, 0xD4DE),
    Var("wMoney", 1, 0xD84E, 3),
    Var("wJohtoBadges", 1, 0xD857),
    Var("wPartyCount", 1, 0xDCD7),
    Var("wPartySpecies", 1, 0xDCD8, 7),
    Var("wPartyMon1", 1, 0xDCDF, 0x30),
    # WRAM banks 5 and 7 (Crystal's palettes and window stack)
    Var("wBGPals2", 5, 0xD080, 0x40),
    Var("wOBPals2", 5, 0xD0C0, 0x40),
    Var("wWindowStack", 7, 0xD000, 0x1000),
)

CRYSTAL: dict[str, Var] = {v.name: v for v in _VARS}
"""Crystal's variables this program uses, by name."""


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
WORLD_SCRATCH = Region("world scratch", 0, 0xC200, 0xC400, "the engine's own variables (Crystal's audio and link RAM)")
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

# --------------------------------------------------------------------- values
MAPSTATUS_START, MAPSTATUS_ENTER, MAPSTATUS_HANDLE = 0, 1, 2
TEXT_BOX_BIT = 6
"""wStateFlags bit 6: a text box or the START menu is open."""
BATTLE_NONE, BATTLE_WILD, BATTLE_TRAINER = 0, 1, 2
RESULT_WIN, RESULT_LOSE, RESULT_DRAW = 0, 1, 2
RESULT_CAUGHT_BIT = 6

# hJoyPressed / hJoyDown bits (Crystal's)
BTN_A, BTN_B, BTN_SELECT, BTN_START, BTN_RIGHT, BTN_LEFT, BTN_UP, BTN_DOWN = range(8)
