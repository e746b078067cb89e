"""The game core: one game played one button at a time, with its facts, reward, rules and episodes.

Both doors into the game use this and nothing else to play: the emulator service (which
adds streams, arbitration between sources and save-state files) and the Gymnasium
environment (which adds spaces). A step, in order:

1. the rules that always win: a forbidden button is replaced by the rule-based policy's
   choice, and the anti-stuck rule overrides a game that has not moved on for a while;
   no button at all (`None`) means the rule-based policy chooses;
2. the machine plays it (press, hold, release, wait, render the last frame);
3. the state is read, the step's facts found, the reward weighed from them;
4. the episode ends when the goal's fact happened (terminated) or its steps ran out
   (truncated); the caller decides when to `reset`.

No Redis, no asyncio: a step is a plain call, so it runs as fast as PyBoy allows.

`GameCore.start(config)` is the one way the game is built, from a `GameConfig`: the emulator
service, the Gymnasium env and evaluations all start it so.

Chance: the emulator is deterministic, and the game's random number generator advances every frame
(Crystal's from the divider), so the same buttons from the same state give the same game. A reset
with a seed begins `idle_frames(seed)` frames after its start state, nothing pressed: episodes of
different seeds meet different encounters and battles, one seed gives the same game frame for frame.
The boot state is cached; a seeded start is that state and a few hundred frames (tens of ms).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from shared.buttons import BUTTON_INDEX, BUTTONS, Button
from shared.game.config import GameConfig, Goal
from shared.game.fallback import FallbackPolicy
from shared.game.machine import Machine, View, resolve_rom, start_machine
from shared.game.progress import Progress, StepFacts
from shared.game.reader import CRYSTAL, Layout
from shared.game.rewards import RewardWeights, Scorer
from shared.game.rules import AntiStuck, allowed_buttons
from shared.game.screen_text import read_screen_text
from shared.game.state import GameState
from shared.game.symbols import load_symbols
from shared.game.textmap import AreaMap, TextMap, read_area_map
from shared.rom import RomInfo

SEED_FRAMES = 1024
"""How many different starts seeds give: seed `s` begins `s mod 1024` frames (up to 17 s of game time) after the
start state, so any 1,024 consecutive seeds are 1,024 different games and seed 0 is the start state itself."""


def idle_frames(seed: int) -> int:
    """The frames a start seeded with `seed` waits, nothing pressed, before its first step."""
    return seed % SEED_FRAMES


def episode_seed(run_seed: int, env: str, episode: int) -> int:
    """The seed of an emulator's episode, from the run's seed, the env and the episode's number: reproducible,
    and different for each env and episode (a stable hash, not Python's salted one)."""
    digest = hashlib.sha256(f"{run_seed}:{env}:{episode}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


@dataclass(frozen=True, slots=True)
class Step:
    """One step played: what was pressed, what it led to, what it was worth, whether the episode is over."""

    button: Button
    """The button actually played."""
    by_rules: bool
    """The rules chose `button` (no button was given, it was forbidden, or the anti-stuck rule stepped in)."""
    view: View
    facts: StepFacts
    reward: float
    breakdown: dict[str, float]
    """The reward by component, only the non-zero ones."""
    terminated: bool = False
    """The goal was reached."""
    truncated: bool = False
    """The episode's steps ran out."""


class GameCore:
    """A machine with its progress, reward, rules and episodes. Made at the start state, episode 0."""

    def __init__(
        self,
        machine: Machine,
        start_state: bytes,
        *,
        weights: RewardWeights | None = None,
        stuck_patience: int = 80,
        seed: int = 0,
        goal: Goal = Goal.NONE,
        episode_steps: int | None = None,
        anti_stuck: bool = True,
        idle_mask: bool = False,
    ) -> None:
        if episode_steps is not None and episode_steps < 1:
            raise ValueError(f"episode_steps must be at least 1 (got {episode_steps}), or None for no time limit")
        self.machine = machine
        self.start_state = start_state
        """The state `reset()` returns to when given none."""
        self.scorer = Scorer(weights or RewardWeights())
        self.progress = Progress()
        self.antistuck = AntiStuck(stuck_patience, seed, anti_stuck)
        self.fallback = FallbackPolicy(seed)
        self.idle_mask = idle_mask
        """Forbid a button that was just pressed here to no effect until something changes (`legal`)."""
        self._idle: set[Button] = set()
        """Buttons pressed at the state the game is in now that changed nothing: the game is deterministic, so
        pressing one again would change nothing again (a wall walked into, A facing nothing)."""
        self.goal = goal
        self.episode_steps = episode_steps
        self.episode = 0
        self.episode_step = 0
        """Steps played in the current episode."""
        self.seed: int | None = None
        """The seed the current episode's start was seeded with (its idle frames), or None: the start as given."""
        self._rom_bytes: bytes | None = None
        """The cartridge's ROM, read once when a map is first wanted (the collision table and warps are there)."""
        self.view = self.load(start_state, "start state")
        self.progress.start(self.view.state)

    @classmethod
    def start(
        cls,
        config: GameConfig,
        *,
        boot_cache: Path | None,
        rom: RomInfo | None = None,
        seed: int | None = None,
        anti_stuck: bool = True,
    ) -> "GameCore":
        """The game `config` describes, at the start of play: the one way the game is built.

        The boot animation is run once per ROM and cached as a save state in `boot_cache` (None: boot every
        time). `rom`: the cartridge already inspected (default: `config.rom`, or the demo cartridge's
        `config.world`). The demo cartridge's episodes end at its badge or after its world's length
        (`cartridge/worlds.py`) unless the config says otherwise. `seed`: the first episode begins at the
        start state plus the seed's idle frames (None: at the start state). `anti_stuck` False: the
        anti-stuck rule never steps in (greedy evaluation measures the policy alone).
        """
        rom = rom or resolve_rom(config.rom, config.symbols is not None, config.world)
        layout = Layout(load_symbols(config.symbols)) if config.symbols is not None else CRYSTAL
        machine, start_state = start_machine(
            rom, config.hold_frames, config.step_frames, config.boot_frames, cache_dir=boot_cache, layout=layout
        )
        try:
            core = cls(
                machine,
                start_state,
                weights=config.rewards,
                stuck_patience=config.stuck_patience,
                seed=config.seed,
                goal=config.goal_for(rom),
                episode_steps=config.episode_steps_for(rom),
                anti_stuck=anti_stuck,
                idle_mask=config.idle_mask,
            )
        except BaseException:
            machine.close()
            raise
        if seed is not None:
            core.begin(seed)
        return core

    def reseed(self, seed: int) -> None:
        """Seed the rules' random choices (the fallback's and the anti-stuck rule's) anew, from the next step on."""
        self.antistuck = AntiStuck(self.antistuck.patience, seed, self.antistuck.enabled)
        self.fallback = FallbackPolicy(seed)

    @property
    def state(self) -> GameState:
        return self.view.state

    def legal(self) -> tuple[bool, ...]:
        """Which buttons the rules allow now (the rest would be replaced)."""
        return self._legal(self.view.state)

    def explored_around(self) -> tuple[bool, bool, bool, bool]:
        """Whether the tiles up, down, left and right of the player were walked in this episode (`Explored.around`):
        the state features' last four."""
        return self.progress.explored.around(self.view.state)

    def _legal(self, state: GameState) -> tuple[bool, ...]:
        """The rules' buttons for `state`, less those just pressed here to no effect (`idle_mask`), unless that
        would leave none."""
        allowed = allowed_buttons(state)
        if not self._idle:
            return allowed
        masked = tuple(ok and button not in self._idle for button, ok in zip(BUTTONS, allowed, strict=True))
        return masked if any(masked) else allowed

    def reset(self, state: bytes | None = None, origin: Path | str = "start state", seed: int | None = None) -> View:
        """A new episode from `state` (default: the start state): the machine loaded, `seed`'s idle frames played
        (None: none, the state as it is), exploration forgotten.

        Raises `SaveStateError` when the state cannot be loaded (corrupt, or of another cartridge);
        the game is then where it was.
        """
        self.load(self.start_state if state is None else state, origin)
        self.episode += 1
        self.antistuck.reset()
        self.fallback.new_episode()
        return self.begin(seed)

    def begin(self, seed: int | None) -> View:
        """The episode about to be played begins here, after `seed`'s idle frames (None: none): its step count,
        its seed and what it explored start afresh. A seed also seeds the rules' random choices (`reseed`), so
        one seed and the same buttons give the same episode frame for frame. `reset` ends in it; the emulator
        calls it for a run's first episode, which begins where the core was started."""
        if seed is not None:
            self.reseed(seed)
            self.machine.idle(idle_frames(seed))
            self.view = self.machine.view()
            self._idle.clear()
        self.seed = seed
        self.episode_step = 0
        self.progress.start(self.view.state)
        return self.view

    def load(self, state: bytes, origin: Path | str = "state") -> View:
        """Load a state within the episode (what was explored is kept): a person's `load`, a restore after a restart."""
        self.machine.load_state(state, origin)
        self.machine.refresh_screen()
        self.view = self.machine.view()
        self._idle.clear()
        return self.view

    def save_state(self) -> bytes:
        return self.machine.save_state()

    def step(self, chosen: Button | None = None, full_screen: bool = False) -> Step:
        """Play one button (None: the rule-based policy chooses), after the rules that always win."""
        before, before_screen = self.view.state, self.view.screen
        button, by_rules, forbidden, intervention = self._apply_rules(before, chosen)
        self.machine.step(button)
        view = self.view = self.machine.view(full_screen)
        facts = self.progress.step(
            before, view.state, intervention, forbidden, button, screens=(before_screen, view.screen)
        )
        if facts.idle_press and self.idle_mask:
            self._idle.add(button)
        elif self._idle:
            self._idle.clear()
        self.antistuck.observe(facts.progressed)
        reward, breakdown = self.scorer(facts)
        self.episode_step += 1
        terminated = self.goal.reached(facts)
        truncated = not terminated and self.episode_steps is not None and self.episode_step >= self.episode_steps
        return Step(button, by_rules, view, facts, reward, breakdown, terminated, truncated)

    def _apply_rules(self, state: GameState, chosen: Button | None) -> tuple[Button, bool, bool, bool]:
        legal = self._legal(state)
        by_rules = chosen is None
        button = self.fallback.choose(state, self.screen_text) if chosen is None else chosen
        forbidden = not legal[BUTTON_INDEX[button]]
        if forbidden:
            button, by_rules = self.fallback.choose(state, self.screen_text), True
            if not legal[BUTTON_INDEX[button]]:
                button = Button.A
        intervention = self.antistuck.stuck
        if intervention:
            button, by_rules = self.antistuck.intervene(state, button), True
        return button, by_rules, forbidden, intervention

    def screen_text(self) -> tuple[str, ...]:
        """The words in the boxes on screen now (read when asked: a plan request, not every step)."""
        return read_screen_text(self.machine.pyboy.memory, self.machine.layout.on_demand["wTilemap"])

    def area_map(self) -> AreaMap:
        """The map around the player now, from RAM and the cartridge's ROM (read when asked, not every step)."""
        if self._rom_bytes is None:
            self._rom_bytes = self.machine.rom.path.read_bytes()
        return read_area_map(self.machine.pyboy.memory, self._rom_bytes, self.view.state, self.machine.layout.variables)

    def text_map(self) -> TextMap | None:
        """The screen-sized text map around the player for a planner; None while RAM describes no map (mid-warp)."""
        area = self.area_map()
        return area.text_map() if area.width else None

    def close(self) -> None:
        self.machine.close()
