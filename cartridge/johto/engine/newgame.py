"""A new game: the player's and the rival's names, money and id, then the overworld (``main``)."""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto.engine.macros import put
from cartridge.sm83 import Assembler

PLAYER_NAME = "CHRIS"
RIVAL_NAME = "SILVER"
PLAYER_ID = 0x3039
START_MONEY = 3000


def emit_new_game(asm: Assembler) -> None:
    """``main``: Crystal's variables of a new game, then the overworld loop."""
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
    put(asm, r.hBootMagic, r.BOOT_MAGIC)
    put(asm, r.addr("wMapStatus"), r.MAPSTATUS_HANDLE)
    asm.label("main.idle")
    asm.call("delay_frame")
    asm.jr("main.idle")

    for label, name in (("new_game_player_name", PLAYER_NAME), ("new_game_rival_name", RIVAL_NAME)):
        asm.label(label)
        asm.db(ch.encode(name).ljust(11, bytes((ch.END,))))
