"""`GameState`: what the game's RAM says, typed. Built by `reader.read_state` once per step."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Facing = Literal["down", "up", "left", "right"]


class PartyMon(BaseModel):
    """One party Pokémon (a 48-byte struct in RAM)."""

    model_config = ConfigDict(frozen=True)

    species: int = Field(ge=0, le=255)
    level: int = Field(ge=0, le=255)
    hp: int = Field(ge=0)
    max_hp: int = Field(ge=0)
    status: int = Field(ge=0, le=255)
    exp: int = Field(ge=0)
    moves: tuple[int, ...] = ()
    """Move numbers (1-251) it knows, in its move slots' order; empty slots left out."""


class BattleState(BaseModel):
    """The battle as far as rewards and planning care: who fights whom."""

    model_config = ConfigDict(frozen=True)

    mode: int = 0
    """0 overworld, 1 wild, 2 trainer."""
    type: int = 0
    enemy_species: int = 0
    enemy_level: int = 0
    enemy_hp: int = 0

    @property
    def active(self) -> bool:
        return self.mode != 0


class PlayTime(BaseModel):
    model_config = ConfigDict(frozen=True)

    hours: int = 0
    minutes: int = 0
    seconds: int = 0


class GameState(BaseModel):
    """The game's state after one step, read from RAM (never from the screen)."""

    model_config = ConfigDict(frozen=True)

    map_group: int
    map_number: int
    map_name: str | None = None
    """Known for Pokémon Crystal's real map ids (the demo cartridge uses real ids too)."""
    map_width: int = 0
    map_height: int = 0
    """The map's size in steps (wMapWidth and wMapHeight count blocks of 2×2 steps): what the dashboard's heat
    map is drawn to, whichever tiles were visited. 0 before a map is loaded."""
    x: int
    y: int
    facing: Facing
    money: int = Field(ge=0)
    johto_badges: int = Field(ge=0, le=0xFF)
    kanto_badges: int = Field(ge=0, le=0xFF)
    party: tuple[PartyMon, ...] = ()
    battle: BattleState = BattleState()
    time_of_day: int = 0
    """0 morning, 1 day, 2 night, 3 darkness."""
    play_time: PlayTime = PlayTime()
    step_count: int = 0
    """wStepCount: one byte that wraps; the emulator counts steps itself."""
    event_flags: int = 0
    """How many story event flags are set."""
    pokedex_seen: int = 0
    pokedex_caught: int = 0
    text_open: bool = False
    """A text box or the START menu is open (wStateFlags bit 6)."""
    menu_open: bool = False
    """A menu window is pushed (wWindowStackSize > 0); plain NPC text does not count."""
    script_running: bool = False
    """An overworld script runs (talk, cut-scene, menu, battle start): input may be ignored."""
    map_status: int = 0
    player_state: int = 0
    player_id: int = 0
    player_name: str = ""

    @property
    def map_id(self) -> tuple[int, int]:
        return (self.map_group, self.map_number)

    @property
    def badge_count(self) -> int:
        return self.johto_badges.bit_count() + self.kanto_badges.bit_count()

    @property
    def party_count(self) -> int:
        return len(self.party)

    @property
    def party_levels(self) -> int:
        """Sum of the party's levels: the usual progress signal."""
        return sum(mon.level for mon in self.party)

    @property
    def text_box(self) -> bool:
        """A text box waits in the overworld with no menu on it (a person, a sign, a trainer's challenge): the game
        reads only A and B there (`rules.allowed_buttons`)."""
        return self.text_open and not self.menu_open and not self.battle.active

    @property
    def busy(self) -> bool:
        """The game is showing text, a menu or a script: walking does nothing."""
        return self.text_open or self.menu_open or self.script_running
