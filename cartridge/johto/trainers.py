"""Trainers on the map: the script a trainer runs when it sees the player or is talked to.

A trainer object's script pointer leads to its beaten flag (2 bytes, little-endian) and then this
script; the overworld reads the flag to know whether the trainer still watches its line of sight.
"""

from __future__ import annotations

from cartridge.johto.script import Step, battle, check_flag, close, end, face_player, if_true, label, set_flag, text


def trainer_script(
    trainer_class: int, trainer_id: int, beaten_flag: int, challenge: str, after: str
) -> tuple[Step, ...]:
    """Challenge, battle (no running, a loss sends the player to the last Center), the flag; later, a few words."""
    return (
        face_player(),
        check_flag(beaten_flag),
        if_true("beaten"),
        text(challenge),
        close(),
        battle(trainer_class, trainer_id),
        set_flag(beaten_flag),
        end(),
        label("beaten"),
        text(after),
        end(),
    )
