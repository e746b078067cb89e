"""A harness program for the battle engine: the kernel's routines minimally, and a loop that runs what a test asks.

The ROM is the battle's code and tables (`cartridge.johto.battle`) with a small kernel of the contract's
shape (`delay_frame` waiting busily on a flag its VBlank interrupt sets, Crystal's `random` from `rDIV`, the
joypad in `hJoyPressed`/`hJoyDown`, `wTilemap`/`wAttrmap` and `wBGPals2` copied to the screen). After boot it
waits frame by frame on `wBtCommand`: a test writes the inputs in RAM, sets the command, and plays the
buttons; the harness clears the command when the routine returns.

| command | runs |
|---|---|
| 1 | `battle_main` |
| 2 | `add_mon_to_party` |
| 3 | `bt_calc_damage` (the inputs in the battle structs and move structs) |
| 4 | `bt_vary_damage` |
| 5 | `heal_party` |
| 6 | `try_wild_encounter` (the carry in `wBtTemp`) |
| 7 | `bt_catch_threshold` (into `wBtLogCatchThreshold`) |
| 8 | `bt_check_hit` (the carry in `wBtTemp`) |
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyboy import PyBoy

from cartridge.johto.battle import emit_battle, emit_battle_data
from cartridge.johto.battle import ram as r
from cartridge.johto.battle.kernel import hBGMapMode
from cartridge.johto.battle.model import calc_stats
from cartridge.rom import Header, build_rom
from cartridge.sm83 import Assembler, Mem
from shared.game.screen_text import screen_lines

P1, DIV, IF, LCDC, LY, VBK, BCPS, BCPD, SVBK, IE = (
    0xFF00,
    0xFF04,
    0xFF0F,
    0xFF40,
    0xFF44,
    0xFF4F,
    0xFF68,
    0xFF69,
    0xFF70,
    0xFFFF,
)
hVBlankFlag = 0xFFF0
hReady = 0xFFF1
hJoyLast = 0xFFF2
READY = 0x5A
COMMAND = r.addr("wBtCommand")
COMMANDS = {
    1: "battle_main",
    2: "add_mon_to_party",
    3: "bt_calc_damage",
    4: "bt_vary_damage",
    5: "heal_party",
    6: "try_wild_encounter",
    7: "bt_catch_threshold",
    8: "bt_check_hit",
}


def _vblank(asm: Assembler) -> None:
    asm.label("harness_vblank")
    for pair in ("af", "bc", "de", "hl"):
        asm.push(pair)
    asm.ldh("a", Mem(SVBK))
    asm.push("af")
    # Crystal's generator, advanced every frame from the divider
    asm.ldh("a", Mem(DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomAdd")))
    asm.adc("a", "b")
    asm.ldh(Mem(r.addr("hRandomAdd")), "a")
    asm.ldh("a", Mem(DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomSub")))
    asm.sbc("a", "b")
    asm.ldh(Mem(r.addr("hRandomSub")), "a")
    # the joypad: Crystal's bits (A, B, SELECT, START, RIGHT, LEFT, UP, DOWN)
    asm.ld("a", 0x20)
    asm.ldh(Mem(P1), "a")
    asm.ldh("a", Mem(P1))
    asm.ldh("a", Mem(P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.swap("a")
    asm.ld("b", "a")
    asm.ld("a", 0x10)
    asm.ldh(Mem(P1), "a")
    for _ in range(4):
        asm.ldh("a", Mem(P1))
    asm.cpl()
    asm.and_(0x0F)
    asm.or_("b")
    asm.ld("b", "a")
    asm.ld("a", 0x30)
    asm.ldh(Mem(P1), "a")
    asm.ldh("a", Mem(hJoyLast))
    asm.cpl()
    asm.and_("b")
    asm.ldh(Mem(r.addr("hJoyPressed")), "a")
    asm.ld("a", "b")
    asm.ldh(Mem(r.addr("hJoyDown")), "a")
    asm.ldh(Mem(hJoyLast), "a")
    # the screen (a harness may take longer than a VBlank: the emulator does not mind)
    asm.ldh("a", Mem(hBGMapMode))
    asm.and_("a")
    asm.jr("z", "harness_vblank.palettes")
    for bank, source in ((0, "wTilemap"), (1, "wAttrmap")):
        asm.ld("a", bank)
        asm.ldh(Mem(VBK), "a")
        asm.ld("hl", r.addr(source))
        asm.ld("de", 0x9800)
        asm.ld("c", 18)
        asm.label(f"harness_vblank.row{bank}")
        asm.ld("b", 20)
        asm.label(f"harness_vblank.col{bank}")
        asm.ld("a", "[hl+]")
        asm.ld("[de]", "a")
        asm.inc("de")
        asm.dec("b")
        asm.jr("nz", f"harness_vblank.col{bank}")
        asm.ld("a", 12)
        asm.add("a", "e")
        asm.ld("e", "a")
        asm.ld("a", 0)
        asm.adc("a", "d")
        asm.ld("d", "a")
        asm.dec("c")
        asm.jr("nz", f"harness_vblank.row{bank}")
    asm.xor("a")
    asm.ldh(Mem(VBK), "a")
    asm.label("harness_vblank.palettes")
    asm.ldh("a", Mem(r.addr("hCGBPalUpdate")))
    asm.and_("a")
    asm.jr("z", "harness_vblank.done")
    asm.xor("a")
    asm.ldh(Mem(r.addr("hCGBPalUpdate")), "a")
    asm.ld("a", 5)
    asm.ldh(Mem(SVBK), "a")
    asm.ld("a", 0x80)
    asm.ldh(Mem(BCPS), "a")
    asm.ld("hl", r.addr("wBGPals2"))
    asm.ld("b", 0x40)
    asm.label("harness_vblank.pal")
    asm.ld("a", "[hl+]")
    asm.ldh(Mem(BCPD), "a")
    asm.dec("b")
    asm.jr("nz", "harness_vblank.pal")
    asm.label("harness_vblank.done")
    asm.ld("a", 1)
    asm.ldh(Mem(hVBlankFlag), "a")
    asm.pop("af")
    asm.ldh(Mem(SVBK), "a")
    for pair in ("hl", "de", "bc", "af"):
        asm.pop(pair)
    asm.reti()


def _kernel(asm: Assembler) -> None:
    asm.label("delay_frame")  # busy, not halt: a game's CPU works the whole frame
    asm.xor("a")
    asm.ldh(Mem(hVBlankFlag), "a")
    asm.label("delay_frame.wait")
    asm.ldh("a", Mem(hVBlankFlag))
    asm.and_("a")
    asm.jr("z", "delay_frame.wait")
    asm.ret()

    asm.label("random")  # Crystal's Random: a = the new hRandomSub
    asm.push("bc")
    asm.ldh("a", Mem(DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomAdd")))
    asm.adc("a", "b")
    asm.ldh(Mem(r.addr("hRandomAdd")), "a")
    asm.ldh("a", Mem(DIV))
    asm.ld("b", "a")
    asm.ldh("a", Mem(r.addr("hRandomSub")))
    asm.sbc("a", "b")
    asm.ldh(Mem(r.addr("hRandomSub")), "a")
    asm.pop("bc")
    asm.ret()


def _start(asm: Assembler) -> None:
    asm.label("start")
    asm.di()
    asm.ld("sp", 0xC100)
    asm.ldh("a", Mem(LCDC))
    asm.bit(7, "a")
    asm.jr("z", "start.off")
    asm.label("start.vblank")
    asm.ldh("a", Mem(LY))
    asm.cp(144)
    asm.jr("c", "start.vblank")
    asm.xor("a")
    asm.ldh(Mem(LCDC), "a")
    asm.label("start.off")
    asm.ld("hl", 0xC000)  # WRAM0 and bank 1
    asm.ld("bc", 0x2000)
    asm.label("start.clear")
    asm.xor("a")
    asm.ld("[hl+]", "a")
    asm.dec("bc")
    asm.ld("a", "b")
    asm.or_("c")
    asm.jr("nz", "start.clear")
    asm.ld("hl", 0xFF80)
    asm.ld("b", 0x7F)
    asm.xor("a")
    asm.label("start.hram")
    asm.ld("[hl+]", "a")
    asm.dec("b")
    asm.jr("nz", "start.hram")
    asm.ld("a", 1)
    asm.ldh(Mem(SVBK), "a")
    # BG palette 7: white paper, black ink (the text's)
    asm.ld("a", 0x80 | 7 * 8)
    asm.ldh(Mem(BCPS), "a")
    for byte in (0xFF, 0x7F, 0xB5, 0x56, 0x4A, 0x29, 0x00, 0x00):
        asm.ld("a", byte)
        asm.ldh(Mem(BCPD), "a")
    asm.ld("a", 5)  # and in wBGPals2, where a battle's palette update copies all eight from
    asm.ldh(Mem(SVBK), "a")
    asm.ld("hl", r.addr("wBGPals2") + 7 * 8)
    for byte in (0xFF, 0x7F, 0xB5, 0x56, 0x4A, 0x29, 0x00, 0x00):
        asm.ld("[hl]", byte)
        asm.inc("hl")
    asm.ld("a", 1)
    asm.ldh(Mem(SVBK), "a")
    asm.ld("a", 0x91)  # LCD on, tiles at 8000, BG on
    asm.ldh(Mem(LCDC), "a")
    asm.ld("a", 1)
    asm.ldh(Mem(IE), "a")
    asm.ld("a", READY)
    asm.ldh(Mem(hReady), "a")
    asm.ei()
    asm.label("harness_loop")
    asm.call("delay_frame")
    asm.ld("a", 1)
    asm.ldh(Mem(SVBK), "a")
    asm.ld("a", Mem(COMMAND))
    for number, routine in COMMANDS.items():
        asm.cp(number)
        asm.jr("nz", f"harness_loop.not_{number}")
        asm.call(routine)
        if number in (6, 8):
            asm.ld("a", 0)
            asm.rla()
            asm.ld(Mem(r.addr("wBtTemp")), "a")
        asm.jr("harness_loop.done")
        asm.label(f"harness_loop.not_{number}")
    asm.jr("harness_loop")
    asm.label("harness_loop.done")
    asm.xor("a")
    asm.ld(Mem(COMMAND), "a")
    asm.jr("harness_loop")


@functools.cache
def harness_rom() -> bytes:
    """The harness ROM (built once per process)."""
    asm = Assembler()
    asm.org(0x40)
    asm.jp("harness_vblank")
    for vector in (0x48, 0x50, 0x58, 0x60):
        asm.org(vector)
        asm.reti()
    asm.org(0x100)
    asm.nop()
    asm.jp("start")
    asm.org(0x150)
    _start(asm)
    _kernel(asm)
    _vblank(asm)
    emit_battle(asm)
    emit_battle_data(asm)
    return build_rom(asm.assemble(), Header(title="BATTLE RIG"))


@dataclass(frozen=True)
class Mon:
    """A party member as a test sets it up."""

    species: int
    level: int
    dvs: int = 0x9888


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
        """A party member made by the ROM's own add_mon_to_party; returns its index."""
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
        self.pyboy.button(button, 2)
        self.tick(frames)

    # ---------------------------------------------------------------- the screen
    def tiles(self) -> bytes:
        return self.bytes_at(r.addr("wTilemap"), 360)

    def tile(self, x: int, y: int) -> int:
        return self.tiles()[y * 20 + x]

    def lines(self) -> tuple[str, ...]:
        return screen_lines(self.tiles())

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

    def screenshot(self, path: str) -> None:
        self.pyboy.screen.image.save(path)


def boot(pyboy: PyBoy, limit: int = 600) -> Rig:
    """Tick until the harness waits for commands."""
    for _ in range(limit):
        pyboy.tick(1, False)
        if pyboy.memory[hReady] == READY:
            return Rig(pyboy)
    raise AssertionError("the battle harness did not boot")


def party_stats(species: int, level: int, dvs: int) -> tuple[int, ...]:
    """The model's stats of a fresh party member (no stat exp)."""
    return calc_stats(species, level, dvs)


def booted_state(rom_path: str) -> bytes:
    """A save state of the harness right after boot."""
    pyboy = PyBoy(rom_path, window="null", sound_emulated=False)
    try:
        boot(pyboy)
        buffer = io.BytesIO()
        pyboy.save_state(buffer)
        return buffer.getvalue()
    finally:
        pyboy.stop(save=False)


def frames_until(rig: Rig, condition: Callable[[], bool], limit: int) -> Iterator[int]:
    """Yield frame numbers while ticking until `condition` (a helper for tests that watch frame by frame)."""
    for frame in range(limit):
        if condition():
            return
        rig.tick()
        yield frame
