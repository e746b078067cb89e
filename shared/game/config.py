"""`GameConfig`: how the game is played, the one thing the game core is built from (`GameCore.start`).

The cartridge (a ROM, or a world of the project's demo cartridge), the step, the reward, the rules'
patience and seed, the goal and the episode's length: no Redis, no service, no file of a run. The
emulator and an evaluation read it from `CRL_*` variables and flags (their settings carry these
fields, `shared.settings.GameSettings`), the Gymnasium env from its keyword arguments
(`GameConfig.checked`); all three build the core the same way, so a greedy evaluation or an SB3
agent plays exactly the game the service plays.
"""

from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cartridge.worlds import DEFAULT_WORLD, WORLDS, get_world
from shared.errors import ConfigError
from shared.game.progress import StepFacts
from shared.game.rewards import RewardWeights
from shared.rom import RomInfo


class Goal(StrEnum):
    """The fact that ends an episode as reached (`none`: only the time limit ends one)."""

    NONE = "none"
    FIRST_POKEMON = "first_pokemon"
    BATTLE_WON = "battle_won"
    NEW_MAP = "new_map"
    BADGE = "badge"

    def reached(self, facts: StepFacts) -> bool:
        match self:
            case Goal.NONE:
                return False
            case Goal.FIRST_POKEMON:
                return facts.first_pokemon
            case Goal.BATTLE_WON:
                return facts.battle_won
            case Goal.NEW_MAP:
                return facts.new_map
            case Goal.BADGE:
                return facts.badges > 0


class GameConfig(BaseModel):
    """The cartridge, the step, the reward and the episode."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    rom: Path | None = None
    """The cartridge to play. None plays a world of the project's own demo cartridge (built on first use)."""

    world: str | None = None
    """Which world of the demo cartridge to play when no `rom` is given: `johto` (Johto's first chapter at
    Crystal's scale) or `tiny` (four screens, for fast tests). None: johto. A `rom` wins over it: the world
    only says which demo cartridge is built and played when there is no ROM."""

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

    idle_mask: bool = False
    """Forbid a button just pressed to no effect (an idle press: a wall walked into, A facing nothing, a side in a
    one-column menu) until the game changes: the game is deterministic, so it would change nothing again, and a
    greedy policy pressed into a wall for an episode's 2,000 steps. Off by default until a learning run shows it
    helps."""

    rewards: RewardWeights = Field(default_factory=RewardWeights)
    """Weights of the reward components (`--rewards.badge 20`, `CRL_REWARDS__BADGE=20`)."""

    seed: int = 0
    """Seed of the rule-based fallback policy's choices, so runs are reproducible."""

    goal: Goal | None = None
    """The fact that ends an episode as reached (terminated). None: the badge on the demo cartridge (either
    world), no goal on another ROM."""

    episode_steps: int | None = Field(default=None, ge=0)
    """Steps after which an episode is cut (truncated); 0 for no limit. None: the demo world's own length
    (tiny 1,000, johto 5,000), no limit on another ROM."""

    @field_validator("goal", mode="before")
    @classmethod
    def _known_goal(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() not in set(Goal):
            raise ValueError(f"unknown goal {value!r}: one of {', '.join(Goal)}")
        return value.lower() if isinstance(value, str) else value

    @field_validator("world", mode="before")
    @classmethod
    def _known_world(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in WORLDS:
                raise ValueError(f"unknown world {value!r}: one of {', '.join(WORLDS)}")
        return value

    @field_validator("rewards", mode="before")
    @classmethod
    def _known_components(cls, value: Any) -> Any:
        """A misspelt component would be dropped without a word (`badges` for `badge`): refused instead."""
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(RewardWeights.model_fields))
            if unknown:
                raise ValueError(
                    f"unknown reward component(s) {', '.join(map(repr, unknown))}: "
                    f"the components are {', '.join(RewardWeights.model_fields)}"
                )
        return value

    @model_validator(mode="after")
    def _hold_inside_step(self) -> Self:
        if self.hold_frames >= self.step_frames:
            raise ValueError(
                f"hold_frames ({self.hold_frames}) must be smaller than step_frames ({self.step_frames}): "
                "the button is released inside the step"
            )
        return self

    @classmethod
    def checked(cls, **options: Any) -> Self:
        """The config of `options`, or one `ConfigError` naming each bad option, its value and what would do."""
        try:
            return cls(**options)
        except ValidationError as exc:
            problems = []
            for error in exc.errors(include_url=False):
                where = ".".join(str(part) for part in error["loc"])
                message = error["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: {message}" if where else message)
            raise ConfigError(f"bad game option: {'; '.join(problems)}") from None

    @property
    def world_name(self) -> str:
        """The demo cartridge's world that is played when no ROM is given."""
        return self.world or DEFAULT_WORLD

    def goal_for(self, rom: RomInfo) -> Goal:
        """The goal set, else the demo world's (its badge: `cartridge/worlds.py`), else none (a user's ROM)."""
        if self.goal is not None:
            return self.goal
        return Goal.BADGE if rom.world is not None else Goal.NONE

    def episode_steps_for(self, rom: RomInfo) -> int | None:
        """The time limit in steps, or None for none: the one set (0: none), else the demo world's own
        (`cartridge/worlds.py`: tiny 1,000, johto 5,000), else none (a user's ROM)."""
        if self.episode_steps is not None:
            return self.episode_steps or None
        return get_world(rom.world).episode_steps if rom.world is not None else None
