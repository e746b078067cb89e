"""Text and menus, drawn in ``wTilemap`` as Crystal draws them: the text box, pages, yes/no, vertical menus.

All in ROM bank 0; strings are read from whatever bank is mapped (the caller's own). Character
codes and control codes: ``charmap.py``. Boxes are framed with Crystal's frame tiles (0x79-0x7E)
and their attributes are the text palette with BG priority, so a box hides the sprites behind it.

- ``place_string``: hl = ``wTilemap`` address, de = string (0x50-terminated; ``<NEXT>`` two rows down,
  ``<PLAYER>``/``<RIVAL>`` the names). Returns de after the terminator, hl after the last character.
- ``draw_box``: hl = ``wTilemap`` address of the top-left corner, b = rows inside, c = columns inside: a framed
  blank box, tiles and attributes.
- ``text_box``: the text box framed and blank on rows 12-17; bit 6 of ``wStateFlags`` set.
- ``clear_text_box``: the text box's inside blank.
- ``print_text_page``: de = text (``charmap.py``: pages, lines, ``<PROMPT>`` or ``<DONE>`` at the end), shown page
  by page, A or B waited for at each ▼; the box stays open; de = after the end code.
- ``wait_button``: waits for A or B newly pressed; a = those buttons.
- ``menu``: hl = menu description (left, top, right, bottom, the first item's row below top, item count, the
  items as strings). Returns a = the chosen index (0-based), carry set when B closed it; the menu stays drawn
  and pushed (``close_window`` takes it away).
- ``yes_no_box``: carry clear for YES, set for NO or B; the box is gone again.
- ``push_window`` / ``close_window``: save / restore ``wTilemap`` and ``wAttrmap`` on the window stack (WRAM
  bank 7), ``wWindowStackSize`` +1 / -1; the restored screen is applied.

Text appears a page at a time (no letter-by-letter delay: nothing is learnt from waiting);
``wMenuCursorY`` (1-based) follows the cursor, ``w2DMenuNumRows`` holds the item count,
``wMenuBorder*Coord`` the box, ``wMenuSelection`` the chosen index, ``wMenuJoypad`` the button.
"""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import ram as r
from cartridge.johto.engine.macros import SCREEN_H, SCREEN_W, coord, load, put, store, wram_bank
from cartridge.johto.layout import TEXT_PALETTE
from cartridge.sm83 import Assembler, Mem

TEXT_ATTR = 0x80 | TEXT_PALETTE
"""BG priority over sprites, palette 7."""
ATTR_OFFSET = r.addr("wAttrmap") - r.addr("wTilemap")
TEXT_TOP = 12
LINE_1, LINE_2 = coord(1, 14), coord(1, 16)
PROMPT_AT = coord(18, 16)
WINDOW_SIZE = 2 * SCREEN_W * SCREEN_H
MAX_WINDOWS = 0x1000 // WINDOW_SIZE
YES_NO = (14, 7, 19, 11)


def menu_description(left: int, top: int, right: int, bottom: int, items: list[str], first_row: int = 2) -> bytes:
    """The bytes ``menu`` reads: the box, where the first item goes, the items (checked against the box)."""
    if not (0 <= left < right < SCREEN_W and 0 <= top < bottom < SCREEN_H):
        raise ValueError(f"menu box ({left},{top})-({right},{bottom}) is not on the screen")
    last_row = top + first_row + 2 * (len(items) - 1)
    if not items or last_row >= bottom:
        raise ValueError(f"{len(items)} items from row {top + first_row} do not fit above the box's bottom {bottom}")
    for item in items:
        if left + 2 + len(item) > right:
            raise ValueError(f"menu item {item!r} runs over the box's right edge ({right})")
    return bytes((left, top, right, bottom, first_row, len(items))) + b"".join(ch.encode(i) for i in items)


def emit_text(asm: Assembler) -> None:
    """The text and menu routines, into bank 0."""
    _emit_strings(asm)
    _emit_boxes(asm)
    _emit_pages(asm)
    _emit_menus(asm)


def emit_text_data(asm: Assembler) -> None:
    """The yes/no box's description (bank 0, beside the routines that read it)."""
    asm.label("yes_no_menu")
    asm.db(menu_description(*YES_NO, ["YES", "NO"], first_row=1))


# ============================================================================ strings
def _emit_strings(asm: Assembler) -> None:
    asm.label("place_string")
    asm.call("place_string.mark")
    asm.label("place_string.loop")
    asm.ld("a", "[de]")
    asm.inc("de")
    asm.cp(ch.END)
    asm.ret("z")
    asm.cp(ch.NEXT)
    asm.jr("z", "place_string.next")
    asm.cp(ch.PLAYER)
    asm.jr("z", "place_string.player")
    asm.cp(ch.RIVAL)
    asm.jr("z", "place_string.rival")
    asm.ld("[hl+]", "a")
    asm.jr("place_string.loop")
    asm.label("place_string.next")
    asm.ldh("a", Mem(r.hTextLine))
    asm.ld("h", "a")
    asm.ldh("a", Mem(r.hTextLine + 1))
    asm.ld("l", "a")
    asm.ld("a", 2 * SCREEN_W)
    asm.add("a", "l")
    asm.ld("l", "a")
    asm.ld("a", "h")
    asm.adc("a", 0)
    asm.ld("h", "a")
    asm.call("place_string.mark")
    asm.jr("place_string.loop")
    for name, var in (("player", "wPlayerName"), ("rival", "wRivalName")):
        asm.label(f"place_string.{name}")
        asm.push("de")
        asm.ld("de", r.addr(var))
        asm.call("place_name")
        asm.pop("de")
        asm.jr("place_string.loop")
    asm.label("place_string.mark")
    asm.ld("a", "h")
    asm.ldh(Mem(r.hTextLine), "a")
    asm.ld("a", "l")
    asm.ldh(Mem(r.hTextLine + 1), "a")
    asm.ret()

    asm.label("place_name")  # de = name (0x50-terminated, no control codes) -> hl, advanced
    asm.ld("a", "[de]")
    asm.cp(ch.END)
    asm.ret("z")
    asm.ld("[hl+]", "a")
    asm.inc("de")
    asm.jr("place_name")


# ============================================================================ boxes
def _emit_boxes(asm: Assembler) -> None:
    asm.label("draw_box")  # hl = top-left, b = inside rows, c = inside columns
    asm.push("bc")
    asm.push("hl")
    asm.ld("de", (ch.FRAME_TL << 8) | ch.FRAME_H)
    asm.ld("a", ch.FRAME_TR)
    asm.call("draw_box.row")
    asm.label("draw_box.middle")
    asm.ld("de", (ch.FRAME_V << 8) | ch.BLANK)
    asm.ld("a", ch.FRAME_V)
    asm.call("draw_box.row")
    asm.dec("b")
    asm.jr("nz", "draw_box.middle")
    asm.ld("de", (ch.FRAME_BL << 8) | ch.FRAME_H)
    asm.ld("a", ch.FRAME_BR)
    asm.call("draw_box.row")
    asm.pop("hl")
    asm.pop("bc")
    # the attributes of the same rectangle: text palette with priority
    asm.ld("de", ATTR_OFFSET)
    asm.add("hl", "de")
    asm.inc("b")
    asm.inc("b")
    asm.label("draw_box.attr_row")
    asm.push("hl")
    asm.ld("a", "c")
    asm.add("a", 2)
    asm.ld("e", "a")
    asm.ld("a", TEXT_ATTR)
    asm.label("draw_box.attr")
    asm.ld("[hl+]", "a")
    asm.dec("e")
    asm.jr("nz", "draw_box.attr")
    asm.pop("hl")
    asm.ld("de", SCREEN_W)
    asm.add("hl", "de")
    asm.dec("b")
    asm.jr("nz", "draw_box.attr_row")
    asm.ret()

    asm.label("draw_box.row")  # d = left tile, e = inside tile, a = right tile; c inside; hl -> next row
    asm.push("hl")
    asm.push("af")
    asm.ld("a", "d")
    asm.ld("[hl+]", "a")
    asm.ld("d", "c")
    asm.ld("a", "e")
    asm.label("draw_box.inside")
    asm.ld("[hl+]", "a")
    asm.dec("d")
    asm.jr("nz", "draw_box.inside")
    asm.pop("af")
    asm.ld("[hl]", "a")
    asm.pop("hl")
    asm.ld("de", SCREEN_W)
    asm.add("hl", "de")
    asm.ret()

    asm.label("text_box")
    asm.push("bc")
    asm.push("de")
    asm.push("hl")
    asm.ld("hl", coord(0, TEXT_TOP))
    asm.ld("b", SCREEN_H - TEXT_TOP - 2)
    asm.ld("c", SCREEN_W - 2)
    asm.call("draw_box")
    asm.ld("hl", r.addr("wStateFlags"))
    asm.set(r.TEXT_BOX_BIT, "[hl]")
    asm.pop("hl")
    asm.pop("de")
    asm.pop("bc")
    asm.ret()

    asm.label("clear_text_box")
    asm.push("bc")
    asm.push("hl")
    asm.ld("hl", coord(1, TEXT_TOP + 1))
    asm.ld("b", SCREEN_H - TEXT_TOP - 2)
    asm.label("clear_text_box.row")
    asm.ld("c", SCREEN_W - 2)
    asm.ld("a", ch.BLANK)
    asm.label("clear_text_box.tile")
    asm.ld("[hl+]", "a")
    asm.dec("c")
    asm.jr("nz", "clear_text_box.tile")
    asm.ld("a", 2)
    asm.add("a", "l")
    asm.ld("l", "a")
    asm.ld("a", "h")
    asm.adc("a", 0)
    asm.ld("h", "a")
    asm.dec("b")
    asm.jr("nz", "clear_text_box.row")
    asm.pop("hl")
    asm.pop("bc")
    asm.ret()


# ============================================================================ pages
def _emit_pages(asm: Assembler) -> None:
    asm.label("print_text_page")  # de = text
    asm.call("text_box")
    asm.ld("hl", LINE_1)
    asm.label("print_text_page.loop")
    asm.ld("a", "[de]")
    asm.inc("de")
    for code, target in (
        (ch.END, "print_text_page.end"),
        (ch.DONE, "print_text_page.end"),
        (ch.PROMPT, "print_text_page.prompt"),
        (ch.LINE, "print_text_page.line"),
        (ch.PARA, "print_text_page.para"),
        (ch.CONT, "print_text_page.cont"),
        (ch.PLAYER, "print_text_page.player"),
        (ch.RIVAL, "print_text_page.rival"),
    ):
        asm.cp(code)
        asm.jr("z", target)
    asm.ld("[hl+]", "a")
    asm.jr("print_text_page.loop")
    asm.label("print_text_page.line")
    asm.ld("hl", LINE_2)
    asm.jr("print_text_page.loop")
    asm.label("print_text_page.para")
    asm.call("text_prompt")
    asm.call("clear_text_box")
    asm.ld("hl", LINE_1)
    asm.jr("print_text_page.loop")
    asm.label("print_text_page.cont")
    asm.call("text_prompt")
    asm.call("scroll_text_box")
    asm.ld("hl", LINE_2)
    asm.jr("print_text_page.loop")
    for name, var in (("player", "wPlayerName"), ("rival", "wRivalName")):
        asm.label(f"print_text_page.{name}")
        asm.push("de")
        asm.ld("de", r.addr(var))
        asm.call("place_name")
        asm.pop("de")
        asm.jr("print_text_page.loop")
    asm.label("print_text_page.prompt")
    asm.call("text_prompt")
    asm.label("print_text_page.end")
    asm.jp("apply_tilemap")

    asm.label("text_prompt")  # ▼ in the corner, shown; wait for A or B; the ▼ erased (shown with the next apply)
    asm.ld("a", ch.PROMPT_ARROW)
    asm.ld(Mem(PROMPT_AT), "a")
    asm.call("apply_tilemap")
    asm.call("wait_button")
    asm.ld("a", ch.BLANK)
    asm.ld(Mem(PROMPT_AT), "a")
    asm.ret()

    asm.label("scroll_text_box")  # the second line up to the first, the second blank
    asm.push("de")
    asm.push("hl")
    asm.ld("hl", LINE_2)
    asm.ld("de", LINE_1)
    asm.ld("bc", SCREEN_W - 2)
    asm.call("memcpy")
    asm.ld("hl", LINE_2)
    asm.ld("bc", SCREEN_W - 2)
    asm.ld("a", ch.BLANK)
    asm.call("memset")
    asm.pop("hl")
    asm.pop("de")
    asm.ret()

    asm.label("wait_button")  # -> a = A/B bits newly pressed
    asm.call("delay_frame")
    load(asm, r.addr("hJoyPressed"))
    asm.and_(1 << r.BTN_A | 1 << r.BTN_B)
    asm.jr("z", "wait_button")
    asm.ret()


# ============================================================================ menus
def _emit_menus(asm: Assembler) -> None:
    asm.label("push_window")  # wTilemap + wAttrmap to the window stack in WRAM bank 7
    for pair in ("af", "bc", "de", "hl"):
        asm.push(pair)
    load(asm, r.addr("wWindowStackSize"))
    asm.cp(MAX_WINDOWS)
    asm.jr("nc", "push_window.full")  # deeper than the stack holds: the screen is not saved
    asm.call("window_slot")
    asm.ld("d", "h")
    asm.ld("e", "l")
    wram_bank(asm, 7)
    for source in ("wTilemap", "wAttrmap"):
        asm.ld("hl", r.addr(source))
        asm.ld("bc", SCREEN_W * SCREEN_H)
        asm.call("memcpy")
    wram_bank(asm, 1)
    asm.label("push_window.full")
    asm.ld("hl", r.addr("wWindowStackSize"))
    asm.inc("[hl]")
    for pair in ("hl", "de", "bc", "af"):
        asm.pop(pair)
    asm.ret()

    asm.label("close_window")  # the screen as it was before the last push_window, shown
    for pair in ("af", "bc", "de", "hl"):
        asm.push(pair)
    asm.ld("hl", r.addr("wWindowStackSize"))
    asm.ld("a", "[hl]")
    asm.and_("a")
    asm.jr("z", "close_window.done")
    asm.dec("[hl]")
    asm.ld("a", "[hl]")
    asm.cp(MAX_WINDOWS)
    asm.jr("nc", "close_window.done")
    asm.call("window_slot")
    wram_bank(asm, 7)
    for dest in ("wTilemap", "wAttrmap"):
        asm.ld("de", r.addr(dest))
        asm.ld("bc", SCREEN_W * SCREEN_H)
        asm.call("memcpy")
    wram_bank(asm, 1)
    asm.call("apply_tilemap")
    asm.label("close_window.done")
    for pair in ("hl", "de", "bc", "af"):
        asm.pop(pair)
    asm.ret()

    asm.label("window_slot")  # a = level -> hl = D000 + level * WINDOW_SIZE
    asm.ld("hl", 0xD000)
    asm.ld("de", WINDOW_SIZE)
    asm.and_("a")
    asm.ret("z")
    asm.label("window_slot.add")
    asm.add("hl", "de")
    asm.dec("a")
    asm.jr("nz", "window_slot.add")
    asm.ret()

    asm.label("menu")  # hl = description
    asm.call("push_window")
    for var in ("wMenuBorderLeftCoord", "wMenuBorderTopCoord", "wMenuBorderRightCoord", "wMenuBorderBottomCoord"):
        asm.ld("a", "[hl+]")
        store(asm, r.addr(var))
    asm.ld("a", "[hl+]")
    store(asm, r.addr("w2DMenuCursorInitY"))
    asm.ld("a", "[hl+]")
    store(asm, r.addr("w2DMenuNumRows"))
    asm.push("hl")  # the items
    # the box: hl = coord(left, top), b = bottom - top - 1, c = right - left - 1
    load(asm, r.addr("wMenuBorderTopCoord"))
    asm.call("menu_row_address")
    load(asm, r.addr("wMenuBorderTopCoord"))
    asm.ld("b", "a")
    load(asm, r.addr("wMenuBorderBottomCoord"))
    asm.sub("a", "b")
    asm.dec("a")
    asm.ld("b", "a")
    load(asm, r.addr("wMenuBorderLeftCoord"))
    asm.ld("c", "a")
    load(asm, r.addr("wMenuBorderRightCoord"))
    asm.sub("a", "c")
    asm.dec("a")
    asm.ld("c", "a")
    asm.call("draw_box")
    # the items, every other row from the first item's row, two columns in
    asm.pop("de")
    load(asm, r.addr("w2DMenuNumRows"))
    asm.ld("b", "a")
    asm.ld("c", 0)
    asm.label("menu.item")
    asm.push("bc")
    asm.ld("a", "c")
    asm.call("menu_item_address")
    asm.inc("hl")
    asm.call("place_string")
    asm.pop("bc")
    asm.inc("c")
    asm.dec("b")
    asm.jr("nz", "menu.item")
    put(asm, r.addr("wMenuCursorY"), 1)
    asm.label("menu.draw_cursor")
    load(asm, r.addr("w2DMenuNumRows"))
    asm.ld("b", "a")
    asm.ld("c", 0)
    asm.label("menu.cursor_row")  # ▶ on the cursor's row, blank on the others
    asm.push("bc")
    asm.ld("a", "c")
    asm.call("menu_item_address")
    asm.pop("bc")
    load(asm, r.addr("wMenuCursorY"))
    asm.dec("a")
    asm.cp("c")
    asm.ld("a", ch.BLANK)
    asm.jr("nz", "menu.cursor_put")
    asm.ld("a", ch.CURSOR)
    asm.label("menu.cursor_put")
    asm.ld("[hl]", "a")
    asm.inc("c")
    asm.dec("b")
    asm.jr("nz", "menu.cursor_row")
    asm.call("apply_tilemap")
    asm.label("menu.input")
    asm.call("delay_frame")
    load(asm, r.addr("hJoyPressed"))
    asm.ld("b", "a")
    asm.and_(1 << r.BTN_A | 1 << r.BTN_B)
    asm.jr("nz", "menu.chosen")
    asm.ld("hl", r.addr("wMenuCursorY"))
    asm.bit(r.BTN_UP, "b")
    asm.jr("nz", "menu.up")
    asm.bit(r.BTN_DOWN, "b")
    asm.jr("z", "menu.input")
    load(asm, r.addr("w2DMenuNumRows"))  # down, wrapping to the top
    asm.cp("[hl]")
    asm.jr("z", "menu.to_top")
    asm.inc("[hl]")
    asm.jr("menu.draw_cursor")
    asm.label("menu.to_top")
    asm.ld("[hl]", 1)
    asm.jr("menu.draw_cursor")
    asm.label("menu.up")  # up, wrapping to the bottom
    asm.dec("[hl]")
    asm.jr("nz", "menu.draw_cursor")
    load(asm, r.addr("w2DMenuNumRows"))
    asm.ld("[hl]", "a")
    asm.jr("menu.draw_cursor")
    asm.label("menu.chosen")
    store(asm, r.addr("wMenuJoypad"))
    load(asm, r.addr("wMenuCursorY"))
    asm.dec("a")
    store(asm, r.addr("wMenuSelection"))
    asm.ld("c", "a")
    load(asm, r.addr("wMenuJoypad"))
    asm.rrca()  # bit 0 (A) to carry
    asm.ccf()  # carry set when A was not pressed (B)
    asm.ld("a", "c")
    asm.ret()

    asm.label("menu_item_address")  # a = item index -> hl = coord(left + 1, top + first + 2 * index)
    asm.add("a", "a")
    asm.ld("b", "a")
    load(asm, r.addr("w2DMenuCursorInitY"))
    asm.add("a", "b")
    asm.ld("b", "a")
    load(asm, r.addr("wMenuBorderTopCoord"))
    asm.add("a", "b")
    asm.call("menu_row_address")
    asm.inc("hl")
    asm.ret()

    asm.label("menu_row_address")  # a = row -> hl = coord(left, row) (keeps bc, de)
    asm.push("de")
    asm.ld("l", "a")
    asm.ld("h", 0)
    asm.add("hl", "hl")
    asm.add("hl", "hl")
    asm.ld("d", "h")
    asm.ld("e", "l")
    asm.add("hl", "hl")
    asm.add("hl", "hl")
    asm.add("hl", "de")  # row * 20
    load(asm, r.addr("wMenuBorderLeftCoord"))
    asm.ld("e", "a")
    asm.ld("d", 0)
    asm.add("hl", "de")
    asm.ld("de", r.addr("wTilemap"))
    asm.add("hl", "de")
    asm.pop("de")
    asm.ret()

    asm.label("yes_no_box")  # carry clear for YES
    asm.push("hl")
    asm.ld("hl", "yes_no_menu")
    asm.call("menu")
    asm.pop("hl")
    asm.call("close_window")
    asm.ret("c")  # B: NO
    asm.and_("a")  # index 0 (YES): carry clear; index 1: set it
    asm.ret("z")
    asm.scf()
    asm.ret()
