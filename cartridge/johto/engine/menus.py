"""The START menu (POKéMON, PACK, EXIT) and its two lists, drawn as Crystal draws its menus. Bank 1, far-called.

While it is open bit 6 of ``wStateFlags`` is set, ``wScriptRunning`` is 1 and the menu is on the window
stack (``wWindowStackSize``); a list is one more window on it. B or EXIT closes everything.
"""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto.data import constants as c
from cartridge.johto.engine.macros import SCREEN_W, add_a_to_hl, coord, load, put, store
from cartridge.johto.engine.text import menu_description
from cartridge.sm83 import Assembler

START_ITEMS = ["POKéMON", "PACK", "EXIT"]
LIST_TOP = 0
LIST_ROWS = 6
"""Lines a list shows (the party is at most six; a pocket's first six entries)."""
SPECIES_NAMES = {
    10: "CATERPIE",
    13: "WEEDLE",
    16: "PIDGEY",
    17: "PIDGEOTTO",
    19: "RATTATA",
    21: "SPEAROW",
    41: "ZUBAT",
    60: "POLIWAG",
    69: "BELLSPROUT",
    92: "GASTLY",
    152: "CHIKORITA",
    155: "CYNDAQUIL",
    158: "TOTODILE",
    161: "SENTRET",
    163: "HOOTHOOT",
    165: "LEDYBA",
    167: "SPINARAK",
    187: "HOPPIP",
}
"""Names of the species the chapter can give or catch (public facts); another shows as its number."""


def emit_menus(asm: Assembler) -> None:
    """``start_menu`` and its lists, into the world code bank."""
    asm.label("start_menu")
    put(asm, r.addr("wScriptRunning"), 1)
    asm.ld("hl", r.addr("wStateFlags"))
    asm.set(r.TEXT_BOX_BIT, "[hl]")
    asm.ld("hl", "start_menu_items")
    asm.call("menu")
    asm.jr("c", "start_menu.close")
    asm.and_("a")
    asm.jr("nz", "start_menu.not_party")
    asm.call("party_list")
    asm.jr("start_menu.close")
    asm.label("start_menu.not_party")
    asm.dec("a")
    asm.call("z", "pack_list")
    asm.label("start_menu.close")
    asm.call("close_window")
    asm.ld("hl", r.addr("wStateFlags"))
    asm.res(r.TEXT_BOX_BIT, "[hl]")
    put(asm, r.addr("wScriptRunning"), 0)
    asm.ret()

    asm.label("list_box")  # a framed box over the screen's top rows, pushed
    asm.call("push_window")
    asm.ld("hl", coord(0, LIST_TOP))
    asm.ld("b", 2 * LIST_ROWS)
    asm.ld("c", SCREEN_W - 2)
    asm.jp("draw_box")

    asm.label("list_wait")  # shown until A or B, then gone
    asm.call("apply_tilemap")
    asm.call("wait_button")
    asm.jp("close_window")

    asm.label("party_list")  # two rows a member: its name and level, then its HP
    asm.call("list_box")
    load(asm, r.addr("wPartyCount"))
    asm.and_("a")
    asm.jr("z", "list_wait")
    asm.ld("b", 0)
    asm.label("party_list.mon")
    asm.push("bc")
    asm.ld("a", "b")
    asm.add("a", "a")
    asm.ld("hl", coord(1, LIST_TOP + 1))
    asm.call("row_offset")
    asm.push("hl")  # the line's start
    asm.ld("a", "b")
    asm.ld("hl", r.addr("wPartySpecies"))
    add_a_to_hl(asm)
    asm.ld("a", "[hl]")
    asm.pop("hl")
    asm.push("hl")
    asm.call("place_species_name")
    asm.pop("hl")
    asm.pop("bc")
    asm.push("bc")
    asm.push("hl")
    asm.ld("a", "b")
    asm.call("party_struct")
    asm.ld("d", "h")
    asm.ld("e", "l")  # de = the member's struct
    asm.pop("hl")
    asm.push("hl")
    asm.ld("bc", 12)
    asm.add("hl", "bc")
    asm.ld("a", ch.CHARS["L"])
    asm.ld("[hl+]", "a")
    asm.ld("a", ch.CHARS["v"])
    asm.ld("[hl+]", "a")
    asm.ld("a", 0x1F)  # level
    asm.call("struct_byte")
    asm.push("de")
    asm.call("place_number")
    asm.pop("de")
    asm.pop("hl")
    asm.ld("bc", SCREEN_W + 2)  # the next row: HP now / most
    asm.add("hl", "bc")
    asm.ld("a", ch.CHARS["H"])
    asm.ld("[hl+]", "a")
    asm.ld("a", ch.CHARS["P"])
    asm.ld("[hl+]", "a")
    asm.inc("hl")
    asm.ld("a", 0x23)  # HP, low byte (the chapter's HP stay below 256)
    asm.call("struct_byte")
    asm.push("de")
    asm.call("place_number")
    asm.pop("de")
    asm.ld("a", ch.CHARS["/"])
    asm.ld("[hl+]", "a")
    asm.ld("a", 0x25)
    asm.call("struct_byte")
    asm.call("place_number")
    asm.pop("bc")
    asm.inc("b")
    load(asm, r.addr("wPartyCount"))
    asm.cp("b")
    asm.jr("nz", "party_list.mon")
    asm.jp("list_wait")

    asm.label("struct_byte")  # de = struct, a = offset -> a = the byte (keeps de, hl)
    asm.push("hl")
    asm.ld("h", "d")
    asm.ld("l", "e")
    add_a_to_hl(asm)
    asm.ld("a", "[hl]")
    asm.pop("hl")
    asm.ret()

    asm.label("party_struct")  # a = index -> hl = wPartyMon1 + index * 0x30
    asm.ld("hl", r.addr("wPartyMon1"))
    asm.ld("de", 0x30)
    asm.label("party_struct.loop")
    asm.and_("a")
    asm.ret("z")
    asm.add("hl", "de")
    asm.dec("a")
    asm.jr("party_struct.loop")

    asm.label("row_offset")  # hl += a rows of the screen
    asm.and_("a")
    asm.ret("z")
    asm.ld("de", SCREEN_W)
    asm.label("row_offset.loop")
    asm.add("hl", "de")
    asm.dec("a")
    asm.jr("nz", "row_offset.loop")
    asm.ret()

    asm.label("place_number")  # a = 0..255 in decimal at hl, no leading zeros
    asm.ld("c", 0)  # digits placed so far
    for divisor in (100, 10):
        asm.ld("b", ch.CHARS["0"] - 1)
        loop = asm.unique("place_number.div")
        asm.label(loop)
        asm.inc("b")
        asm.sub("a", divisor)
        asm.jr("nc", loop)
        asm.add("a", divisor)
        asm.ld("d", "a")
        asm.ld("a", "b")
        asm.cp(ch.CHARS["0"])
        skip = asm.unique("place_number.skip")
        put_digit = asm.unique("place_number.put")
        asm.jr("nz", put_digit)
        asm.ld("a", "c")
        asm.and_("a")
        asm.jr("z", skip)
        asm.ld("a", "b")
        asm.label(put_digit)
        asm.ld("[hl+]", "a")
        asm.inc("c")
        asm.label(skip)
        asm.ld("a", "d")
    asm.add("a", ch.CHARS["0"])
    asm.ld("[hl+]", "a")
    asm.ret()

    asm.label("place_species_name")  # a = species, hl = where -> the name (or its number), hl after it
    asm.ld("b", "a")
    asm.ld("de", "species_names")
    asm.label("place_species_name.find")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(0xFF)
    asm.jr("z", "place_species_name.number")
    asm.cp("b")
    asm.jr("z", "place_species_name.found")
    asm.label("place_species_name.skip")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(ch.END)
    asm.jr("nz", "place_species_name.skip")
    asm.jr("place_species_name.find")
    asm.label("place_species_name.found")
    asm.jp("place_string")
    asm.label("place_species_name.number")
    asm.ld("a", "b")
    asm.jp("place_number")

    asm.label("pack_list")  # the items, then the balls, then the key items, a line each (six at most)
    asm.call("list_box")
    put(asm, r.own("wListCount"), 0)
    asm.ld("hl", r.addr("wItems"))
    asm.ld("c", 1)
    asm.call("pack_pocket")
    asm.ld("hl", r.addr("wBalls"))
    asm.ld("c", 1)
    asm.call("pack_pocket")
    asm.ld("hl", r.addr("wKeyItems"))
    asm.ld("c", 0)
    asm.call("pack_pocket")
    asm.jp("list_wait")

    asm.label("pack_pocket")  # hl = a pocket's entries, c = 1 when they have quantities
    asm.ld("a", "[hl+]")
    asm.cp(0xFF)
    asm.ret("z")
    asm.ld("b", "a")
    load(asm, r.own("wListCount"))
    asm.cp(LIST_ROWS)
    asm.ret("nc")
    asm.push("hl")
    asm.push("bc")
    asm.add("a", "a")
    asm.ld("hl", coord(1, LIST_TOP + 1))
    asm.call("row_offset")
    asm.pop("bc")
    asm.push("bc")
    asm.call("place_item_name")
    asm.pop("bc")
    asm.pop("de")
    asm.ld("a", "c")
    asm.and_("a")
    asm.jr("z", "pack_pocket.next")
    asm.ld("a", ch.CHARS["×"])
    asm.ld("[hl+]", "a")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.push("de")
    asm.push("bc")
    asm.call("place_number")
    asm.pop("bc")
    asm.pop("de")
    asm.label("pack_pocket.next")
    asm.ld("h", "d")
    asm.ld("l", "e")
    load(asm, r.own("wListCount"))
    asm.inc("a")
    store(asm, r.own("wListCount"))
    asm.jr("pack_pocket")

    asm.label("place_item_name")  # b = item, hl = where
    asm.ld("de", "item_names")
    asm.label("place_item_name.find")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(0xFF)
    asm.jr("z", "place_item_name.number")
    asm.cp("b")
    asm.jr("z", "place_species_name.found")
    asm.label("place_item_name.skip")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(ch.END)
    asm.jr("nz", "place_item_name.skip")
    asm.jr("place_item_name.find")
    asm.label("place_item_name.number")
    asm.ld("a", "b")
    asm.jp("place_number")


def emit_menus_data(asm: Assembler) -> None:
    """The START menu's description and the names its lists show (world code bank)."""
    asm.label("start_menu_items")
    asm.db(menu_description(10, 0, 19, 7, START_ITEMS))
    asm.label("species_names")
    for species, name in SPECIES_NAMES.items():
        asm.db(species)
        asm.db(ch.encode(name))
    asm.db(0xFF)
    asm.label("item_names")
    for item, name in c.ITEM_NAMES.items():
        asm.db(item)
        asm.db(ch.encode(name))
    asm.db(0xFF)
