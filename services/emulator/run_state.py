"""What the emulator's parts share of the run: the next frame's step number, the total reward, the steps played."""

from dataclasses import dataclass


@dataclass
class RunState:
    """Moved on by the step loop (and set back by a restore); read by planning, persistence and episodes."""

    step: int = 0
    """The step number of the next frame: it goes on across episodes, and across restarts from a save state."""
    total_reward: float = 0.0
    """The run's reward so far, across episodes (kept in save states)."""
    played: int = 0
    """Steps this process has played: what `--actions N` (`max_steps`) counts, and what its steps/s are of."""
    paused: bool = False
    """A `pause` command holds the game until `resume`; commands still come in."""
