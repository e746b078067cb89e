"""Species by name: the table's order is the game's species numbers."""

import pytest

from shared.game.names import MOVE_NAMES, SPECIES_NAMES, move_name, species_name


@pytest.mark.parametrize(
    ("number", "name"),
    [(1, "Bulbasaur"), (29, "Nidoran♀"), (83, "Farfetch'd"), (122, "Mr. Mime"), (152, "Chikorita"),
     (155, "Cyndaquil"), (158, "Totodile"), (161, "Sentret"), (250, "Ho-Oh"), (251, "Celebi")],
)  # fmt: skip
def test_known_species_by_number(number: int, name: str) -> None:
    assert species_name(number) == name


def test_every_number_of_the_game_has_one_name_and_others_say_so() -> None:
    assert len(SPECIES_NAMES) == 252 and len(set(SPECIES_NAMES[1:])) == 251
    assert species_name(0xFD) == "Egg" and species_name(0) == "#0" and species_name(252) == "#252"


@pytest.mark.parametrize(
    ("number", "name"),
    [(1, "Pound"), (28, "Sand-Attack"), (33, "Tackle"), (43, "Leer"), (94, "Psychic"), (165, "Struggle"),
     (174, "Curse"), (176, "Conversion2"), (199, "Lock-On"), (221, "Sacred Fire"), (250, "Whirlpool"),
     (251, "Beat Up")],
)  # fmt: skip
def test_known_moves_by_number(number: int, name: str) -> None:
    assert move_name(number) == name


def test_every_move_number_of_the_game_has_one_name_and_others_say_so() -> None:
    assert len(MOVE_NAMES) == 252 and len(set(MOVE_NAMES[1:])) == 251 and all(MOVE_NAMES[1:])
    assert move_name(0) == "#0" and move_name(252) == "#252"
