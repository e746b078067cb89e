"""The Johto kernel on the real PyBoy, through a harness program: kernel + text + a main that uses them.

The harness runs the routines the battle code and the scripts are written against (pages, yes/no,
menus, far calls, tile transfers, chance) and leaves its results in the world's scratch RAM; the
project's own reader (`read_screen_text`) reads the words on screen, as it does for Crystal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyboy import PyBoy

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto.engine.kernel import emit_kernel, emit_kernel_data
from cartridge.johto.engine.macros import farcall, put, store
from cartridge.johto.engine.text import emit_text, emit_text_data, menu_description
from cartridge.johto.layout import GFX_BANK, WORLD_CODE_BANK
from cartridge.rom import Header, build_rom
from cartridge.sm83 import Assembler
from shared.game.screen_text import read_screen_text
from tests.cartridge.johto_helpers import boot, start, step

OUT = r.WORLD_SCRATCH.start  # the harness's results: one byte each from here
DONE, YES_NO, MENU_INDEX, MENU_B, FAR_A, FAR_CARRY, TILES, DONE2 = range(OUT, OUT + 8)
TILE_BYTES = bytes(range(0x20, 0x40))
PAGES = "Hello, <PLAYER>!\nThis is page one.\fAnd here is page\ntwo of the text."


def _harness() -> bytes:
    asm = Assembler()
    emit_kernel(asm)
    emit_text(asm)
    emit_text_data(asm)
    asm.label("main")
    asm.ld("hl", "name")
    asm.ld("de", r.addr("wPlayerName"))
    asm.ld("bc", 6)
    asm.call("memcpy")
    put(asm, r.hBootMagic, r.BOOT_MAGIC)
    put(asm, r.addr("wMapStatus"), r.MAPSTATUS_HANDLE)
    asm.ld("de", "pages")
    asm.call("print_text_page")
    asm.call("yes_no_box")
    asm.sbc("a", "a")  # 0xFF for NO
    store(asm, YES_NO)
    asm.ld("hl", "menu_items")
    asm.call("menu")
    store(asm, MENU_INDEX)
    asm.sbc("a", "a")
    store(asm, MENU_B)
    asm.call("close_window")
    farcall(asm, "far_routine")
    store(asm, FAR_A)
    asm.sbc("a", "a")
    store(asm, FAR_CARRY)
    asm.ld("hl", "tiles")
    asm.ld("de", 0x8800)
    asm.ld("bc", 0x0102)  # VRAM bank 1, two tiles
    asm.call("request_2bpp")
    put(asm, TILES, 1)
    asm.ld("de", "last_words")
    asm.call("print_text_page")
    put(asm, DONE, 1)
    asm.label("main.idle")
    asm.call("delay_frame")
    asm.jr("main.idle")
    asm.label("name")
    asm.db(ch.encode("KRIS"))
    asm.label("pages")
    asm.db(ch.encode_page(PAGES, "harness", end="done"))
    asm.label("last_words")
    asm.db(ch.encode_page("Done.", "harness", end="prompt"))
    asm.label("menu_items")
    asm.db(menu_description(10, 0, 19, 9, ["ONE", "TWO", "THREE"]))
    asm.label("tiles")
    asm.db(TILE_BYTES)
    asm.section(WORLD_CODE_BANK)
    asm.label("far_routine")
    asm.ld("a", 0x5A)
    asm.scf()
    asm.ret()
    asm.section(GFX_BANK)
    emit_kernel_data(asm)
    program = asm.assemble()
    return build_rom(program, Header(title="KERNEL TEST", rom_banks=8))


@pytest.fixture(scope="module")
def harness_rom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("johto-kernel") / "kernel.gbc"
    path.write_bytes(_harness())
    return path


@pytest.fixture
def pyboy(harness_rom: Path) -> Iterator[PyBoy]:
    emulator = start(harness_rom)
    boot(emulator)
    yield emulator
    emulator.stop(save=False)


def _until_text(pyboy: PyBoy, line: str, frames: int = 120) -> tuple[str, ...]:
    for _ in range(frames):
        pyboy.tick(1, False)
        text = read_screen_text(pyboy.memory)
        if line in text:
            return text
    raise AssertionError(f"{line!r} never appeared; the screen says {read_screen_text(pyboy.memory)}")


def test_pages_wait_for_a_and_show_the_players_name(pyboy: PyBoy) -> None:
    assert _until_text(pyboy, "Hello, KRIS!") == ("Hello, KRIS!", "This is page one.▼")
    assert pyboy.memory[1, r.addr("wStateFlags")] >> r.TEXT_BOX_BIT & 1
    for _ in range(3):  # nothing but A or B turns the page
        step(pyboy, "up")
    assert read_screen_text(pyboy.memory)[0] == "Hello, KRIS!"
    step(pyboy, "a")
    # the page ends with <DONE>: the yes/no box (read first: its frame starts higher) comes at once
    assert read_screen_text(pyboy.memory) == ("▶YES", "NO", "And here is page", "two of the text.")


def test_the_text_reaches_the_bg_map_in_vram(pyboy: PyBoy) -> None:
    _until_text(pyboy, "Hello, KRIS!")
    pyboy.tick(2, False)
    row_14 = [pyboy.memory[0, 0x9800 + 14 * 32 + col] for col in range(1, 6)]
    assert row_14 == list(ch.encode("Hello")[:5])
    attrs = [pyboy.memory[1, 0x9800 + 12 * 32 + col] for col in range(20)]
    assert attrs == [0x87] * 20  # the text palette, over the sprites


def _to_yes_no(pyboy: PyBoy) -> None:
    _until_text(pyboy, "Hello, KRIS!")
    step(pyboy, "a")
    _until_text(pyboy, "▶YES")


@pytest.mark.parametrize(("buttons", "answer"), [(["a"], 0), (["down", "a"], 0xFF), (["b"], 0xFF)])
def test_yes_no_box_answers_by_carry(pyboy: PyBoy, buttons: list[str], answer: int) -> None:
    _to_yes_no(pyboy)
    assert pyboy.memory[r.addr("wWindowStackSize")] == 1
    for button in buttons:
        step(pyboy, button)
    step(pyboy, None)
    assert pyboy.memory[YES_NO] == answer
    assert "▶ONE" in read_screen_text(pyboy.memory)  # the next menu is up, the yes/no box gone
    assert not any("YES" in line for line in read_screen_text(pyboy.memory))


def test_menu_cursor_moves_wraps_and_returns_the_index(pyboy: PyBoy) -> None:
    _to_yes_no(pyboy)
    step(pyboy, "a")
    _until_text(pyboy, "▶ONE")
    step(pyboy, "up")  # wraps to the bottom
    assert pyboy.memory[r.addr("wMenuCursorY")] == 3
    assert "▶THREE" in read_screen_text(pyboy.memory)
    step(pyboy, "up")
    step(pyboy, "a")
    step(pyboy, None)
    assert pyboy.memory[MENU_INDEX] == 1
    assert pyboy.memory[MENU_B] == 0
    assert pyboy.memory[r.addr("wWindowStackSize")] == 0


def test_menu_b_sets_carry_and_far_call_returns_value_and_carry(pyboy: PyBoy) -> None:
    _to_yes_no(pyboy)
    step(pyboy, "a")
    _until_text(pyboy, "▶ONE")
    step(pyboy, "b")
    _until_text(pyboy, "Done.")
    assert pyboy.memory[MENU_B] == 0xFF
    assert pyboy.memory[FAR_A] == 0x5A
    assert pyboy.memory[FAR_CARRY] == 0xFF
    assert pyboy.memory[r.addr("hROMBank")] == 1  # the caller's bank is back
    assert pyboy.memory[TILES] == 1
    assert bytes(pyboy.memory[1, 0x8800 : 0x8800 + len(TILE_BYTES)]) == TILE_BYTES
    step(pyboy, "a")
    step(pyboy, None)
    assert pyboy.memory[DONE] == 1


def test_the_rng_moves_every_frame_and_the_wait_is_busy_in_bank_6(pyboy: PyBoy) -> None:
    seen = []
    for _ in range(60):
        pyboy.tick(1, False)
        seen.append((pyboy.memory[r.addr("hRandomAdd")], pyboy.memory[r.addr("hRandomSub")]))
        assert pyboy.memory[r.SVBK] & 7 == r.WAIT_BANK  # tick() returns while delay_frame waits
    # a frame whose rDIV reads 0 (with no carry) leaves both bytes as they were, as in Crystal
    assert sum(a != b for a, b in itertools.pairwise(seen)) >= 50
    assert len(set(seen)) > 40
    counter = pyboy.memory[r.addr("hVBlankCounter")]
    pyboy.tick(5, False)
    assert (pyboy.memory[r.addr("hVBlankCounter")] - counter) % 256 == 5


def test_idle_frames_before_play_change_the_generators_state(harness_rom: Path) -> None:
    states = []
    for idle in (0, 1, 2):
        emulator = start(harness_rom)
        try:
            boot(emulator)
            emulator.tick(idle, False)
            emulator.tick(30, False)
            states.append((emulator.memory[r.addr("hRandomAdd")], emulator.memory[r.addr("hRandomSub")]))
        finally:
            emulator.stop(save=False)
    assert len(set(states)) == 3
