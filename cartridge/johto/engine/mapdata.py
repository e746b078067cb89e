"""The maps in the map bank: headers, block images, the tileset's tables, Crystal's records, scripts and texts.

A map header (``HDR_*`` offsets, 32 bytes) is the engine's index of one map; ``map_table`` lists the
headers in ``world.maps()`` order. Everything a header points to is in the same bank
(``FIRST_MAP_BANK``), which the overworld keeps mapped, so a script's texts and walks are plain
pointers and ``wMapScriptsBank`` names this bank for the reader's warp records.
"""

from __future__ import annotations

from cartridge.johto import charmap as ch
from cartridge.johto import world as w
from cartridge.johto.data.maps import MapDef, Person
from cartridge.johto.gfx import tileset as ts
from cartridge.johto.script import OPCODE_COUNT, Label, Step, path_bytes
from cartridge.sm83 import Assembler

HDR_GROUP, HDR_NUMBER, HDR_WIDTH, HDR_HEIGHT, HDR_BORDER, HDR_BLOCKS = 0, 1, 2, 3, 4, 5
HDR_CONN_BITS, HDR_CONN_STRUCTS, HDR_NEIGHBOURS = 7, 8, 10
HDR_WARP_COUNT, HDR_WARPS, HDR_OBJECT_COUNT, HDR_OBJECTS = 18, 19, 21, 22
HDR_SIGN_COUNT, HDR_SIGNS, HDR_TRIGGER_COUNT, HDR_TRIGGERS, HDR_SPAWN_X, HDR_SPAWN_Y = 24, 25, 27, 28, 30, 31
HEADER_SIZE = 32
SIGN_SIZE = 4
TRIGGER_SIZE = 9
NEIGHBOUR_SIDES = ("south", "north", "west", "east")
"""The neighbours' order: by direction code (0 down, 1 up, 2 left, 3 right)."""
NO_MAP = 0xFF


def _map_label(index: int, what: str) -> str:
    return f"map{index}.{what}"


def emit_script(asm: Assembler, prefix: str, steps: tuple[Step, ...]) -> None:
    """One script's bytecode, then its texts and walks (labels under ``prefix``)."""
    asm.label(prefix)
    pending: list[tuple[str, bytes]] = []
    for step in steps:
        if isinstance(step, Label):
            asm.label(f"{prefix}.{step.name}")
            continue
        if not 0 <= step.op < OPCODE_COUNT:
            raise ValueError(f"script {prefix}: opcode {step.op} does not exist")
        asm.db(step.op)
        for arg in step.args:
            if isinstance(arg, int):
                asm.db(arg)
                continue
            assert isinstance(arg, tuple)
            kind = arg[0]
            if kind == "flag":
                asm.dw(arg[1])
            elif kind == "label":
                asm.dw(f"{prefix}.{arg[1]}")
            elif kind == "text":
                name = f"{prefix}.text{len(pending)}"
                asm.dw(name)
                pending.append((name, ch.encode_page(arg[1], name, arg[2])))
            elif kind == "path":
                name = f"{prefix}.path{len(pending)}"
                asm.dw(name)
                pending.append((name, path_bytes(arg[1])))
            else:
                raise ValueError(f"script {prefix}: unknown argument {arg!r}")
    for name, data in pending:
        asm.label(name)
        asm.db(data)


def _person_script(index: int, slot: int, person: Person) -> tuple[Step, ...] | None:
    """An item ball's script (found, into the bag, gone); others have their own."""
    if person.item is None:
        return None
    from cartridge.johto.data.constants import ITEM_NAMES
    from cartridge.johto.script import disappear, end, give_item, text

    item, quantity = person.item
    return (
        text(f"<PLAYER> found\n{ITEM_NAMES[item]}!"),
        give_item(item, quantity),
        disappear(slot),
        end(),
    )


def emit_map_data(asm: Assembler) -> None:
    """Every map's data and the tables they share, into the current (map) bank."""
    game_maps = w.maps()
    asm.label("map_table")
    for index in range(len(game_maps)):
        asm.dw(_map_label(index, "header"))
    asm.label("tileset_collision")
    asm.db(w.collision_table())
    asm.label("tileset_kinds")
    asm.db(w.kind_table())
    asm.label("kind_palettes")
    asm.db(bytes(kind.palette for kind in ts.KINDS))
    block_addresses: dict[str, int] = {}
    # block images first, so the connection structs can point into them
    for index, game_map in enumerate(game_maps):
        block_addresses[game_map.key] = asm.pc
        asm.label(_map_label(index, "blocks"))
        asm.db(w.overworld_blocks(game_map))
    for index, game_map in enumerate(game_maps):
        _emit_map(asm, index, game_map, block_addresses)


def _emit_map(asm: Assembler, index: int, game_map: MapDef, block_addresses: dict[str, int]) -> None:
    bits, structs = w.connection_structs(game_map, block_addresses)
    spawn = w.spawn_point(game_map)
    asm.label(_map_label(index, "header"))
    asm.db(game_map.group, game_map.number, game_map.width // 2, game_map.height // 2)
    asm.db(w.block_table().index((ts.BY_CHAR[game_map.border],) * 4))
    asm.dw(_map_label(index, "blocks"))
    asm.db(bits)
    asm.dw(_map_label(index, "connections"))
    for side in NEIGHBOUR_SIDES:
        conn = next((x for x in game_map.connections if x.side == side), None)
        asm.db((w.index_of(conn.to), conn.offset & 0xFF) if conn else (NO_MAP, 0))
    for count, what in (
        (len(game_map.warps), "warps"),
        (len(game_map.people), "objects"),
        (len(game_map.signs), "signs"),
        (len(game_map.triggers), "triggers"),
    ):
        asm.db(count)
        asm.dw(_map_label(index, what))
    asm.db(spawn if spawn else (0xFF, 0xFF))
    asm.label(_map_label(index, "connections"))
    asm.db(structs)
    asm.label(_map_label(index, "warps"))
    asm.db(w.warp_records(game_map))
    asm.label(_map_label(index, "objects"))
    for slot, person in enumerate(game_map.people, start=1):
        head, tail = w.object_record(person, slot)
        asm.db(head)
        asm.dw(_map_label(index, f"object{slot}"))
        asm.db(tail)
    asm.label(_map_label(index, "signs"))
    for n, sign in enumerate(game_map.signs):
        asm.db(sign.y, sign.x)
        asm.dw(_map_label(index, f"sign{n}"))
    asm.label(_map_label(index, "triggers"))
    for n, trigger in enumerate(game_map.triggers):
        asm.db(trigger.y, trigger.x)
        asm.dw(w.NO_FLAG if trigger.flag is None else trigger.flag)
        asm.db(1 if trigger.when_set else 0)
        asm.dw(w.NO_FLAG if trigger.also_clear is None else trigger.also_clear)
        asm.dw(_map_label(index, f"trigger{n}"))
    for slot, person in enumerate(game_map.people, start=1):
        label = _map_label(index, f"object{slot}")
        if person.trainer is not None:
            asm.label(label)
            asm.dw(person.trainer[2])
            emit_script(asm, f"{label}.script", person.script)
        else:
            emit_script(asm, label, _person_script(index, slot, person) or person.script)
    for n, sign in enumerate(game_map.signs):
        asm.label(_map_label(index, f"sign{n}"))
        asm.db(ch.encode_page(sign.text, f"{game_map.key} sign {n}"))
    for n, trigger in enumerate(game_map.triggers):
        emit_script(asm, _map_label(index, f"trigger{n}"), trigger.script)
