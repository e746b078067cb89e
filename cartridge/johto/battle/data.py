"""The battle's tables in the ROM, laid out from `pokedata` (`emit_battle_data`).

- `bt_species_list`: the species numbers present, 0-terminated; a species' place in it indexes
  `bt_species_rows`, 16 bytes each: base HP, attack, defense, speed, special attack, special defense; type 1,
  type 2; catch rate; base exp; growth table; learnset (word); name (word); picture (bits 0-2 shape, 3-7 colour).
- `bt_learnset_*`: (level, move) pairs, 0-terminated.
- `bt_move_list`: move ids, 0-terminated; `bt_move_rows`: 8 bytes each, Crystal's move struct (id, effect,
  power, type, accuracy, PP, chance) and 0; `bt_move_names`: a word per move, its name.
- `bt_type_chart`: (attacking type, defending type, effectiveness out of 10), 0xFF-terminated;
  `bt_type_names`: a word per type id 0..27.
- `bt_exp_tables`: per growth rate present, the experience at levels 0..100, 3 bytes big-endian each.
- `bt_stage_ratios` / `bt_accuracy_ratios`: (numerator, denominator) for stages 1..13.
- `bt_trainer_classes`: class id, base reward, DV bytes (2), name (word); 0xFF-terminated.
- `bt_trainers`: class id, trainer id, name (word), party (word); 0xFF-terminated. `bt_party_*`: count, then
  per member level, species, 4 moves (all 0: learned by level).
- `bt_encounters`: map group, number, 3 rate bytes, 21 (level, species) slots (morning, day, night);
  0xFF-terminated. `bt_slot_odds`: the grass slots' running sums in percent.
- `bt_items`: item id, pocket (1: balls), name (word); 0xFF-terminated.
- `bt_front_pics` / `bt_back_pics`: a word per shape, its picture 1 bit a pixel; `bt_palettes`: 8 bytes per
  colour; `bt_hud_tiles`: the HUD's tiles 0x60-0x6E, 1 bit a pixel.
"""

from __future__ import annotations

from cartridge.errors import RomError
from cartridge.johto.battle import gfx
from cartridge.johto.battle.model import ACCURACY_STAGE_RATIOS, MAX_LEVEL, STAT_STAGE_RATIOS, exp_at_level
from cartridge.johto.charmap import encode
from cartridge.johto.pokedata import (
    ENCOUNTERS,
    GRASS_SLOT_PERCENT,
    ITEMS,
    MOVES,
    SPECIES,
    TRAINER_CLASSES,
    TRAINERS,
    TYPE_CHART,
    TYPE_NAMES,
    Growth,
    Type,
)
from cartridge.sm83 import Assembler

SPECIES_ROW = 16
MOVE_ROW = 8
NUM_TYPES = 28
SPECIES_ORDER = tuple(sorted(SPECIES))
MOVE_ORDER = tuple(sorted(MOVES))
GROWTH_ORDER = tuple(sorted({species.growth for species in SPECIES.values()}))
"""The growth rates that have a table, in table order."""
COLOURS = tuple(sorted({colour for _shape, colour in gfx.SPECIES_LOOK.values()}))
EXP_TABLE_SIZE = (MAX_LEVEL + 1) * 3


def growth_index(growth: Growth) -> int:
    """The place of a growth rate's table in `bt_exp_tables`."""
    return GROWTH_ORDER.index(growth)


def emit_tables(asm: Assembler) -> None:
    """Every table the battle's code reads, at its label (in the battle's bank)."""
    if len(COLOURS) > 32 or len(gfx.Shape) > 8:
        raise RomError("a species' picture byte holds at most 8 shapes and 32 colours")
    missing = set(SPECIES) - set(gfx.SPECIES_LOOK)
    if missing:
        raise RomError(f"species {sorted(missing)} have no picture (cartridge/johto/battle/gfx.py SPECIES_LOOK)")
    _species(asm)
    _moves(asm)
    _types(asm)
    _growth(asm)
    _trainers(asm)
    _encounters(asm)
    _items(asm)


def _species(asm: Assembler) -> None:
    asm.label("bt_species_list")
    asm.db(*SPECIES_ORDER, 0)
    asm.label("bt_species_rows")
    for number in SPECIES_ORDER:
        species = SPECIES[number]
        shape, colour = gfx.SPECIES_LOOK[number]
        asm.db(*species.base, *species.types, species.catch_rate, species.base_exp, growth_index(species.growth))
        asm.dw(f"bt_learnset_{number}", f"bt_species_name_{number}")
        asm.db(shape | COLOURS.index(colour) << 3)
    for number in SPECIES_ORDER:
        species = SPECIES[number]
        asm.label(f"bt_learnset_{number}")
        asm.db(*(byte for pair in species.learnset for byte in pair), 0)
        asm.label(f"bt_species_name_{number}")
        asm.db(encode(species.name))


def _moves(asm: Assembler) -> None:
    asm.label("bt_move_list")
    asm.db(*MOVE_ORDER, 0)
    asm.label("bt_move_rows")
    for number in MOVE_ORDER:
        move = MOVES[number]
        asm.db(number, move.effect, move.power, move.type, move.accuracy_byte, move.pp, move.chance_byte, 0)
    asm.label("bt_move_names")
    asm.dw(*(f"bt_move_name_{number}" for number in MOVE_ORDER))
    for number in MOVE_ORDER:
        asm.label(f"bt_move_name_{number}")
        asm.db(encode(MOVES[number].name))
    asm.label("bt_move_name_none")
    asm.db(encode("-"))


def _types(asm: Assembler) -> None:
    asm.label("bt_type_chart")
    for attacker, defender, code in TYPE_CHART:
        asm.db(attacker, defender, code)
    asm.db(0xFF)
    asm.label("bt_type_names")
    asm.dw(
        *(
            f"bt_type_name_{Type(t).value}" if t in Type._value2member_map_ else "bt_type_name_none"
            for t in range(NUM_TYPES)
        )
    )
    for t in Type:
        asm.label(f"bt_type_name_{t.value}")
        asm.db(encode(TYPE_NAMES[t]))
    asm.label("bt_type_name_none")
    asm.db(encode("???"))


def _growth(asm: Assembler) -> None:
    asm.label("bt_exp_tables")
    for growth in GROWTH_ORDER:
        for level in range(MAX_LEVEL + 1):
            asm.db(*max(0, exp_at_level(growth, level) if level else 0).to_bytes(3, "big"))
    asm.label("bt_stage_ratios")
    asm.db(*(b for pair in STAT_STAGE_RATIOS for b in pair))
    asm.label("bt_accuracy_ratios")
    asm.db(*(b for pair in ACCURACY_STAGE_RATIOS for b in pair))


def _trainers(asm: Assembler) -> None:
    asm.label("bt_trainer_classes")
    for trainer_class in TRAINER_CLASSES.values():
        atk, dfn, spd, spc = trainer_class.dvs
        asm.db(trainer_class.number, trainer_class.base_reward, atk << 4 | dfn, spd << 4 | spc)
        asm.dw(f"bt_class_name_{trainer_class.number}")
    asm.db(0xFF)
    asm.label("bt_trainers")
    for trainer in TRAINERS:
        asm.db(trainer.trainer_class, trainer.number)
        asm.dw(
            f"bt_trainer_name_{trainer.trainer_class}_{trainer.number}",
            f"bt_party_{trainer.trainer_class}_{trainer.number}",
        )
    asm.db(0xFF)
    for trainer_class in TRAINER_CLASSES.values():
        asm.label(f"bt_class_name_{trainer_class.number}")
        asm.db(encode(trainer_class.name))
    for trainer in TRAINERS:
        asm.label(f"bt_trainer_name_{trainer.trainer_class}_{trainer.number}")
        asm.db(encode(trainer.name))
        asm.label(f"bt_party_{trainer.trainer_class}_{trainer.number}")
        asm.db(len(trainer.party))
        for mon in trainer.party:
            asm.db(mon.level, mon.species, *((*tuple(mon.moves), 0, 0, 0, 0))[:4])


def _encounters(asm: Assembler) -> None:
    asm.label("bt_encounters")
    for route in ENCOUNTERS:
        asm.db(route.map_group, route.map_number, *(route.rate_byte(t) for t in range(3)))
        for table in route.slots:
            asm.db(*(byte for slot in table for byte in slot))
    asm.db(0xFF)
    asm.label("bt_slot_odds")
    running = 0
    for percent in GRASS_SLOT_PERCENT:
        running += percent
        asm.db(running)


def _items(asm: Assembler) -> None:
    asm.label("bt_items")
    for item in ITEMS:
        asm.db(item.number, int(item.ball))
        asm.dw(f"bt_item_name_{item.number}")
    asm.db(0xFF)
    for item in ITEMS:
        asm.label(f"bt_item_name_{item.number}")
        asm.db(encode(item.name))


def emit_pictures(asm: Assembler) -> None:
    """The pictures, their colours and the HUD's tiles (kept in the battle's second bank)."""
    asm.label("bt_front_pics")
    asm.dw(*(f"bt_front_pic_{shape.value}" for shape in gfx.Shape))
    asm.label("bt_back_pics")
    asm.dw(*(f"bt_back_pic_{shape.value}" for shape in gfx.Shape))
    for shape in gfx.Shape:
        asm.label(f"bt_front_pic_{shape.value}")
        asm.db(gfx.tiles_1bpp(gfx.front_picture(shape)))
        asm.label(f"bt_back_pic_{shape.value}")
        asm.db(gfx.tiles_1bpp(gfx.back_picture(shape)))
    asm.label("bt_palettes")
    for colour in COLOURS:
        asm.db(gfx.palette(colour))
    asm.label("bt_hud_tiles")
    asm.db(gfx.hud_tiles_1bpp())
