"""The SM83 emitter: encodings byte for byte, labels, relative-jump range, misuse errors."""

from __future__ import annotations

import pytest

from cartridge.errors import AssemblerError
from cartridge.sm83 import Assembler, Mem


def _bytes(build: object) -> bytes:
    asm = Assembler(origin=0x150)
    build(asm)  # type: ignore[operator]
    return asm.assemble().image


# (description, emitter call, expected bytes) -- expected values from the SM83 opcode table (Pan Docs)
ENCODINGS = [
    ("nop", lambda a: a.nop(), "00"),
    ("ld b,c", lambda a: a.ld("b", "c"), "41"),
    ("ld a,[hl]", lambda a: a.ld("a", "[hl]"), "7e"),
    ("ld [hl],e", lambda a: a.ld("[hl]", "e"), "73"),
    ("ld d,0x42", lambda a: a.ld("d", 0x42), "1642"),
    ("ld [hl],0x10", lambda a: a.ld("[hl]", 0x10), "3610"),
    ("ld sp,0xc100", lambda a: a.ld("sp", 0xC100), "3100c1"),
    ("ld hl,0x1234", lambda a: a.ld("hl", 0x1234), "213412"),
    ("ld [bc],a", lambda a: a.ld("[bc]", "a"), "02"),
    ("ld a,[de]", lambda a: a.ld("a", "[de]"), "1a"),
    ("ld [hl+],a", lambda a: a.ld("[hl+]", "a"), "22"),
    ("ld a,[hl+]", lambda a: a.ld("a", "[hl+]"), "2a"),
    ("ld [hl-],a", lambda a: a.ld("[hl-]", "a"), "32"),
    ("ld a,[hl-]", lambda a: a.ld("a", "[hl-]"), "3a"),
    ("ld [0xd84e],a", lambda a: a.ld(Mem(0xD84E), "a"), "ea4ed8"),
    ("ld a,[0xdcb8]", lambda a: a.ld("a", Mem(0xDCB8)), "fab8dc"),
    ("ld [0xc000],sp", lambda a: a.ld(Mem(0xC000), "sp"), "0800c0"),
    ("ld sp,hl", lambda a: a.ld("sp", "hl"), "f9"),
    ("ld [c],a", lambda a: a.ld("[c]", "a"), "e2"),
    ("ld a,[c]", lambda a: a.ld("a", "[c]"), "f2"),
    ("ldh [0xff70],a", lambda a: a.ldh(Mem(0xFF70), "a"), "e070"),
    ("ldh a,[0xff44]", lambda a: a.ldh("a", Mem(0xFF44)), "f044"),
    ("ld hl,sp-2", lambda a: a.ld_hl_sp(-2), "f8fe"),
    ("push af", lambda a: a.push("af"), "f5"),
    ("pop bc", lambda a: a.pop("bc"), "c1"),
    ("add a,b", lambda a: a.add("a", "b"), "80"),
    ("add a,0x05", lambda a: a.add("a", 5), "c605"),
    ("adc a,[hl]", lambda a: a.adc("a", "[hl]"), "8e"),
    ("sub a,0x01", lambda a: a.sub(1), "d601"),
    ("sbc a,0", lambda a: a.sbc("a", 0), "de00"),
    ("and a,0x0f", lambda a: a.and_(0x0F), "e60f"),
    ("xor a", lambda a: a.xor("a"), "af"),
    ("or c", lambda a: a.or_("c"), "b1"),
    ("cp 0x90", lambda a: a.cp(0x90), "fe90"),
    ("cp [hl]", lambda a: a.cp("[hl]"), "be"),
    ("add hl,de", lambda a: a.add("hl", "de"), "19"),
    ("add sp,-4", lambda a: a.add("sp", -4), "e8fc"),
    ("inc a", lambda a: a.inc("a"), "3c"),
    ("inc [hl]", lambda a: a.inc("[hl]"), "34"),
    ("dec bc", lambda a: a.dec("bc"), "0b"),
    ("inc sp", lambda a: a.inc("sp"), "33"),
    ("jp hl", lambda a: a.jp("hl"), "e9"),
    ("jp 0x0150", lambda a: a.jp(0x150), "c35001"),
    ("jp nz,0x1234", lambda a: a.jp("nz", 0x1234), "c23412"),
    ("call 0x0200", lambda a: a.call(0x200), "cd0002"),
    ("call c,0x0200", lambda a: a.call("c", 0x200), "dc0002"),
    ("ret", lambda a: a.ret(), "c9"),
    ("ret nc", lambda a: a.ret("nc"), "d0"),
    ("reti", lambda a: a.reti(), "d9"),
    ("rst 0x38", lambda a: a.rst(0x38), "ff"),
    ("halt", lambda a: a.halt(), "76"),
    ("stop", lambda a: a.stop(), "1000"),
    ("di/ei", lambda a: (a.di(), a.ei()), "f3fb"),
    ("rotates", lambda a: (a.rlca(), a.rrca(), a.rla(), a.rra()), "070f171f"),
    ("daa cpl scf ccf", lambda a: (a.daa(), a.cpl(), a.scf(), a.ccf()), "272f373f"),
    ("rlc b", lambda a: a.rlc("b"), "cb00"),
    ("rrc [hl]", lambda a: a.rrc("[hl]"), "cb0e"),
    ("rl c", lambda a: a.rl("c"), "cb11"),
    ("rr a", lambda a: a.rr("a"), "cb1f"),
    ("sla e", lambda a: a.sla("e"), "cb23"),
    ("sra h", lambda a: a.sra("h"), "cb2c"),
    ("swap a", lambda a: a.swap("a"), "cb37"),
    ("srl a", lambda a: a.srl("a"), "cb3f"),
    ("bit 7,a", lambda a: a.bit(7, "a"), "cb7f"),
    ("bit 0,[hl]", lambda a: a.bit(0, "[hl]"), "cb46"),
    ("res 6,[hl]", lambda a: a.res(6, "[hl]"), "cbb6"),
    ("set 4,a", lambda a: a.set(4, "a"), "cbe7"),
    ("set 0,b", lambda a: a.set(0, "b"), "cbc0"),
    ("db/dw", lambda a: (a.db(1, 0xFF, -1, b"\x02"), a.dw(0x1234)), "01ffff023412"),
]


@pytest.mark.parametrize(("name", "build", "expected"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_encoding(name: str, build: object, expected: str) -> None:
    assert _bytes(build).hex() == expected


def test_backward_and_forward_labels_resolve() -> None:
    asm = Assembler(origin=0x200)
    asm.label("top")  # 0x200
    asm.jr("nz", "bottom")  # 0x200: forward to 0x206 -> offset 4
    asm.jp("bottom")  # 0x202
    asm.nop()  # 0x205
    asm.label("bottom")  # 0x206
    asm.jr("top")  # 0x206: back to 0x200 -> offset -8
    asm.call("top+1")  # 0x208
    asm.dw("bottom")  # 0x20b
    program = asm.assemble()
    assert program.labels == {"top": 0x200, "bottom": 0x206}
    assert program.image.hex() == "2004c306020018f8cd01020602"


def test_listing_records_addresses_and_resolved_text() -> None:
    asm = Assembler(origin=0x150)
    asm.ld("a", Mem("var"))
    asm.label("var")
    asm.jr("z", "var")
    program = asm.assemble()
    assert [(e.address, e.text, e.size) for e in program.listing] == [
        (0x150, "ld a,[0x0153]", 3),
        (0x153, "jr z,0x0153", 2),
    ]


def test_jr_range_is_checked_with_a_clear_message() -> None:
    asm = Assembler()
    asm.label("here")
    asm.ds(200)
    asm.jr("here")
    with pytest.raises(AssemblerError, match=r"jr at 0x00c8 to 'here'.*-202 is outside -128..127"):
        asm.assemble()


def test_jr_at_the_edge_of_its_range_is_accepted() -> None:
    asm = Assembler()
    asm.jr("far")  # offset measured from 0x0002
    asm.ds(127)
    asm.label("far")  # 0x0081 = 2 + 127
    assert asm.assemble().image[:2].hex() == "187f"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda a: a.jp("missing"), "undefined label 'missing'"),
        (lambda a: (a.label("x"), a.label("x")), "defined twice"),
        (lambda a: a.ld("[hl]", "[hl]"), "does not exist"),
        (lambda a: a.ld("a", 256), "does not fit in one byte"),
        (lambda a: a.ld("b", Mem(0xC000)), "no such SM83 instruction"),
        (lambda a: a.ldh(Mem(0xC000), "a"), "0xFF00..0xFFFF"),
        (lambda a: a.bit(8, "a"), "bit index must be 0..7"),
        (lambda a: a.rst(0x05), "vector must be"),
        (lambda a: a.jp("hl", 0x100), "condition must be"),
        (lambda a: a.push("sp"), "register pair must be one of"),
        (lambda a: (a.nop(), a.org(0)), "behind the current address"),
        (lambda a: a.label("hl"), "invalid label name"),
    ],
)
def test_misuse_raises_assembler_error(build: object, message: str) -> None:
    asm = Assembler()
    with pytest.raises(AssemblerError, match=message):
        build(asm)  # type: ignore[operator]
        asm.assemble()
