"""The emitter's banked sections: where bytes land in the image, label banks, far references refused."""

from __future__ import annotations

import pytest

from cartridge.errors import AssemblerError
from cartridge.sm83 import BANK_SIZE, Assembler, Bank


def test_a_section_starts_at_its_bank_offset_and_counts_from_0x4000() -> None:
    asm = Assembler()
    asm.label("home")
    asm.nop()
    asm.section(3)
    asm.label("far")
    asm.ld("a", Bank("far"))
    asm.ld("b", Bank("home"))
    asm.call("home")
    asm.db(Bank("far"), 7)
    program = asm.assemble()
    assert program.labels["far"] == 0x4000
    assert program.label_banks == {"home": 0, "far": 3}
    base = 3 * BANK_SIZE
    assert len(program.image) == base + 2 + 2 + 3 + 2
    assert program.image[base : base + 9] == bytes((0x3E, 3, 0x06, 0, 0xCD, 0x00, 0x00, 3, 7))
    assert [e.text for e in program.listing if e.kind == "code"][1:3] == ["ld a,0x03", "ld b,0x00"]


def test_jumps_inside_one_switchable_bank_resolve_relative_to_its_window() -> None:
    asm = Assembler()
    asm.section(1)
    asm.label("loop")
    asm.jr("loop")
    asm.jp("loop")
    program = asm.assemble()
    assert program.image[BANK_SIZE : BANK_SIZE + 5] == bytes((0x18, 0xFE, 0xC3, 0x00, 0x40))


def test_a_call_into_another_switchable_bank_is_refused() -> None:
    asm = Assembler()
    asm.section(1)
    asm.call("elsewhere")
    asm.section(2)
    asm.label("elsewhere")
    asm.ret()
    with pytest.raises(AssemblerError, match=r"bank 1 to 'elsewhere' in bank 2: .*far call"):
        asm.assemble()


def test_a_full_bank_is_reported_with_its_overflow() -> None:
    asm = Assembler()
    asm.section(1)
    asm.ds(BANK_SIZE + 3)
    with pytest.raises(AssemblerError, match="bank 1 overflows by 3 bytes"):
        asm.section(2)
    fixed = Assembler()
    fixed.ds(BANK_SIZE + 1)
    with pytest.raises(AssemblerError, match="bank 0 overflows by 1 bytes"):
        fixed.section(1)


@pytest.mark.parametrize("bank", [0, -1])
def test_sections_only_go_up(bank: int) -> None:
    asm = Assembler()
    with pytest.raises(AssemblerError, match=r"banks are 1.. and only go up"):
        asm.section(bank)
    asm.section(2)
    with pytest.raises(AssemblerError, match="only go up"):
        asm.section(2)


def test_an_unknown_label_in_bank_is_an_error() -> None:
    asm = Assembler()
    asm.ld("a", Bank("nowhere"))
    with pytest.raises(AssemblerError, match="undefined label 'nowhere'"):
        asm.assemble()
