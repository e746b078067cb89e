"""32-bit by 8-bit multiply and divide on the battle's accumulator `wBtMath`, and helpers around it.

The battle's arithmetic (damage, stats, experience, catching, fleeing) is all a running product of byte-sized
factors and divisors, as Crystal computes it with its own `Multiply`/`Divide`; one accumulator keeps the
code plain. `wBtMath` is four bytes, big-endian.
"""

from __future__ import annotations

from cartridge.johto.battle import ram as r
from cartridge.sm83 import Assembler, Mem

MATH = r.addr("wBtMath")
TEMP = r.addr("wBtTemp")


def emit_math(asm: Assembler) -> None:
    """`bt_mul8`, `bt_div8`, `bt_math_set16`, `bt_math_set8`, `bt_math_get16`, `bt_math_cap16`."""
    # bt_mul8: wBtMath *= a (the product's top bits beyond 32 are lost). Keeps bc, de, hl.
    asm.label("bt_mul8")
    asm.push("bc")
    asm.push("de")
    asm.push("hl")
    asm.ld("c", "a")
    asm.ld("hl", TEMP)
    asm.xor("a")
    for _ in range(4):
        asm.ld("[hl+]", "a")
    asm.ld("b", 8)
    asm.label("bt_mul8.loop")
    asm.ld("hl", TEMP + 3)
    asm.sla("[hl]")
    for _ in range(3):
        asm.dec("hl")
        asm.rl("[hl]")
    asm.sla("c")
    asm.jr("nc", "bt_mul8.skip")
    asm.ld("hl", TEMP + 3)
    asm.ld("de", MATH + 3)
    asm.and_("a")
    for i in range(4):
        asm.ld("a", "[de]")
        asm.adc("a", "[hl]")
        asm.ld("[hl]", "a")
        if i < 3:
            asm.dec("hl")
            asm.dec("de")
    asm.label("bt_mul8.skip")
    asm.dec("b")
    asm.jr("nz", "bt_mul8.loop")
    asm.ld("hl", TEMP)
    asm.ld("de", MATH)
    for _ in range(4):
        asm.ld("a", "[hl+]")
        asm.ld("[de]", "a")
        asm.inc("de")
    asm.pop("hl")
    asm.pop("de")
    asm.pop("bc")
    asm.ret()

    # bt_div8: wBtMath /= a, the remainder in a and wBtMathRemainder. Keeps bc, de, hl. A divisor of 0 acts as 1.
    asm.label("bt_div8")
    asm.push("bc")
    asm.push("de")
    asm.push("hl")
    asm.and_("a")
    asm.jr("nz", "bt_div8.go")
    asm.inc("a")
    asm.label("bt_div8.go")
    asm.ld("c", "a")
    asm.ld("b", 32)
    asm.ld("e", 0)
    asm.label("bt_div8.loop")
    asm.ld("hl", MATH + 3)
    asm.sla("[hl]")
    for _ in range(3):
        asm.dec("hl")
        asm.rl("[hl]")
    asm.rl("e")
    asm.jr("c", "bt_div8.sub")
    asm.ld("a", "e")
    asm.cp("c")
    asm.jr("c", "bt_div8.next")
    asm.label("bt_div8.sub")
    asm.ld("a", "e")
    asm.sub("c")
    asm.ld("e", "a")
    asm.ld("hl", MATH + 3)
    asm.inc("[hl]")
    asm.label("bt_div8.next")
    asm.dec("b")
    asm.jr("nz", "bt_div8.loop")
    asm.ld("a", "e")
    asm.ld(Mem(r.addr("wBtMathRemainder")), "a")
    asm.pop("hl")
    asm.pop("de")
    asm.pop("bc")
    asm.ret()

    # bt_math_set16: wBtMath = hl. bt_math_set8: wBtMath = a.
    asm.label("bt_math_set8")
    asm.ld("l", "a")
    asm.ld("h", 0)
    asm.label("bt_math_set16")
    asm.xor("a")
    asm.ld(Mem(MATH), "a")
    asm.ld(Mem(MATH + 1), "a")
    asm.ld("a", "h")
    asm.ld(Mem(MATH + 2), "a")
    asm.ld("a", "l")
    asm.ld(Mem(MATH + 3), "a")
    asm.ret()

    # bt_math_get16: hl = the low 16 bits of wBtMath; a = the high 16 bits or'ed (0: it fits).
    asm.label("bt_math_get16")
    asm.ld("hl", MATH + 1)
    asm.ld("a", "[hl-]")
    asm.or_("[hl]")
    asm.push("af")
    asm.ld("a", Mem(MATH + 2))
    asm.ld("h", "a")
    asm.ld("a", Mem(MATH + 3))
    asm.ld("l", "a")
    asm.pop("af")
    asm.ret()

    # bt_math_cap16: hl = min(wBtMath, de).
    asm.label("bt_math_cap16")
    asm.call("bt_math_get16")
    asm.jr("nz", "bt_math_cap16.cap")
    asm.ld("a", "l")
    asm.sub("e")
    asm.ld("a", "h")
    asm.sbc("a", "d")
    asm.ret("c")
    asm.label("bt_math_cap16.cap")
    asm.ld("h", "d")
    asm.ld("l", "e")
    asm.ret()
