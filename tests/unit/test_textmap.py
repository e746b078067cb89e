"""The text map, the words on screen and the path search on crafted bytes: what the demo does not have.

Crystal's structures are laid out here by hand (blocks inside their border, a collision table and
warps in a fake ROM, object structs and map objects) to check the parts real maps need and the
demo never shows: water and ledges, people walking (their struct, not their start), hidden objects,
connections to the next map, warp carpets, a half-loaded map, and the frames that make a box.
"""

import pytest

from shared.buttons import Button
from shared.game.navigation import Walker, WalkTo, exit_cells, find_path, side_of
from shared.game.ram_map import BY_NAME
from shared.game.screen_text import screen_lines
from shared.game.state import GameState
from shared.game.textmap import MOVES, MapRam, build_area_map, rom_byte, terrain

# block ids -> (top-left, top-right, bottom-left, bottom-right) collision codes
FLOOR, WALL, WATER, GRASS, LEDGE_DOWN, DOOR, CARPET_DOWN = 0x00, 0x07, 0x29, 0x18, 0xA3, 0x71, 0x70
BLOCKS = {
    1: (WALL,) * 4,
    2: (FLOOR,) * 4,
    3: (WATER,) * 4,
    4: (GRASS, GRASS, FLOOR, FLOOR),
    5: (LEDGE_DOWN,) * 2 + (FLOOR,) * 2,
    6: (DOOR, WALL, FLOOR, FLOOR),
    7: (FLOOR, CARPET_DOWN, FLOOR, FLOOR),
}
TABLE, WARPS = 0x5000, 0x6000  # in ROM bank 2
BANK = 2


def rom_with(warps: list[tuple[int, int, int, int, int]]) -> bytes:
    rom = bytearray(0x4000 * 4)
    for block, codes in BLOCKS.items():
        at = BANK * 0x4000 + TABLE - 0x4000 + block * 4
        rom[at : at + 4] = bytes(codes)
    for i, warp in enumerate(warps):
        at = BANK * 0x4000 + WARPS - 0x4000 + i * 5
        rom[at : at + 5] = bytes(warp)
    return bytes(rom)


def map_ram(
    layout: list[str],
    objects: tuple[tuple[int, int, int, int], ...] = (),
    structs: tuple[tuple[int, int, int], ...] = (),
    masks: dict[int, int] | None = None,
    warps: int = 0,
    connections: dict[str, tuple[int, int]] | None = None,
    width: int | None = None,
) -> MapRam:
    """`layout`: block ids as one digit each, row by row (the border is all wall, block 1).
    `objects`: (index, x, y, type) map objects; `structs`: (map object index, x, y) of objects on screen."""
    height, width = len(layout), width if width is not None else len(layout[0])
    stride = width + 6
    blocks = bytearray([1] * 1300)
    for by, row in enumerate(layout):
        for bx, ch in enumerate(row):
            blocks[(by + 3) * stride + bx + 3] = int(ch)
    records = bytearray(256)
    for index, x, y, kind in objects:
        records[index * 16 : index * 16 + 9] = bytes((0xFF, 0x20, y + 4, x + 4, 0, 0, 0xFF, 0xFF, kind))
    object_structs = bytearray(13 * 0x28)
    for slot, (index, x, y) in enumerate(structs, start=1):
        object_structs[slot * 0x28] = 0x20
        object_structs[slot * 0x28 + 1] = index
        object_structs[slot * 0x28 + 0x10 : slot * 0x28 + 0x12] = bytes((x + 4, y + 4))
    mask = bytearray(16)
    for index, value in (masks or {}).items():
        mask[index] = value
    conn_bits = {"east": 0, "west": 1, "south": 2, "north": 3}
    data = {
        "wOverworldMapBlocks": bytes(blocks),
        "wMapBorderBlock": b"\x01",
        "wMapHeight": bytes((height,)),
        "wMapWidth": bytes((width,)),
        "wMapScriptsBank": bytes((BANK,)),
        "wMapConnections": bytes((sum(1 << conn_bits[s] for s in (connections or {})),)),
        "wTilesetCollisionBank": bytes((BANK,)),
        "wTilesetCollisionAddress": TABLE.to_bytes(2, "little"),
        "wObjectStructs": bytes(object_structs),
        "wMapObjects": bytes(records),
        "wObjectMasks": bytes(mask),
        "wCurMapWarpEventCount": bytes((warps,)),
        "wCurMapWarpEventsPointer": WARPS.to_bytes(2, "little"),
    }
    for side in ("North", "South", "West", "East"):
        group, number = (connections or {}).get(side.lower(), (0xFF, 0xFF))
        data[f"w{side}MapConnection"] = bytes((group, number)) + bytes(10)
    assert set(data) <= set(BY_NAME)
    return MapRam(data)


def state(x: int, y: int, **extra: object) -> GameState:
    return GameState(map_group=24, map_number=4, x=x, y=y, facing="down", money=0, johto_badges=0,
                     kanto_badges=0, **extra)  # type: ignore[arg-type]  # fmt: skip


def test_collision_codes_are_classed_as_the_games_permission_table_does() -> None:
    assert [terrain(c) for c in (0x00, 0x07, 0x18, 0x14, 0x29, 0x23, 0x27, 0x90, 0xA3, 0x71, 0xC0, 0xFF)] == list(
        ".#,,~.##v.~#"
    )
    assert rom_byte(b"\x01\x02" + bytes(0x7FFE), 5, 0x0001) == 2  # 0000-3FFF is bank 0 whatever the bank
    assert rom_byte(bytes(0x8000), 7, 0x4000) is None  # past the end of a small ROM: nothing, not an error


def test_terrain_objects_and_the_window_come_from_blocks_collision_and_objects() -> None:
    ram = map_ram(
        ["1111", "2234", "2252", "2222"],
        objects=((1, 1, 2, 0), (2, 5, 6, 1), (3, 0, 7, 1)),
        structs=((1, 2, 3),),  # object 1 walked from (1, 2) to (2, 3)
        masks={3: 0xFF},  # object 3 (an item) is hidden
    )
    area = build_area_map(ram, rom_with([]), state(1, 5))
    assert (area.width, area.height) == (8, 8)
    text = area.text_map()
    assert (text.left, text.top) == (-3, 1) and len(text.rows) == 9 and all(len(r) == 10 for r in text.rows)
    assert text.rows[0] == "#####" + "#####"  # y = 1: the top wall row and the border left and right of it
    assert text.rows[1] == "###" + "...." + "~~" + ","  # y = 2: floor, water, grass on its block's top row
    assert text.rows[2] == "###" + "..P." + "~~" + "."  # y = 3: the person where its struct says
    assert text.rows[3] == "###" + "...." + "vv" + "."  # y = 4: a ledge on its block's top row
    assert text.rows[4] == "###" + ".@.." + ".." + "."  # y = 5: the player
    assert text.people == ((2, 3),) and text.items == ((5, 6),)
    assert not area.standable(5, 6) and not area.standable(4, 2)  # an item ball and water are in the way
    assert area.standable(2, 4) and area.terrain_at(6, 2) == "," and area.terrain_at(4, 4) == "v"


def test_a_ledge_is_jumped_down_only_and_water_needs_surf() -> None:
    area = build_area_map(map_ram(["2222", "2252", "2222"]), rom_with([]), state(4, 1))
    assert (Button.DOWN, 4, 3) in set(area.moves(4, 1))  # over the ledge at (4, 2): two steps down
    below = build_area_map(map_ram(["2222", "2252", "2222"]), rom_with([]), state(4, 3))
    assert all(ny >= 3 for _, _, ny in below.moves(4, 3))  # never back up over it
    assert find_path(below, {(4, 1)}) is not None  # around it instead
    water = map_ram(["232"])
    assert find_path(build_area_map(water, rom_with([]), state(0, 0)), {(5, 0)}) is None
    surfing = build_area_map(water, rom_with([]), state(0, 0, player_state=4))
    assert find_path(surfing, {(5, 0)}) is not None


def test_warps_say_where_they_lead_and_a_carpet_says_how_to_take_it() -> None:
    ram = map_ram(["1161", "2222", "2272"], warps=2)
    area = build_area_map(ram, rom_with([(0, 4, 1, 24, 3), (4, 5, 1, 10, 5)]), state(0, 3))
    assert [(e.x, e.y, e.to) for e in area.exits()] == [(5, 4, "Violet City"), (4, 0, "Route 29")]  # nearest first
    assert area.char_at(4, 0) == "E" and area.standable(4, 0)  # a door in a wall is walked into
    assert area.warp_at(5, 4).carpet == Button.DOWN and area.warp_at(4, 0).carpet is None


def test_connections_make_the_edge_an_exit_and_name_the_next_map() -> None:
    ram = map_ram(["222", "222"], connections={"west": (24, 3)})
    area = build_area_map(ram, rom_with([]), state(3, 1))
    assert [(e.edge, e.to) for e in area.exits()] == [("west", "Route 29")]
    assert exit_cells(area, "west") == {(-1, y) for y in range(4)}
    assert exit_cells(area, "east") == set()


def test_a_half_loaded_map_is_no_map_not_an_error() -> None:
    area = build_area_map(map_ram(["2"], width=200), rom_with([]), state(0, 0))
    assert area.width == 0 and not area.standable(0, 0) and find_path(area, {(1, 0)}) is None


def test_paths_go_around_walls_and_people_and_face_a_goal_nobody_stands_on() -> None:
    ram = map_ram(["2222", "2122", "2222"], objects=((1, 4, 1, 0),))
    area = build_area_map(ram, rom_with([]), state(0, 2))
    path = find_path(area, {(6, 2)})
    assert path is not None and len(path) == 10  # around the wall block (2..3, 2..3) and the person at (4, 1)
    to_person = find_path(area, {(4, 1)})
    assert to_person is not None
    x, y = 0, 2
    for button in to_person[:-1]:
        x, y = x + MOVES[button][0], y + MOVES[button][1]
    assert (x + MOVES[to_person[-1]][0], y + MOVES[to_person[-1]][1]) == (4, 1)  # ends next to them, facing them
    assert find_path(area, {(2, 2)}) == [Button.RIGHT, Button.RIGHT]  # a wall: a step to it, a press to face it
    assert side_of(-3, 1) == "west" and side_of(0, -2) == "north" and side_of(2, 2) == "east"


def test_the_walker_retries_once_then_avoids_a_blocked_cell() -> None:
    ram = map_ram(["2222", "2222"])
    rom = rom_with([])
    walker = Walker(WalkTo(x=3, y=0))
    here = state(0, 0)
    assert walker.next(here, lambda: build_area_map(ram, rom, here)) == Button.RIGHT
    # the press did not move the player (something the map does not show): the same press once more ...
    assert walker.next(here, lambda: build_area_map(ram, rom, here)) == Button.RIGHT
    # ... and then another way round (1, 0) is searched
    assert walker.next(here, lambda: build_area_map(ram, rom, here)) == Button.DOWN
    moved = state(0, 1)
    walker.next(moved, lambda: build_area_map(ram, rom, moved))
    assert not walker.done
    there = state(3, 0)
    assert walker.next(there, lambda: build_area_map(ram, rom, there)) is None and walker.outcome == "arrived"


def test_the_walker_stops_for_a_battle_and_closes_text_first() -> None:
    ram, rom = map_ram(["22"]), rom_with([])
    walker = Walker(WalkTo(x=3, y=0))
    talking = state(0, 0, text_open=True)
    assert walker.next(talking, lambda: build_area_map(ram, rom, talking)) == Button.A
    fighting = state(0, 0, battle={"mode": 1})
    assert walker.next(fighting, lambda: build_area_map(ram, rom, fighting)) is None and walker.outcome == "battle"


@pytest.mark.parametrize("target", [{"x": 1}, {"exit": "up"}, {"x": 1, "y": 2, "exit": "west"}, {}])
def test_a_walk_target_is_a_cell_or_an_exit_side(target: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WalkTo.model_validate(target)


def _tiles(*boxes: tuple[int, int, int, int], text: dict[tuple[int, int], bytes] | None = None) -> bytes:
    tiles = bytearray(range(360)) if not boxes else bytearray(0x30 for _ in range(360))
    for left, top, right, bottom in boxes:
        for y in range(top, bottom + 1):
            for x in range(left, right + 1):
                corner = {(left, top): 0x79, (right, top): 0x7B, (left, bottom): 0x7D, (right, bottom): 0x7E}
                edge = 0x7A if y in (top, bottom) else 0x7C if x in (left, right) else 0x7F
                tiles[y * 20 + x] = corner.get((x, y), edge)
    for (x, y), codes in (text or {}).items():
        tiles[y * 20 + x : y * 20 + x + len(codes)] = codes
    return bytes(tiles)


def test_only_text_inside_a_frame_is_read_and_map_tiles_are_not() -> None:
    hello = bytes((0x87, 0xA4, 0xAB, 0xAB, 0xAE, 0xE7))  # "Hello!"
    tiles = _tiles((0, 12, 19, 17), text={(1, 14): hello, (1, 16): bytes((0xF7, 0xF8, 0x7F, 0xE1, 0xE2))})
    roofs = bytearray(tiles)
    roofs[0:20] = bytes(range(0x80, 0x94))  # letters' codes outside any frame: a town's tiles, not words
    assert screen_lines(bytes(roofs)) == ("Hello!", "12 PKMN")
    assert screen_lines(_tiles((10, 0, 19, 5), text={(12, 2): bytes((0x8F, 0x80, 0x82, 0x8A))})) == ("PACK",)
    assert screen_lines(bytes(range(256)) + bytes(104)) == ()  # every tile id once: no complete frame
    broken = bytearray(_tiles((0, 12, 19, 17), text={(1, 14): hello}))
    broken[17 * 20 + 19] = 0x7F  # a frame missing its corner is not a box
    assert screen_lines(bytes(broken)) == ()
    with pytest.raises(ValueError, match="360"):
        screen_lines(b"\x00" * 10)


def test_a_box_whose_corner_another_box_covers_is_read_and_so_is_the_box_over_it() -> None:
    """Crystal's move list: the text box, the moves' box over its right part, the type and PP box over the moves'
    box's top-left corner (drawn in that order)."""
    tackle, leer = bytes((0x93, 0x80, 0x82, 0x8A, 0x8B, 0x84)), bytes((0x8B, 0x84, 0x84, 0x91))
    cursor, dash, type_ = bytes((0xED,)), bytes((0xE3,)), bytes((0x93, 0x98, 0x8F, 0x84, 0xF3))  # ▶ - TYPE/
    tiles = bytearray(_tiles((0, 12, 19, 17), (4, 12, 19, 17)))
    for (x, y), codes in {(5, 13): cursor + tackle, (6, 14): leer, (6, 15): dash, (6, 16): dash}.items():
        tiles[y * 20 + x : y * 20 + x + len(codes)] = codes
    over = _tiles((0, 8, 10, 12), text={(1, 9): type_})
    for y in range(8, 13):
        tiles[y * 20 : y * 20 + 11] = over[y * 20 : y * 20 + 11]
    assert tiles[12 * 20 + 4] == 0x7A  # the moves' box's corner is the type box's bottom edge now
    assert screen_lines(bytes(tiles)) == ("TYPE/", "▶TACKLE", "LEER", "-", "-")
    menu = _tiles((0, 12, 19, 17), (8, 12, 19, 17), text={(1, 14): tackle, (10, 14): leer})  # a menu over a text box
    assert screen_lines(menu) == ("TACKLE", "LEER")  # the menu's words are its own, not the text box's too
    prompt = bytearray(_tiles((0, 12, 19, 17), text={(1, 14): leer}))
    prompt[17 * 20 + 18] = 0xEE  # a page waiting for A: ▼ on the bottom edge
    assert screen_lines(bytes(prompt)) == ("LEER",)
