"""The words on screen: the text boxes' and menus' text, decoded from the screen's tile map (`wTilemap`).

Crystal keeps the screen as 20x18 tile ids in WRAM0 (`wTilemap`) and draws every text box and
menu inside a frame of its font's box tiles (`┌─┐│└┘`); inside a frame the tiles are its font's
characters, so they decode with the game's character set. Outside a frame the tiles are the
map's graphics, whose ids mean nothing as letters: only framed boxes are read, which is what
keeps a town's roofs from turning into words.

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


def _boxes(tiles: bytes) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) of every complete frame, in reading order of their top-left corners."""
    found = []
    for top in range(SCREEN_HEIGHT - 2):
        for left in range(SCREEN_WIDTH - 2):
            if tiles[top * SCREEN_WIDTH + left] != FRAME_TOP_LEFT:
                continue
            right = left + 1
            while right < SCREEN_WIDTH and tiles[top * SCREEN_WIDTH + right] == FRAME_TOP:
                right += 1
            if right == SCREEN_WIDTH or right == left + 1 or tiles[top * SCREEN_WIDTH + right] != FRAME_TOP_RIGHT:
                continue
            bottom = top + 1
            while bottom < SCREEN_HEIGHT and tiles[bottom * SCREEN_WIDTH + left] == FRAME_SIDE:
                bottom += 1
            if (
                bottom == SCREEN_HEIGHT
                or tiles[bottom * SCREEN_WIDTH + left] != FRAME_BOTTOM_LEFT
                or tiles[bottom * SCREEN_WIDTH + right] != FRAME_BOTTOM_RIGHT
            ):
                continue
            found.append((left, top, right, bottom))
    return found


def screen_lines(tiles: bytes) -> tuple[str, ...]:
    """The text inside every box on screen, a line per row that holds any (runs of spaces made one; a tile that
    is not a character reads as a space)."""
    if len(tiles) != SCREEN_WIDTH * SCREEN_HEIGHT:
        raise ValueError(f"a tile map is {SCREEN_WIDTH}x{SCREEN_HEIGHT} = 360 tile ids, got {len(tiles)}")
    lines = []
    for left, top, right, bottom in _boxes(tiles):
        for row in range(top + 1, bottom):
            start = row * SCREEN_WIDTH
            text = "".join(CHARS.get(tile, " ") for tile in tiles[start + left + 1 : start + right])
            words = " ".join(text.split())
            if words:
                lines.append(words)
    return tuple(lines)


def read_screen_text(memory: BankedMemory, tilemap: RamVar = BY_NAME["wTilemap"]) -> tuple[str, ...]:
    """The words in the boxes on screen now."""
    return screen_lines(read_tilemap(memory, tilemap))
