"""Decode the assembled game with an independent disassembler and compare with the emitter's intent.

``lr35902dis`` (PyPI) knows nothing about our emitter; if an opcode were encoded wrongly
the decoded mnemonic, operands or instruction length would differ from the listing.
"""

from __future__ import annotations

import itertools
import re

import pytest
from lr35902dis import lr35902

from cartridge.game import build_program
from cartridge.sm83 import Program

_NUMBER = re.compile(r"^-?(0x[0-9a-f]+|\d+)$")


def _normalise_theirs(text: str) -> tuple[str, list[object]]:
    """lr35902dis text -> (mnemonic, operands) in the emitter's conventions."""
    text = text.lower()
    mnemonic, _, rest = text.partition(" ")
    operands = [op.strip() for op in rest.split(",")] if rest else []
    if mnemonic in ("ldi", "ldd"):
        mnemonic = "ld"
    out: list[object] = []
    for op in operands:
        m = re.fullmatch(r"\(0xff00\+(0x[0-9a-f]+)\)", op)
        if m:
            mnemonic = "ldh"
            out.append(("mem", 0xFF00 + int(m.group(1), 16)))
        elif op == "(0xff00+c)":
            out.append("[c]")
        elif re.fullmatch(r"\((0x[0-9a-f]+)\)", op):
            out.append(("mem", int(op[1:-1], 16)))
        elif op.startswith("(") and op.endswith(")"):
            out.append("[" + op[1:-1] + "]")
        elif op.startswith("sp+"):
            out.append(("sp+", int(op[3:], 0)))
        elif _NUMBER.match(op):
            out.append(int(op, 0))
        else:
            out.append(op)
    if mnemonic in ("sub", "and", "xor", "or", "cp") and len(out) == 1:
        out.insert(0, "a")
    if mnemonic == "stop":
        out = []
    return mnemonic, out


def _normalise_ours(text: str) -> tuple[str, list[object]]:
    mnemonic, _, rest = text.partition(" ")
    out: list[object] = []
    for op in rest.split(",") if rest else []:
        if re.fullmatch(r"\[(0x[0-9a-f]+)\]", op):
            out.append(("mem", int(op[1:-1], 16)))
        elif op.startswith("sp+") or op.startswith("sp-"):
            out.append(("sp+", int(op[2:], 0)))
        elif _NUMBER.match(op):
            out.append(int(op, 0))
        else:
            out.append(op)
    return mnemonic, out


def _mismatches(program: Program) -> list[str]:
    problems = []
    for entry in program.listing:
        if entry.kind != "code":
            continue
        window = program.image[entry.address : entry.address + 3].ljust(3, b"\0")
        decoded = lr35902.decode(window, entry.address)
        theirs = _normalise_theirs(lr35902.disasm(decoded))
        if decoded.len != entry.size or theirs != _normalise_ours(entry.text):
            problems.append(f"0x{entry.address:04x}: emitted {entry.text!r}, decoded {theirs} ({decoded.len} B)")
    return problems


def test_every_emitted_instruction_decodes_to_what_was_meant() -> None:
    program = build_program()
    code = [e for e in program.listing if e.kind == "code"]
    assert len(code) > 500  # the whole game, not a stub
    assert _mismatches(program) == []
    mnemonics = {_normalise_ours(e.text)[0] for e in code}
    # the game exercises CB-prefixed, relative, absolute and high-page instructions
    assert {"bit", "set", "res", "swap", "srl", "jr", "jp", "call", "ldh", "reti"} <= mnemonics


def test_the_comparison_catches_a_wrong_opcode() -> None:
    program = build_program()
    entry = next(e for e in program.listing if e.text == "ld [hl+],a")
    image = bytearray(program.image)
    image[entry.address] = 0x32  # ld [hl-],a
    broken = Program(program.origin, bytes(image), program.labels, program.listing)
    assert len(_mismatches(broken)) == 1


def test_listing_tiles_the_code_without_gaps_or_overlaps() -> None:
    program = build_program()
    entries = sorted(program.listing, key=lambda e: e.address)
    for before, after in itertools.pairwise(entries):
        if before.address + before.size > after.address:
            pytest.fail(f"overlap at 0x{before.address:04x} ({before.text}) and 0x{after.address:04x}")
