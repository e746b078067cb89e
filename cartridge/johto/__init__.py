"""The Johto world of the demo cartridge: Johto's first chapter at the real game's scale.

Where the tiny world (``cartridge/game.py``) is four screens and a fixed walkthrough, this one
has scrolling maps at Crystal's sizes, text in pages, menus, a story, trainers and chance from
the game's own generator. Its program is an engine (``engine/``: the kernel, text and menus,
the overworld, the script interpreter) reading a world kept as data (``data/maps/``), as the
public disassembly arranges Crystal; ``program.build_program`` assembles both with the battle
code into one MBC3 ROM (``layout.py`` says which bank holds what).
"""
