"""A harness program for the battle engine: the world's kernel, and a main that runs what a test asks.

The ROM is the world's kernel (`cartridge/johto/engine/kernel.py`: `delay_frame`, `random`, `apply_tilemap`, the
VBlank, the font) with the battle's code and tables in their banks, as the world's program lays them out, and a
`main` that waits frame by frame on `wBtCommand`: a test writes the inputs in RAM, sets the command, and plays
the buttons; the harness clears the command when the routine returns (the routines reached by `farcall`).

- 1: `battle_main`; 2: `add_party_mon` (b, c from `wCurPartySpecies`, `wCurPartyLevel`); 5: `restore_party_pp`;
- 3: `bt_calc_damage` (its inputs in the battle structs and move structs); 4: `bt_vary_damage`;
- 6: `try_wild_encounter` (its carry into `wBtTemp`); 7: `bt_catch_threshold`; 8: `bt_check_hit` (its carry
  into `wBtTemp`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pyboy import PyBoy

from cartridge.johto import charmap as ch
from cartridge.johto import ram as world_ram
from cartridge.johto.battle import emit_battle, emit_battle_data
from cartridge.johto.battle import ram as r
from cartridge.johto.engine.kernel import emit_kernel, emit_kernel_data
from cartridge.johto.engine.macros import farcall, put
from cartridge.johto.layout import BATTLE_BANK, GFX_BANK
from cartridge.rom import BANK_SIZE, Header, build_rom
from cartridge.sm83 import Assembler, Mem
from shared.game.screen_text import screen_lines

COMMAND = r.addr("wBtCommand")
COMMANDS = {
    1: "battle_main",
    2: "add_party_mon",
    3: "bt_calc_damage",
    4: "bt_vary_damage",
    5: "restore_party_pp",
    6: "try_wild_encounter",
    7: "bt_catch_threshold",
    8: "bt_check_hit",
}
PLAYER_NAME = "KRIS"


def _main(asm: Assembler) -> None:
    """`main` (the kernel jumps there after power-on): a player's name, then the command loop."""
    asm.label("main")
    asm.ld("hl", "harness_name")
    asm.ld("de", world_ram.addr("wPlayerName"))
    asm.ld("bc", len(PLAYER_NAME) + 1)
    asm.call("memcpy")
    put(asm, world_ram.addr("wPartySpecies"), 0xFF)
    put(asm, world_ram.hBootMagic, world_ram.BOOT_MAGIC)
    asm.label("harness_loop")
    asm.call("delay_frame")
    asm.ld("a", Mem(COMMAND))
    for number, routine in COMMANDS.items():
        asm.cp(number)
        asm.jr("nz", f"harness_loop.not_{number}")
        if number == 2:
            asm.ld("a", Mem(r.addr("wCurPartySpecies")))
            asm.ld("b", "a")
            asm.ld("a", Mem(r.addr("wCurPartyLevel")))
            asm.ld("c", "a")
        farcall(asm, routine)
        if number in (6, 8):
            asm.ld("a", 0)
            asm.rla()
            asm.ld(Mem(r.addr("wBtTemp")), "a")
        asm.jp("harness_loop.done")
        asm.label(f"harness_loop.not_{number}")
    asm.jp("harness_loop")
    asm.label("harness_loop.done")
    asm.xor("a")
    asm.ld(Mem(COMMAND), "a")
    asm.jp("harness_loop")
    asm.label("harness_name")
    asm.db(ch.encode(PLAYER_NAME))


@functools.cache
def harness_rom() -> bytes:
    """The harness ROM (built once per process): the world's kernel, this main, the battle in its banks."""
    asm = Assembler()
    emit_kernel(asm)
    _main(asm)
    asm.section(BATTLE_BANK)
    emit_battle(asm)
    emit_battle_data(asm)
    asm.section(GFX_BANK)
    emit_kernel_data(asm)
    program = asm.assemble()
    banks = 2
    while banks * BANK_SIZE < len(program.image):
        banks *= 2
    return build_rom(program, Header(title="BATTLE RIG", rom_banks=banks))


class Rig:
    """The harness in a real PyBoy: RAM in Crystal's layout, commands, buttons, the screen's words."""

    def __init__(self, pyboy: PyBoy) -> None:
        self.pyboy = pyboy

    # ---------------------------------------------------------------- memory
    def read(self, name: str, size: int | None = None) -> int:
        """A variable of the battle's RAM table, big-endian."""
        var = r.CRYSTAL.get(name) or r.SCRATCH[name]
        return self.read_at(var.addr, size or var.size, var.bank)

    def read_at(self, address: int, size: int = 1, bank: int = 1) -> int:
        if address >= 0xD000 and address < 0xE000:
            data = self.pyboy.memory[bank, address : address + size]
        else:
            data = self.pyboy.memory[address : address + size]
        return int.from_bytes(bytes(data), "big")

    def write(self, name: str, *values: int) -> None:
        var = r.CRYSTAL.get(name) or r.SCRATCH[name]
        self.write_at(var.addr, *values, bank=var.bank)

    def write_at(self, address: int, *values: int, bank: int = 1) -> None:
        for i, value in enumerate(values):
            if 0xD000 <= address + i < 0xE000:
                self.pyboy.memory[bank, address + i] = value
            else:
                self.pyboy.memory[address + i] = value

    def bytes_at(self, address: int, size: int) -> bytes:
        if 0xD000 <= address < 0xE000:
            return bytes(self.pyboy.memory[1, address : address + size])
        return bytes(self.pyboy.memory[address : address + size])

    def party_mon(self, index: int) -> int:
        return r.addr("wPartyMons") + index * r.PARTYMON_STRUCT_LENGTH

    def mon_field(self, index: int, offset: int, size: int = 1) -> int:
        return self.read_at(self.party_mon(index) + offset, size)

    # ---------------------------------------------------------------- running
    def tick(self, frames: int = 1) -> None:
        self.pyboy.tick(frames, False)

    def run(self, command: int, limit: int = 600) -> None:
        """A command run to its end (no buttons needed)."""
        self.write("wBtCommand", command)
        for _ in range(limit):
            self.tick()
            if self.read("wBtCommand") == 0:
                return
        raise AssertionError(f"command {command} ({COMMANDS[command]}) did not finish in {limit} frames")

    def give(self, species: int, level: int) -> int:
        """A party member made by the ROM's own add_party_mon; returns its index."""
        self.write("wCurPartySpecies", species)
        self.write("wCurPartyLevel", level)
        self.run(2)
        return self.read("wCurPartyMon")

    def set_bag(self, potions: int = 0, balls: int = 0) -> None:
        items = [(0x12, potions)] if potions else []
        balls_list = [(0x05, balls)] if balls else []
        self.write("wNumItems", len(items), *(b for pair in items for b in pair), 0xFF)
        self.write("wNumBalls", len(balls_list), *(b for pair in balls_list for b in pair), 0xFF)

    def start_wild(self, species: int, level: int) -> None:
        self.write("wBattleMode", r.BATTLE_WILD)
        self.write("wTempWildMonSpecies", species)
        self.write("wCurPartyLevel", level)
        self.write("wBtCommand", 1)
        self.tick(2)

    def start_trainer(self, trainer_class: int, trainer_id: int) -> None:
        self.write("wBattleMode", r.BATTLE_TRAINER)
        self.write("wOtherTrainerClass", trainer_class)
        self.write("wOtherTrainerID", trainer_id)
        self.write("wBtCommand", 1)
        self.tick(2)

    def in_battle(self) -> bool:
        return self.read("wBtCommand") == 1

    def press(self, button: str, frames: int = 4) -> None:
        """A few frames for the game to finish drawing and wait for the joypad (a press that starts while it draws
        is not new when it looks, as on the console), then the button for two frames."""
        self.tick(3)
        self.pyboy.button(button, 2)
        self.tick(frames)

    # ---------------------------------------------------------------- the screen
    def tiles(self) -> bytes:
        return self.bytes_at(r.addr("wTilemap"), 360)

    def tile(self, x: int, y: int) -> int:
        return self.tiles()[y * 20 + x]

    def lines(self) -> tuple[str, ...]:
        return screen_lines(self.tiles())

    def shows(self, *fragments: str) -> bool:
        """True when a line on screen holds one of the fragments."""
        return any(fragment in line for line in self.lines() for fragment in fragments)

    def prompt_shown(self) -> bool:
        return self.tile(18, 17) == 0xEE

    def menu_shown(self) -> bool:
        return any("FIGHT" in line for line in self.lines()) and self.tile(8, 12) == 0x79

    def until(self, condition: Callable[[], bool], limit: int = 3000, press_a: bool = True) -> bool:
        """Tick (pressing A at each ▼) until the condition holds or the battle ends; True when it held."""
        for _ in range(limit):
            if condition():
                return True
            if not self.in_battle():
                return False
            if press_a and self.prompt_shown():
                self.press("a")
            else:
                self.tick()
        raise AssertionError(f"nothing happened in {limit} frames; the screen says {self.lines()}")

    def to_menu(self) -> bool:
        """On to the battle menu (True) or the battle's end (False), A through every message."""
        return self.until(self.menu_shown)

    def finish(self) -> int:
        """A through every message to the battle's end; returns wBattleResult."""
        self.until(lambda: False)
        return self.read("wBattleResult")

    def choose(self, position: int) -> None:
        """FIGHT 1, PKMN 2, PACK 3, RUN 4 from the battle menu."""
        current = self.read("wBattleMenuCursorPosition")
        col, row = (current - 1) & 1, (current - 1) >> 1
        want_col, want_row = (position - 1) & 1, (position - 1) >> 1
        if want_col != col:
            self.press("right" if want_col else "left")
        if want_row != row:
            self.press("down" if want_row else "up")
        self.press("a", 8)

    def fight(self, slot: int = 0) -> None:
        """FIGHT, then the move in `slot`."""
        self.choose(1)
        current = self.read("wMenuCursorY")
        for _ in range((slot + 1 - current) % 4 if current else slot):
            self.press("down")
        self.press("a", 8)


def boot(pyboy: PyBoy, limit: int = 600) -> Rig:
    """Tick until the harness waits for commands."""
    for _ in range(limit):
        pyboy.tick(1, False)
        if pyboy.memory[world_ram.hBootMagic] == world_ram.BOOT_MAGIC:
            return Rig(pyboy)
    raise AssertionError("the battle harness did not boot")
