"""The Johto world's program: kernel, text and menus, overworld, scripts (each an ``emit_*`` into one Assembler)."""
