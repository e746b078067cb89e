"""The words on screen: the text boxes' and menus' text, decoded from the screen's tile map (`wTilemap`).

Crystal keeps the screen as 20x18 tile ids in WRAM0 (`wTilemap`) and draws every text box and
menu inside a frame of its font's box tiles (`┌─┐│└┘`); inside a frame the tiles are its font's
characters, so they decode with the game's character set. Outside a frame the tiles are the
map's graphics, whose ids mean nothing as letters: only framed boxes are read, which is what
keeps a town's roofs from turning into words.

Boxes overlap: a menu is drawn over the text box, and a box drawn later may cover another's corner
(Crystal's move list at (4, 12) has its top-left corner under the bottom edge of the box of the
move's type and PP). A box is a rectangle whose edges mostly show their frame tiles, three of its
four corners the right corner (the fourth may show another box's frame); of two overlapping
boxes the one inside the other, or else the one whose frame is whole where they meet, was drawn
last, and the cells it covers are not read as the other's.

Read only when a plan is asked for (one 360-byte read), never in the step.
"""

from shared.game.charset import (
    CHARS,
    FRAME_BOTTOM_LEFT,
    FRAME_BOTTOM_RIGHT,
    FRAME_SIDE,
    FRAME_TOP,
    FRAME_TOP_LEFT,
    FRAME_TOP_RIGHT,
)
from shared.game.ram_map import BY_NAME, RamVar
from shared.game.reader import BankedMemory

SCREEN_WIDTH, SCREEN_HEIGHT = 20, 18


def read_tilemap(memory: BankedMemory, tilemap: RamVar = BY_NAME["wTilemap"]) -> bytes:
    """The screen's 360 tile ids, row-major (WRAM0: never switched, read as mapped; `tilemap`: where a ROM hack's
    symbol file puts it)."""
    return bytes(memory[tilemap.addr : tilemap.end])


Box = tuple[int, int, int, int]
"""(left, top, right, bottom): the frame's corners, inclusive."""
FRAME_TILES = frozenset((FRAME_TOP_LEFT, FRAME_TOP, FRAME_TOP_RIGHT, FRAME_SIDE, FRAME_BOTTOM_LEFT, FRAME_BOTTOM_RIGHT))


def _frame(box: Box) -> dict[tuple[int, int], int]:
    """Each cell of a box's frame and the tile it shows when nothing covers it."""
    left, top, right, bottom = box
    cells = {}
    for x in range(left + 1, right):
        cells[x, top] = cells[x, bottom] = FRAME_TOP
    for y in range(top + 1, bottom):
        cells[left, y] = cells[right, y] = FRAME_SIDE
    cells[left, top], cells[right, top] = FRAME_TOP_LEFT, FRAME_TOP_RIGHT
    cells[left, bottom], cells[right, bottom] = FRAME_BOTTOM_LEFT, FRAME_BOTTOM_RIGHT
    return cells


def _tile(tiles: bytes, x: int, y: int) -> int:
    return tiles[y * SCREEN_WIDTH + x]


def _is_box(tiles: bytes, box: Box) -> bool:
    """Three corners or more the right corner and the fourth a frame tile; each edge mostly its own tile (the
    rest another box's frame, or the ▼ of a page waiting for A on the bottom edge)."""
    left, top, right, bottom = box
    frame = _frame(box)
    corners = ((left, top), (right, top), (left, bottom), (right, bottom))
    if any(_tile(tiles, x, y) not in FRAME_TILES for x, y in corners):
        return False
    if sum(_tile(tiles, x, y) == frame[x, y] for x, y in corners) < 3:
        return False
    edges = (
        [(x, top) for x in range(left + 1, right)],
        [(x, bottom) for x in range(left + 1, right)],
        [(left, y) for y in range(top + 1, bottom)],
        [(right, y) for y in range(top + 1, bottom)],
    )
    return all(2 * sum(_tile(tiles, x, y) == frame[x, y] for x, y in edge) >= len(edge) for edge in edges)


def _boxes(tiles: bytes) -> list[Box]:
    """Every box on screen, in reading order of their top-left corners: three corners fix a rectangle, so each
    pair of corners on a row is tried with a corner above or below it in either column."""
    where: dict[int, list[tuple[int, int]]] = {tile: [] for tile in FRAME_TILES}
    for y in range(SCREEN_HEIGHT):
        for x in range(SCREEN_WIDTH):
            tile = _tile(tiles, x, y)
            if tile in where:
                where[tile].append((x, y))
    candidates: set[Box] = set()
    for left, right, top in _pairs(where[FRAME_TOP_LEFT], where[FRAME_TOP_RIGHT]):
        for bottom in range(top + 1, SCREEN_HEIGHT):
            if _tile(tiles, left, bottom) == FRAME_BOTTOM_LEFT or _tile(tiles, right, bottom) == FRAME_BOTTOM_RIGHT:
                candidates.add((left, top, right, bottom))
    for left, right, bottom in _pairs(where[FRAME_BOTTOM_LEFT], where[FRAME_BOTTOM_RIGHT]):
        for top in range(bottom):
            if _tile(tiles, left, top) == FRAME_TOP_LEFT or _tile(tiles, right, top) == FRAME_TOP_RIGHT:
                candidates.add((left, top, right, bottom))
    return sorted((box for box in candidates if _is_box(tiles, box)), key=lambda box: (box[1], box[0], box[3], box[2]))


def _pairs(lefts: list[tuple[int, int]], rights: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(left x, right x, row) of a left and a right corner on one row with at least one cell between them."""
    return [(lx, rx, ly) for lx, ly in lefts for rx, ry in rights if ly == ry and rx > lx + 1]


def _inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _drawn_over(tiles: bytes, upper: Box, lower: Box) -> bool:
    """``upper`` was drawn after ``lower`` (and covers it where they meet)."""
    if upper == lower:
        return False
    if _inside(upper, lower):
        return True
    if _inside(lower, upper):
        return False
    left, top = max(upper[0], lower[0]), max(upper[1], lower[1])
    right, bottom = min(upper[2], lower[2]), min(upper[3], lower[3])
    if left > right or top > bottom:
        return False

    def broken(box: Box) -> int:
        return sum(
            _tile(tiles, x, y) != tile
            for (x, y), tile in _frame(box).items()
            if left <= x <= right and top <= y <= bottom
        )

    return broken(upper) < broken(lower)


def screen_lines(tiles: bytes) -> tuple[str, ...]:
    """The text inside every box on screen, a line per row that holds any (runs of spaces made one; a tile that
    is not a character, or that a box drawn over this one covers, reads as a space)."""
    if len(tiles) != SCREEN_WIDTH * SCREEN_HEIGHT:
        raise ValueError(f"a tile map is {SCREEN_WIDTH}x{SCREEN_HEIGHT} = 360 tile ids, got {len(tiles)}")
    boxes = _boxes(tiles)
    lines = []
    for box in boxes:
        left, top, right, bottom = box
        over = [other for other in boxes if _drawn_over(tiles, other, box)]
        for row in range(top + 1, bottom):
            text = "".join(
                " "
                if any(o[0] <= x <= o[2] and o[1] <= row <= o[3] for o in over)
                else CHARS.get(_tile(tiles, x, row), " ")
                for x in range(left + 1, right)
            )
            words = " ".join(text.split())
            if words:
                lines.append(words)
    return tuple(lines)


def read_screen_text(memory: BankedMemory, tilemap: RamVar = BY_NAME["wTilemap"]) -> tuple[str, ...]:
    """The words in the boxes on screen now."""
    return screen_lines(read_tilemap(memory, tilemap))
