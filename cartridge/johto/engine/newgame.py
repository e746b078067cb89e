"""A new game (``main``): Crystal's variables as a new game has them, then the overworld in the player's house."""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto import world as w
from cartridge.johto.data import constants as c
from cartridge.johto.engine.macros import put
from cartridge.sm83 import Assembler

PLAYER_NAME = "CHRIS"
RIVAL_NAME = "SILVER"
PLAYER_ID = 0x3039
START_MONEY = 3000
START = ("players_house", 8, 4)
"""Map, x, y where the game begins."""
HIDDEN_AT_START = (c.EVENT_RIVAL_CHERRYGROVE_CITY,)
"""Flags a new game sets: people who appear only later in the story."""


def emit_new_game(asm: Assembler) -> None:
    """``main``: names, money, id, empty party and pockets, the first spawn point, then the overworld."""
    asm.label("main")
    for label, var in (("new_game_player_name", "wPlayerName"), ("new_game_rival_name", "wRivalName")):
        asm.ld("hl", label)
        asm.ld("de", r.addr(var))
        asm.ld("bc", r.CRYSTAL[var].size)
        asm.call("memcpy")
    put(asm, r.addr("wPlayerID"), PLAYER_ID >> 8)
    put(asm, r.addr("wPlayerID") + 1, PLAYER_ID & 0xFF)
    for i, byte in enumerate(START_MONEY.to_bytes(3, "big")):
        put(asm, r.addr("wMoney") + i, byte)
    put(asm, r.addr("wPartySpecies"), 0xFF)
    for pocket in ("wItems", "wKeyItems", "wBalls"):
        put(asm, r.addr(pocket), 0xFF)
    for flag in HIDDEN_AT_START:
        asm.ld("hl", flag)
        asm.call("set_event")
    home, home_x, home_y = w.HOME_SPAWN
    put(asm, r.own("wSpawnMap"), w.index_of(home))
    put(asm, r.own("wSpawnX"), home_x)
    put(asm, r.own("wSpawnY"), home_y)
    put(asm, r.addr("wPlayerDirection"), 0)
    put(asm, r.hBootMagic, r.BOOT_MAGIC)
    key, x, y = START
    asm.ld("a", w.index_of(key))
    asm.ld("b", y)
    asm.ld("c", x)
    asm.jp("overworld_start")

    for label, name in (("new_game_player_name", PLAYER_NAME), ("new_game_rival_name", RIVAL_NAME)):
        asm.label(label)
        asm.db(ch.encode(name).ljust(11, bytes((ch.END,))))
