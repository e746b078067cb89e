"""`GameSettings`: how the game is played, shared by everything that plays it through the game core.

The emulator service, `crystal-rl eval` and the learner's evaluations all read the same
fields from the same `CRL_*` variables, so a greedy evaluation plays exactly the game the
agent trained on (cartridge, step length, reward weights, goal, episode length).
"""

from pathlib import Path

from pydantic import Field, model_validator

from shared.game.core import GameCore, Goal
from shared.game.machine import resolve_rom, start_machine
from shared.game.reader import CRYSTAL, Layout
from shared.game.rewards import RewardWeights
from shared.game.symbols import load_symbols
from shared.rom import RomInfo
from shared.settings import CommonSettings

DEMO_GOAL = Goal.BADGE
"""The demo cartridge's episodes end at its one badge; a user's ROM has no goal unless one is set."""
DEMO_EPISODE_STEPS = 1_000
"""The demo's walkthrough takes about 50 steps and random play a few thousand: 1,000 leaves room to learn."""


class GameSettings(CommonSettings):
    """The cartridge, the step, the reward and the episode."""

    rom: Path | None = None
    """The cartridge to play. None plays the project's own demo cartridge (built on first use)."""

    symbols: Path | None = None
    """A pokecrystal-style symbol file (`.sym`) of the ROM: its addresses replace Crystal's by name, so a ROM hack
    that moved WRAM variables is read right. Refused with one line if it lacks a name the table needs."""

    hold_frames: int = Field(default=8, ge=1, le=120)
    """Frames a button stays pressed in one step."""

    step_frames: int = Field(default=24, ge=2, le=600)
    """Frames per step in all (hold + wait): near Crystal's walk of one tile per press."""

    boot_frames: int = Field(default=3000, ge=1)
    """Most frames to run at power-on before the game is taken as started (CGB boot animation first)."""

    stuck_patience: int = Field(default=80, ge=2)
    """Steps with no progress before the anti-stuck rule intervenes."""

    rewards: RewardWeights = Field(default_factory=RewardWeights)
    """Weights of the reward components (`--rewards.badge 20`, `CRL_REWARDS__BADGE=20`)."""

    seed: int = 0
    """Seed of the rule-based fallback policy's choices, so runs are reproducible."""

    goal: Goal | None = None
    """The fact that ends an episode as reached (terminated). None: the first badge on the demo cartridge,
    no goal on another ROM."""

    episode_steps: int | None = Field(default=None, ge=0)
    """Steps after which an episode is cut (truncated); 0 for no limit. None: 1,000 on the demo cartridge,
    no limit on another ROM."""

    @model_validator(mode="after")
    def _hold_inside_step(self) -> "GameSettings":
        if self.hold_frames >= self.step_frames:
            raise ValueError(
                f"hold_frames ({self.hold_frames}) must be smaller than step_frames ({self.step_frames}): "
                "the button is released inside the step"
            )
        return self

    def goal_for(self, demo: bool) -> Goal:
        if self.goal is not None:
            return self.goal
        return DEMO_GOAL if demo else Goal.NONE

    def episode_steps_for(self, demo: bool) -> int | None:
        """The time limit in steps, or None for none."""
        if self.episode_steps is not None:
            return self.episode_steps or None
        return DEMO_EPISODE_STEPS if demo else None

    def start_core(self, rom: RomInfo | None = None) -> GameCore:
        """The game core at the start of play: the boot animation is run once and cached as a save state."""
        rom = rom or resolve_rom(self.rom, self.symbols is not None)
        demo = rom.demo
        layout = Layout(load_symbols(self.symbols)) if self.symbols is not None else CRYSTAL
        machine, start_state = start_machine(
            rom, self.hold_frames, self.step_frames, self.boot_frames, cache_dir=self.data_dir / "boot", layout=layout
        )
        return GameCore(
            machine,
            start_state,
            weights=self.rewards,
            stuck_patience=self.stuck_patience,
            seed=self.seed,
            goal=self.goal_for(demo),
            episode_steps=self.episode_steps_for(demo),
        )
