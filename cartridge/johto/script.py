"""The world's scripts: a small bytecode the overworld's interpreter runs (``engine/scripts.py``), built in Python.

A script is a tuple of commands; each becomes an opcode byte and its arguments in the map bank,
its texts beside it. Labels (``label("x")``) are local to the script. The interpreter keeps one
result (``wScriptVar``): ``yesno``, ``check_flag`` and ``check_item`` set it, ``if_true`` /
``if_false`` jump on it. Scripts run to their ``end`` while the player waits (``wScriptRunning``).

| command | bytes | what it does |
|---|---|---|
| ``end()`` | 00 | the script is over (an open text box closes) |
| ``text(s)`` | 01 ptr | a text in pages (``print_text_page``); the box stays open; ``done=True``: no wait at its end |
| ``close()`` | 02 | close the text box (the map redrawn under it) |
| ``yesno()`` | 03 | the yes/no box: result 1 for YES |
| ``if_true(l)`` / ``if_false(l)`` | 04 / 05 ptr | jump when the result is non-zero / zero |
| ``check_flag(f)`` | 06 flag | result = event flag ``f`` (``wEventFlags`` bit) |
| ``set_flag(f)`` / ``clear_flag(f)`` | 07 / 08 flag | |
| ``jump(l)`` | 09 ptr | |
| ``give_mon(species, level)`` | 0A sp lv | a new party member (by the battle side's ``add_party_mon``) |
| ``give_item(item, n)`` | 0B it n | into the bag's pocket for it (items, key items or balls) |
| ``take_item(item)`` | 0C it | out of the bag |
| ``check_item(item)`` | 0D it | result = the bag holds it |
| ``heal()`` | 0E | the party's HP and status restored, PP by ``restore_party_pp`` |
| ``battle(cls, id, can_lose)`` | 0F cls id flags | a trainer battle; a loss means the last Center, but ``can_lose`` |
| ``move_object(o, path)`` | 10 o ptr | object ``o`` walks ``path`` (``U D L R`` steps) |
| ``move_player(path)`` | 11 ptr | the player walks ``path`` |
| ``appear(o)`` / ``disappear(o)`` | 12 / 13 o | show / hide object ``o`` (its hide flag cleared / set) |
| ``face_player()`` | 14 | the object talked to turns to the player |
| ``set_spawn()`` | 15 | the Pokémon Center the player stands in is where a loss sends them |
| ``give_badge(bit)`` | 16 bit | ``wJohtoBadges`` bit |
| ``face(d)`` | 17 d | the player turns (0 down, 1 up, 2 left, 3 right) |
"""

from __future__ import annotations

from dataclasses import dataclass

END, TEXT, CLOSE, YESNO, IF_TRUE, IF_FALSE, CHECK_FLAG, SET_FLAG, CLEAR_FLAG, JUMP = range(10)
GIVE_MON, GIVE_ITEM, TAKE_ITEM, CHECK_ITEM, HEAL, BATTLE, MOVE_OBJECT, MOVE_PLAYER = range(10, 18)
APPEAR, DISAPPEAR, FACE_PLAYER, SET_SPAWN, GIVE_BADGE, FACE = range(18, 24)
OPCODE_COUNT = 24

PATH_CODES = {"D": 0, "U": 1, "L": 2, "R": 3}
PATH_END = 0xFF
CAN_LOSE = 1


@dataclass(frozen=True)
class Cmd:
    """One command: its opcode and arguments (ints are bytes, ``("flag", n)`` a 16-bit flag number, ``("label",
    name)`` a local jump target, ``("text", s, end)`` a text, ``("path", s)`` a walk)."""

    op: int
    args: tuple[object, ...] = ()


@dataclass(frozen=True)
class Label:
    """A place in a script to jump to."""

    name: str


Step = Cmd | Label


def end() -> Cmd:
    return Cmd(END)


def text(words: str, done: bool = False) -> Cmd:
    return Cmd(TEXT, (("text", words, "done" if done else "prompt"),))


def close() -> Cmd:
    return Cmd(CLOSE)


def yesno() -> Cmd:
    return Cmd(YESNO)


def if_true(name: str) -> Cmd:
    return Cmd(IF_TRUE, (("label", name),))


def if_false(name: str) -> Cmd:
    return Cmd(IF_FALSE, (("label", name),))


def check_flag(flag: int) -> Cmd:
    return Cmd(CHECK_FLAG, (("flag", flag),))


def set_flag(flag: int) -> Cmd:
    return Cmd(SET_FLAG, (("flag", flag),))


def clear_flag(flag: int) -> Cmd:
    return Cmd(CLEAR_FLAG, (("flag", flag),))


def jump(name: str) -> Cmd:
    return Cmd(JUMP, (("label", name),))


def label(name: str) -> Label:
    return Label(name)


def give_mon(species: int, level: int) -> Cmd:
    return Cmd(GIVE_MON, (species, level))


def give_item(item: int, quantity: int = 1) -> Cmd:
    return Cmd(GIVE_ITEM, (item, quantity))


def take_item(item: int) -> Cmd:
    return Cmd(TAKE_ITEM, (item,))


def check_item(item: int) -> Cmd:
    return Cmd(CHECK_ITEM, (item,))


def heal() -> Cmd:
    return Cmd(HEAL)


def battle(trainer_class: int, trainer_id: int, can_lose: bool = False) -> Cmd:
    return Cmd(BATTLE, (trainer_class, trainer_id, CAN_LOSE if can_lose else 0))


def move_object(index: int, path: str) -> Cmd:
    return Cmd(MOVE_OBJECT, (index, ("path", path)))


def move_player(path: str) -> Cmd:
    return Cmd(MOVE_PLAYER, (("path", path),))


def appear(index: int) -> Cmd:
    return Cmd(APPEAR, (index,))


def disappear(index: int) -> Cmd:
    return Cmd(DISAPPEAR, (index,))


def face_player() -> Cmd:
    return Cmd(FACE_PLAYER)


def set_spawn() -> Cmd:
    return Cmd(SET_SPAWN)


def give_badge(bit: int) -> Cmd:
    return Cmd(GIVE_BADGE, (bit,))


def face(direction: str) -> Cmd:
    return Cmd(FACE, (PATH_CODES[direction],))


def path_bytes(path: str) -> bytes:
    """A walk as direction codes and its end."""
    try:
        return bytes(PATH_CODES[step] for step in path) + bytes((PATH_END,))
    except KeyError as exc:
        raise ValueError(f"walk {path!r}: step {exc.args[0]!r} is not one of U D L R") from exc
