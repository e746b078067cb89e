"""A small SM83 (Game Boy CPU) assembler driven from Python.

The game program is written as Python calls (``asm.ld("a", 5)``) rather than as text
so that it can be generated with loops and tables, stays inside the project (no
external toolchain to install) and can be tested byte for byte. The assembler keeps
a listing of every instruction it emitted -- address, mnemonic, operands, size -- so
tests can compare what it *meant* with what an independent disassembler decodes.

Operand syntax (all lower case):

* 8-bit registers ``"a" "b" "c" "d" "e" "h" "l"`` and ``"[hl]"``;
  16-bit pairs ``"bc" "de" "hl" "sp" "af"``; indirect ``"[bc]" "[de]" "[hl+]" "[hl-]" "[c]"``;
* conditions ``"nz" "z" "nc" "c"`` as the first argument of ``jp/jr/call/ret``;
* ``int`` for immediates; any other string is a label expression (``"loop"``,
  ``"table+3"``), resolved when :meth:`Assembler.assemble` runs, so forward references work;
* :class:`Mem` for an absolute memory operand ``[nn]`` (``Mem(0xD000)``, ``Mem("label")``);
* :class:`Bank` for the ROM bank a label lies in, as an 8-bit immediate (``ld("a", Bank("label"))``,
  ``db(Bank("label"))``).

Banked sections: a program bigger than 32 KiB puts code and data into the MBC's switchable banks.
:meth:`Assembler.section` starts bank ``n``: the image is padded to ROM offset ``n * 0x4000`` and
addresses run from 0x4000 again, as the CPU sees that bank when it is mapped. Without a section
call the image is one linear run from ``origin`` (a 32 KiB ROM), as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cartridge.errors import AssemblerError

REG8: dict[str, int] = {"b": 0, "c": 1, "d": 2, "e": 3, "h": 4, "l": 5, "[hl]": 6, "a": 7}
REG16: dict[str, int] = {"bc": 0, "de": 1, "hl": 2, "sp": 3}
REG16_STACK: dict[str, int] = {"bc": 0, "de": 1, "hl": 2, "af": 3}
CONDITIONS: dict[str, int] = {"nz": 0, "z": 1, "nc": 2, "c": 3}
INDIRECT = ("[bc]", "[de]", "[hl+]", "[hl-]", "[c]")
RESERVED = frozenset(REG8) | frozenset(REG16) | frozenset(REG16_STACK) | frozenset(INDIRECT) | frozenset(CONDITIONS)

_ALU_BASE = {"add": 0, "adc": 1, "sub": 2, "sbc": 3, "and": 4, "xor": 5, "or": 6, "cp": 7}
_CB_SHIFT = {"rlc": 0, "rrc": 1, "rl": 2, "rr": 3, "sla": 4, "sra": 5, "swap": 6, "srl": 7}
_LABEL_EXPR = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.]*)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?$")

Expr = int | str
"""An immediate: a plain number or a label expression such as ``"table+3"``."""


@dataclass(frozen=True)
class Mem:
    """Absolute memory operand ``[nn]``: ``target`` is an address or a label expression."""

    target: Expr


@dataclass(frozen=True)
class Bank:
    """The ROM bank of the label ``label`` as an 8-bit immediate, resolved with the labels (0 for the fixed bank)."""

    label: str


BANK_SIZE = 0x4000
SWITCHABLE_START = 0x4000
SWITCHABLE_END = 0x8000


@dataclass
class ListingEntry:
    """One emitted item, kept so tests can check the encoding against a disassembler.

    ``kind`` is ``"code"`` for instructions and ``"data"`` for ``db``/``dw``/``ds``;
    ``text`` is filled in by :meth:`Assembler.assemble` once labels are known.
    """

    address: int
    mnemonic: str
    size: int
    kind: str
    operands: tuple[object, ...] = ()
    text: str = ""


@dataclass
class Program:
    """The result of assembling: bytes from ``origin``, the label table and the listing."""

    origin: int
    image: bytes
    labels: dict[str, int]
    listing: list[ListingEntry]
    label_banks: dict[str, int] = field(default_factory=dict)
    """The ROM bank of every label (its image offset // 0x4000; 0 for the fixed bank)."""


@dataclass
class _Fixup:
    offset: int  # into the image
    kind: str  # "u16", "bank", "rel"
    expr: Expr
    instr_address: int
    mnemonic: str
    bank: int = 0  # the section the instruction is in (0: the fixed bank or a linear image)


@dataclass
class _Value:
    """A listing operand whose text is known only after labels are resolved."""

    expr: Expr
    fmt: str  # "imm8", "imm16", "mem", "memh", "target"


@dataclass
class Assembler:
    """Collects instructions and data, then resolves labels into a :class:`Program`."""

    origin: int = 0
    _data: bytearray = field(default_factory=bytearray)
    _labels: dict[str, int] = field(default_factory=dict)
    _fixups: list[_Fixup] = field(default_factory=list)
    _listing: list[ListingEntry] = field(default_factory=list)
    _unique: int = 0
    _bank: int = 0
    _label_banks: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------------ layout
    @property
    def pc(self) -> int:
        """Address of the next byte to be emitted (as the CPU sees it: 0x4000.. inside a switchable bank)."""
        if self._bank:
            return SWITCHABLE_START + len(self._data) - self._bank * BANK_SIZE
        return self.origin + len(self._data)

    @property
    def bank(self) -> int:
        """The section being emitted into (0: the fixed bank, or a linear image without sections)."""
        return self._bank

    def section(self, bank: int, fill: int = 0x00) -> None:
        """Continue in ROM bank ``bank`` (mapped at 0x4000-0x7FFF): banks only go up, and each must fit in 16 KiB."""
        if self.origin != 0:
            raise AssemblerError(f"banked sections need an image assembled from address 0, not 0x{self.origin:04x}")
        if bank < 1 or bank <= self._bank:
            raise AssemblerError(f"section {bank}: banks are 1.. and only go up (now in bank {self._bank})")
        self._check_bank_size()
        start = bank * BANK_SIZE
        if len(self._data) > start:
            raise AssemblerError(
                f"section {bank}: the image is already 0x{len(self._data):x} bytes, past bank {bank}'s start "
                f"0x{start:x} (bank {self._bank} overflows by {len(self._data) - start} bytes)"
            )
        self._data.extend([fill] * (start - len(self._data)))
        self._bank = bank

    def _check_bank_size(self) -> None:
        if self._bank and self.pc > SWITCHABLE_END:
            raise AssemblerError(f"bank {self._bank} overflows by {self.pc - SWITCHABLE_END} bytes")

    def org(self, address: int, fill: int = 0x00) -> None:
        """Pad up to ``address`` (never backwards: that would overwrite emitted code)."""
        if address < self.pc:
            raise AssemblerError(f"org 0x{address:04x} is behind the current address 0x{self.pc:04x}")
        self._data.extend([fill] * (address - self.pc))

    def label(self, name: str) -> str:
        """Define ``name`` at the current address; returns the name for convenience."""
        if name in RESERVED or not _LABEL_EXPR.match(name) or "+" in name or "-" in name:
            raise AssemblerError(f"invalid label name {name!r}")
        if name in self._labels:
            raise AssemblerError(f"label {name!r} defined twice (first at 0x{self._labels[name]:04x})")
        self._labels[name] = self.pc
        self._label_banks[name] = (self.origin + len(self._data)) // BANK_SIZE
        return name

    def unique(self, prefix: str) -> str:
        """A fresh label name for generated code (loops inside macros)."""
        self._unique += 1
        return f"{prefix}.{self._unique}"

    # ------------------------------------------------------------------ data
    def db(self, *values: int | bytes | Iterable[int] | Bank) -> None:
        """Emit bytes; each argument is a byte value, a ``bytes`` object, an iterable of bytes or a :class:`Bank`."""
        start = self.pc
        size = 0
        for value in values:
            if isinstance(value, Bank):
                self._bank_fixup(value, "db", start)
                size += 1
                continue
            out = bytearray()
            if isinstance(value, int):
                out.append(self._check_u8(value, "db"))
            else:
                out.extend(self._check_u8(v, "db") for v in value)
            self._data.extend(out)
            size += len(out)
        self._listing.append(ListingEntry(start, "db", size, "data"))

    def _bank_fixup(self, value: Bank, mnemonic: str, instr_address: int) -> None:
        self._parse_expr(value.label)
        self._fixups.append(_Fixup(len(self._data), "bank", value.label, instr_address, mnemonic, self._bank))
        self._data.append(0)

    def dw(self, *values: Expr) -> None:
        """Emit little-endian 16-bit words (numbers or label expressions)."""
        start = self.pc
        for value in values:
            self._word(value, "dw")
        self._listing.append(ListingEntry(start, "dw", 2 * len(values), "data"))

    def ds(self, count: int, fill: int = 0) -> None:
        """Reserve ``count`` bytes filled with ``fill``."""
        if count < 0:
            raise AssemblerError(f"ds count must be >= 0, got {count}")
        start = self.pc
        self._data.extend([self._check_u8(fill, "ds")] * count)
        self._listing.append(ListingEntry(start, "ds", count, "data"))

    # ------------------------------------------------------------------ loads
    def ld(self, dst: object, src: object) -> None:
        """``ld`` in all its SM83 forms (8-bit, 16-bit immediate, indirect, absolute)."""
        if dst in REG8 and src in REG8:
            if dst == "[hl]" and src == "[hl]":
                raise AssemblerError("ld [hl],[hl] does not exist (that opcode is halt)")
            self._op("ld", (dst, src), 0x40 | REG8[dst] << 3 | REG8[src])
        elif dst in REG8 and isinstance(src, int):
            self._op("ld", (dst, _Value(src, "imm8")), 0x06 | REG8[dst] << 3, self._check_u8(src, "ld"))
        elif dst in REG8 and isinstance(src, Bank):
            address = self.pc
            self._listing.append(ListingEntry(address, "ld", 2, "code", (dst, _Value(src.label, "bank"))))
            self._data.append(0x06 | REG8[dst] << 3)
            self._bank_fixup(src, "ld", address)
        elif dst in REG16 and isinstance(src, int | str) and src not in RESERVED:
            self._op16("ld", (dst, _Value(src, "imm16")), [0x01 | REG16[dst] << 4], src)
        elif (dst, src) in _LD_FIXED:
            self._op("ld", (dst, src), _LD_FIXED[(dst, src)])
        elif isinstance(dst, Mem) and src == "a":
            self._op16("ld", (_Value(dst.target, "mem"), "a"), [0xEA], dst.target)
        elif dst == "a" and isinstance(src, Mem):
            self._op16("ld", ("a", _Value(src.target, "mem")), [0xFA], src.target)
        elif isinstance(dst, Mem) and src == "sp":
            self._op16("ld", (_Value(dst.target, "mem"), "sp"), [0x08], dst.target)
        else:
            raise AssemblerError(f"ld {dst!r},{src!r}: no such SM83 instruction")

    def ldh(self, dst: object, src: object) -> None:
        """``ldh [n],a`` / ``ldh a,[n]`` for the 0xFF00 page (I/O registers and HRAM)."""
        if isinstance(dst, Mem) and src == "a":
            n = self._high_page(dst.target)
            self._op("ldh", (_Value(0xFF00 | n, "memh"), "a"), 0xE0, n)
        elif dst == "a" and isinstance(src, Mem):
            n = self._high_page(src.target)
            self._op("ldh", ("a", _Value(0xFF00 | n, "memh")), 0xF0, n)
        else:
            raise AssemblerError(f"ldh {dst!r},{src!r}: expects ldh Mem(0xFFxx),a or ldh a,Mem(0xFFxx)")

    def ld_hl_sp(self, offset: int) -> None:
        """``ld hl,sp+e``."""
        self._op("ld", ("hl", _Value(offset, "sp+")), 0xF8, self._check_s8(offset, "ld hl,sp+e"))

    def push(self, pair: str) -> None:
        """Push a register pair (``af``, ``bc``, ``de``, ``hl``)."""
        self._op("push", (pair,), 0xC5 | self._pair(pair, REG16_STACK, "push") << 4)

    def pop(self, pair: str) -> None:
        """Pop a register pair (``af``, ``bc``, ``de``, ``hl``)."""
        self._op("pop", (pair,), 0xC1 | self._pair(pair, REG16_STACK, "pop") << 4)

    # ------------------------------------------------------------------ arithmetic
    def _alu(self, name: str, args: tuple[object, ...]) -> None:
        if len(args) == 2:
            if args[0] != "a":
                raise AssemblerError(f"{name} {args[0]!r},...: the destination must be a")
            args = args[1:]
        if len(args) != 1:
            raise AssemblerError(f"{name} expects one operand (or a, operand)")
        src = args[0]
        if src in REG8:
            self._op(name, ("a", src), 0x80 | _ALU_BASE[name] << 3 | REG8[src])
        elif isinstance(src, int):
            self._op(name, ("a", _Value(src, "imm8")), 0xC6 | _ALU_BASE[name] << 3, self._check_u8(src, name))
        else:
            raise AssemblerError(f"{name} a,{src!r}: operand must be an 8-bit register, [hl] or a number")

    def add(self, *args: object) -> None:
        """``add a,x``, ``add hl,rr`` or ``add sp,e``."""
        if len(args) == 2 and args[0] == "hl":
            self._op("add", ("hl", args[1]), 0x09 | self._pair(args[1], REG16, "add hl") << 4)
        elif len(args) == 2 and args[0] == "sp":
            offset = args[1]
            if not isinstance(offset, int):
                raise AssemblerError("add sp,e needs a signed number")
            self._op("add", ("sp", _Value(offset, "s8")), 0xE8, self._check_s8(offset, "add sp,e"))
        else:
            self._alu("add", args)

    def adc(self, *args: object) -> None:
        """``adc a,x``."""
        self._alu("adc", args)

    def sub(self, *args: object) -> None:
        """``sub a,x``."""
        self._alu("sub", args)

    def sbc(self, *args: object) -> None:
        """``sbc a,x``."""
        self._alu("sbc", args)

    def and_(self, *args: object) -> None:
        """``and a,x`` (trailing underscore: ``and`` is a Python keyword)."""
        self._alu("and", args)

    def xor(self, *args: object) -> None:
        """``xor a,x``."""
        self._alu("xor", args)

    def or_(self, *args: object) -> None:
        """``or a,x`` (trailing underscore: ``or`` is a Python keyword)."""
        self._alu("or", args)

    def cp(self, *args: object) -> None:
        """``cp a,x``."""
        self._alu("cp", args)

    def inc(self, target: str) -> None:
        """Increment an 8-bit register, ``[hl]`` or a 16-bit pair."""
        if target in REG8:
            self._op("inc", (target,), 0x04 | REG8[target] << 3)
        else:
            self._op("inc", (target,), 0x03 | self._pair(target, REG16, "inc") << 4)

    def dec(self, target: str) -> None:
        """Decrement an 8-bit register, ``[hl]`` or a 16-bit pair."""
        if target in REG8:
            self._op("dec", (target,), 0x05 | REG8[target] << 3)
        else:
            self._op("dec", (target,), 0x0B | self._pair(target, REG16, "dec") << 4)

    # ------------------------------------------------------------------ control flow
    def jp(self, a: object, b: object = None) -> None:
        """``jp nn``, ``jp cc,nn`` or ``jp hl``."""
        if a == "hl" and b is None:
            self._op("jp", ("hl",), 0xE9)
        elif b is None:
            self._op16("jp", (_Value(self._target(a), "target"),), [0xC3], self._target(a))
        else:
            cc = self._cond(a, "jp")
            self._op16("jp", (a, _Value(self._target(b), "target")), [0xC2 | cc << 3], self._target(b))

    def jr(self, a: object, b: object = None) -> None:
        """``jr e`` / ``jr cc,e``: relative jump, checked against -128..127 when labels resolve."""
        if b is None:
            opcode, operands, target = 0x18, (_Value(self._target(a), "target"),), self._target(a)
        else:
            opcode = 0x20 | self._cond(a, "jr") << 3
            target = self._target(b)
            operands = (a, _Value(target, "target"))
        address = self.pc
        self._listing.append(ListingEntry(address, "jr", 2, "code", operands))
        self._data.append(opcode)
        self._fixups.append(_Fixup(len(self._data), "rel", target, address, "jr", self._bank))
        self._data.append(0)

    def call(self, a: object, b: object = None) -> None:
        """``call nn`` or ``call cc,nn``."""
        if b is None:
            self._op16("call", (_Value(self._target(a), "target"),), [0xCD], self._target(a))
        else:
            cc = self._cond(a, "call")
            self._op16("call", (a, _Value(self._target(b), "target")), [0xC4 | cc << 3], self._target(b))

    def ret(self, cond: str | None = None) -> None:
        """``ret`` or ``ret cc``."""
        if cond is None:
            self._op("ret", (), 0xC9)
        else:
            self._op("ret", (cond,), 0xC0 | self._cond(cond, "ret") << 3)

    def reti(self) -> None:
        """Return from an interrupt handler and re-enable interrupts."""
        self._op("reti", (), 0xD9)

    def rst(self, vector: int) -> None:
        """``rst n`` for n in 0x00, 0x08, ... 0x38."""
        if vector not in range(0, 0x40, 8):
            raise AssemblerError(f"rst 0x{vector:x}: vector must be one of 0x00, 0x08, ... 0x38")
        self._op("rst", (_Value(vector, "imm8"),), 0xC7 | vector)

    # ------------------------------------------------------------------ misc
    def nop(self) -> None:
        """No operation."""
        self._op("nop", (), 0x00)

    def halt(self) -> None:
        """Sleep until an interrupt is pending (the game waits out each frame this way)."""
        self._op("halt", (), 0x76)

    def stop(self) -> None:
        """``stop 0`` (two bytes)."""
        self._op("stop", (), 0x10, 0x00)

    def di(self) -> None:
        """Disable interrupts."""
        self._op("di", (), 0xF3)

    def ei(self) -> None:
        """Enable interrupts."""
        self._op("ei", (), 0xFB)

    def rlca(self) -> None:
        """Rotate a left (bit 7 to carry and bit 0)."""
        self._op("rlca", (), 0x07)

    def rrca(self) -> None:
        """Rotate a right (bit 0 to carry and bit 7)."""
        self._op("rrca", (), 0x0F)

    def rla(self) -> None:
        """Rotate a left through carry."""
        self._op("rla", (), 0x17)

    def rra(self) -> None:
        """Rotate a right through carry."""
        self._op("rra", (), 0x1F)

    def daa(self) -> None:
        """Decimal-adjust a."""
        self._op("daa", (), 0x27)

    def cpl(self) -> None:
        """Complement a."""
        self._op("cpl", (), 0x2F)

    def scf(self) -> None:
        """Set the carry flag."""
        self._op("scf", (), 0x37)

    def ccf(self) -> None:
        """Complement the carry flag."""
        self._op("ccf", (), 0x3F)

    # ------------------------------------------------------------------ CB prefix
    def _cb(self, name: str, base: int, target: str) -> None:
        if target not in REG8:
            raise AssemblerError(f"{name} {target!r}: operand must be an 8-bit register or [hl]")
        self._op(name, (target,), 0xCB, base | REG8[target])

    def rlc(self, target: str) -> None:
        """Rotate left (CB prefix)."""
        self._cb("rlc", 0x00, target)

    def rrc(self, target: str) -> None:
        """Rotate right (CB prefix)."""
        self._cb("rrc", 0x08, target)

    def rl(self, target: str) -> None:
        """Rotate left through carry (CB prefix)."""
        self._cb("rl", 0x10, target)

    def rr(self, target: str) -> None:
        """Rotate right through carry (CB prefix)."""
        self._cb("rr", 0x18, target)

    def sla(self, target: str) -> None:
        """Shift left arithmetic (CB prefix)."""
        self._cb("sla", 0x20, target)

    def sra(self, target: str) -> None:
        """Shift right arithmetic (CB prefix)."""
        self._cb("sra", 0x28, target)

    def swap(self, target: str) -> None:
        """Swap nibbles (CB prefix)."""
        self._cb("swap", 0x30, target)

    def srl(self, target: str) -> None:
        """Shift right logical (CB prefix)."""
        self._cb("srl", 0x38, target)

    def _bitop(self, name: str, base: int, bit: int, target: str) -> None:
        if bit not in range(8):
            raise AssemblerError(f"{name} {bit},{target}: bit index must be 0..7")
        if target not in REG8:
            raise AssemblerError(f"{name} {bit},{target!r}: operand must be an 8-bit register or [hl]")
        self._op(name, (_Value(bit, "bit"), target), 0xCB, base | bit << 3 | REG8[target])

    def bit(self, bit: int, target: str) -> None:
        """Test a bit: Z set when the bit is 0."""
        self._bitop("bit", 0x40, bit, target)

    def res(self, bit: int, target: str) -> None:
        """Clear a bit."""
        self._bitop("res", 0x80, bit, target)

    def set(self, bit: int, target: str) -> None:
        """Set a bit."""
        self._bitop("set", 0xC0, bit, target)

    # ------------------------------------------------------------------ resolve
    def assemble(self) -> Program:
        """Resolve every label reference and return the finished :class:`Program`."""
        self._check_bank_size()
        data = bytearray(self._data)
        for fix in self._fixups:
            if fix.kind == "bank":
                name, _ = self._parse_expr(str(fix.expr))
                if name not in self._label_banks:
                    raise AssemblerError(f"{fix.mnemonic} at 0x{fix.instr_address:04x}: undefined label {name!r}")
                data[fix.offset] = self._label_banks[name]
                continue
            value = self._resolve(fix.expr, fix.mnemonic, fix.instr_address)
            self._check_reach(fix)
            if fix.kind == "u16":
                if not 0 <= value <= 0xFFFF:
                    raise AssemblerError(f"{fix.mnemonic} at 0x{fix.instr_address:04x}: 0x{value:x} is not 16-bit")
                data[fix.offset] = value & 0xFF
                data[fix.offset + 1] = value >> 8
            elif fix.kind == "rel":
                offset = value - (fix.instr_address + 2)
                if not -128 <= offset <= 127:
                    raise AssemblerError(
                        f"jr at 0x{fix.instr_address:04x} to {fix.expr!r} (0x{value:04x}): offset {offset:+d} "
                        "is outside -128..127; use jp"
                    )
                data[fix.offset] = offset & 0xFF
            else:  # pragma: no cover - only u16/rel are created
                raise AssemblerError(f"unknown fixup kind {fix.kind}")
        for entry in self._listing:
            entry.text = self._render(entry)
        return Program(self.origin, bytes(data), dict(self._labels), list(self._listing), dict(self._label_banks))

    def _check_reach(self, fix: _Fixup) -> None:
        """A jump or call from one switchable bank into another lands in whatever the other bank's address holds
        in this one: refused (cross banks through a far call in the fixed bank)."""
        if fix.mnemonic not in ("jp", "call", "jr") or not isinstance(fix.expr, str) or not fix.bank:
            return
        name, _ = self._parse_expr(fix.expr)
        target = self._label_banks.get(name, 0)
        if target and target != fix.bank:
            raise AssemblerError(
                f"{fix.mnemonic} at 0x{fix.instr_address:04x} in bank {fix.bank} to {fix.expr!r} in bank {target}: "
                "another switchable bank is not mapped there; use a far call"
            )

    # ------------------------------------------------------------------ helpers
    def _op(self, mnemonic: str, operands: tuple[object, ...], *encoded: int) -> None:
        self._listing.append(ListingEntry(self.pc, mnemonic, len(encoded), "code", operands))
        self._data.extend(encoded)

    def _op16(self, mnemonic: str, operands: tuple[object, ...], prefix: list[int], expr: Expr) -> None:
        address = self.pc
        self._listing.append(ListingEntry(address, mnemonic, len(prefix) + 2, "code", operands))
        self._data.extend(prefix)
        self._word(expr, mnemonic, address)

    def _word(self, expr: Expr, mnemonic: str, instr_address: int | None = None) -> None:
        address = self.pc if instr_address is None else instr_address
        if isinstance(expr, int):
            if not 0 <= expr <= 0xFFFF:
                raise AssemblerError(f"{mnemonic}: 0x{expr:x} does not fit in 16 bits")
            self._data.extend((expr & 0xFF, expr >> 8))
        else:
            self._parse_expr(expr)
            self._fixups.append(_Fixup(len(self._data), "u16", expr, address, mnemonic, self._bank))
            self._data.extend((0, 0))

    def _target(self, value: object) -> Expr:
        if isinstance(value, int) or (isinstance(value, str) and value not in RESERVED):
            if isinstance(value, str):
                self._parse_expr(value)
            return value
        raise AssemblerError(f"jump target {value!r} must be an address or a label")

    @staticmethod
    def _cond(value: object, mnemonic: str) -> int:
        if value not in CONDITIONS:
            raise AssemblerError(f"{mnemonic} {value!r},...: condition must be one of nz, z, nc, c")
        return CONDITIONS[value]  # type: ignore[index]

    @staticmethod
    def _pair(value: object, table: dict[str, int], mnemonic: str) -> int:
        if value not in table:
            raise AssemblerError(f"{mnemonic} {value!r}: register pair must be one of {', '.join(table)}")
        return table[value]  # type: ignore[index]

    @staticmethod
    def _check_u8(value: int, mnemonic: str) -> int:
        if not isinstance(value, int) or not -128 <= value <= 0xFF:
            raise AssemblerError(f"{mnemonic}: {value!r} does not fit in one byte (-128..255)")
        return value & 0xFF

    @staticmethod
    def _check_s8(value: int, mnemonic: str) -> int:
        if not -128 <= value <= 127:
            raise AssemblerError(f"{mnemonic}: {value} is outside -128..127")
        return value & 0xFF

    @staticmethod
    def _high_page(target: Expr) -> int:
        if not isinstance(target, int) or not (0xFF00 <= target <= 0xFFFF or 0 <= target <= 0xFF):
            raise AssemblerError(f"ldh needs an address in 0xFF00..0xFFFF, got {target!r}")
        return target & 0xFF

    @staticmethod
    def _parse_expr(expr: str) -> tuple[str, int]:
        match = _LABEL_EXPR.match(expr)
        if not match:
            raise AssemblerError(f"cannot parse label expression {expr!r}")
        name, sign, number = match.groups()
        offset = 0 if number is None else int(number, 0)
        return name, -offset if sign == "-" else offset

    def _resolve(self, expr: Expr, mnemonic: str, address: int) -> int:
        if isinstance(expr, int):
            return expr
        name, offset = self._parse_expr(expr)
        if name not in self._labels:
            raise AssemblerError(f"{mnemonic} at 0x{address:04x}: undefined label {name!r}")
        return self._labels[name] + offset

    def _render(self, entry: ListingEntry) -> str:
        parts: list[str] = []
        for operand in entry.operands:
            if isinstance(operand, _Value) and operand.fmt == "bank":
                parts.append(f"0x{self._label_banks[self._parse_expr(str(operand.expr))[0]]:02x}")
            elif isinstance(operand, _Value):
                value = self._resolve(operand.expr, entry.mnemonic, entry.address)
                parts.append(
                    {
                        "imm8": f"0x{value & 0xFF:02x}",
                        "imm16": f"0x{value:04x}",
                        "mem": f"[0x{value:04x}]",
                        "memh": f"[0x{value:04x}]",
                        "target": f"0x{value:04x}",
                        "bit": str(value),
                        "s8": str(value),
                        "sp+": f"sp{value:+d}",
                    }[operand.fmt]
                )
            else:
                parts.append(str(operand))
        return f"{entry.mnemonic} {','.join(parts)}".strip()


_LD_FIXED: dict[tuple[object, object], int] = {
    ("[bc]", "a"): 0x02,
    ("[de]", "a"): 0x12,
    ("a", "[bc]"): 0x0A,
    ("a", "[de]"): 0x1A,
    ("[hl+]", "a"): 0x22,
    ("a", "[hl+]"): 0x2A,
    ("[hl-]", "a"): 0x32,
    ("a", "[hl-]"): 0x3A,
    ("[c]", "a"): 0xE2,
    ("a", "[c]"): 0xF2,
    ("sp", "hl"): 0xF9,
}
