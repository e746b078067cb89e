"""`CrystalEnv`: the game core as a Gymnasium environment, for SB3, CleanRL, PufferLib and the like.

One core, two doors: the env plays the very step the emulator service plays
(`shared.game.core.GameCore`): the rules that always win (a forbidden button is replaced, the
anti-stuck rule steps in), the same facts and reward, the same small screen and features the
project's learner sees. What it adds is only Gymnasium's shape: spaces, the tuples of `reset` and
`step`, seeding and rendering. There is no Redis and no asyncio in it, so a step costs what the
core's step costs.

`import crystal_rl` registers it as `crystal_rl/Crystal-v0`.
"""

import dataclasses
import logging
import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from crystal_rl.boot_cache import usable_cache_dir
from crystal_rl.env_archive import EnvArchive
from shared.archive import DEFAULT_SHARE, DEFAULT_SIZE
from shared.buttons import BUTTON_INDEX, Button, parse_buttons
from shared.errors import ConfigError, SaveStateError
from shared.game.config import GameConfig, Goal
from shared.game.core import GameCore
from shared.game.features import FEATURE_NAMES, state_features
from shared.game.machine import BOOT_FRAMES, HOLD_FRAMES, STEP_FRAMES, View
from shared.game.progress import StepFacts
from shared.game.rewards import RewardWeights
from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.game.state import GameState
from shared.redis_url import check_url

log = logging.getLogger(__name__)

Observation = dict[str, np.ndarray]

SCREEN_SHAPE = (SCREEN_HEIGHT, SCREEN_WIDTH, 1)
"""Height, width, channels: Gymnasium's image layout, so SB3's `MultiInputPolicy` puts a CNN on it."""
FULL_SCREEN_SHAPE = (144, 160, 3)
GAME_FPS = 4_194_304 / 70_224
"""The Game Boy's frame rate (59.73 Hz): a step of 24 frames is 0.4 s of game time."""

_FEATURE_HIGH = {
    "x": 255 / 64,
    "y": 255 / 64,
    "map_group": 255 / 32,
    "map_number": 255 / 128,
    "party_level_mean": 2.55,
    "party_level_max": 2.55,
    "party_hp_fraction": 6 * 0xFFFF,
}
FEATURE_HIGH = np.array([_FEATURE_HIGH.get(name, 1.0) for name in FEATURE_NAMES], dtype=np.float32)
"""The largest value each of `state_features` can take (the rest are fractions and flags, at most 1).

The bounds are what the RAM allows, not what a sane game shows: coordinates and map ids are bytes
(scaled by 64, 32 and 128), levels a byte (/100), and the party's HP fraction is a fraction only
while HP <= max HP; six 16-bit HPs over a max HP of 1 is a misread the space must still contain,
or `observation_space.contains` would fail on it. The low bound is 0 for every feature.
"""
FACT_NAMES: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(StepFacts))
_NO_FACTS = StepFacts()


class CrystalEnv(gym.Env[Observation, np.int64]):
    """Pokémon Crystal (or the demo cartridge) one button a step, with the project's rewards and rules.

    Observation: `{"screen": uint8 (72, 80, 1), "features": float32 (24,)}`, the learner's
    pixels (the green channel of every other pixel) and its state features. Action: an index
    into `buttons`. The rules may play another button than the one chosen: `info["button"]`
    and `info["by_rules"]` say what was played, `info["action_mask"]` which buttons the rules
    allow now. An episode terminates when the goal's fact happens, and is truncated after
    `episode_steps` steps (or by `gymnasium.make(..., max_episode_steps=N)`). With `archive`, a share
    of the episodes begins at milestone states the game reached before, as the emulator service's do.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": GAME_FPS / STEP_FRAMES}

    def __init__(
        self,
        rom: Path | str | None = None,
        *,
        world: str | None = None,
        buttons: str | Sequence[str | Button] = "all",
        goal: str | Goal | None = None,
        episode_steps: int | None = None,
        reward_weights: Mapping[str, float] | RewardWeights | None = None,
        stuck_patience: int = 80,
        anti_stuck: bool = True,
        idle_mask: bool = False,
        story_features: bool = True,
        hold_frames: int = HOLD_FRAMES,
        step_frames: int = STEP_FRAMES,
        boot_frames: int = BOOT_FRAMES,
        boot_cache_dir: Path | str | None = None,
        info_state: bool = False,
        render_mode: str | None = None,
        symbols: Path | str | None = None,
        archive: bool | str = False,
        archive_share: float = DEFAULT_SHARE,
        archive_size: int = DEFAULT_SIZE,
        archive_prefix: str | None = None,
    ) -> None:
        """
        Args:
            rom: a Game Boy (Color) ROM; None plays a world of the project's demo cartridge (built on first use).
            world: the demo cartridge's world when no `rom` is given: `johto` (Johto's first chapter at Crystal's
                scale, the default) or `tiny` (four screens, for fast tests). Naming a `rom` too is an error.
            buttons: the action space, as button names in index order, or a preset: `"all"` (the
                eight buttons), `"no_select"` (the seven the project's agents use).
            goal: the fact that terminates an episode: `badge`, `first_pokemon`, `battle_won`,
                `new_map`, or `none` (only time limits end one). None: the badge on the demo
                cartridge, none on another ROM (as the emulator service plays it).
            episode_steps: the core's own time limit in steps, 0 for none. None: the demo world's own
                (johto 5,000, tiny 1,000), none on another ROM.
            reward_weights: reward components to weigh differently from the service's defaults.
            stuck_patience: steps without progress before the anti-stuck rule presses something else.
            anti_stuck: False: the anti-stuck rule never steps in (the policy alone, as greedy evaluations play).
            idle_mask: a button just pressed to no effect (a wall walked into, A facing nothing) leaves the action
                mask until the game changes; chosen anyway, it is forbidden and replaced by the rules.
            story_features: the features' `story_k` inputs (at least k story flags set) are given, as the
                learner's `story_features` does by default; False: they are 0 (its ablation).
            hold_frames, step_frames: a button is held `hold_frames` of the step's `step_frames` frames.
            boot_frames: the most frames power-on may take before play starts.
            boot_cache_dir: where the state after boot is cached (default: a per-user cache
                directory), so an env starts in milliseconds instead of booting.
            info_state: put the save state's bytes in every step's `info["state"]` (costs about
                30 ms a step; `reset(options={"return_state": True})` or `save_state()` ask once).
            render_mode: `"rgb_array"`: `render()` returns the full 144x160 RGB screen.
            symbols: a pokecrystal-style `.sym` file of a ROM hack: its addresses replace Crystal's by name.
            archive: the system's start states: when a step reaches a milestone (first Pokémon, a new map, a
                battle won, a badge) in a cell the archive lacks, its state joins the archive, and
                `archive_share` of the resets begin at a state drawn from it (favouring the most advanced
                and the least chosen), as the emulator service's episodes do. False: none (every episode
                at the start state); True: this env's own archive, in the process; a Redis URL
                (`redis://...`): the archive in that Redis, shared with every env and emulator there
                that plays the same ROM (and with `crystal-rl run` on that Redis).
            archive_share: share of resets drawn from the archive (the emulator's default, 0.25).
            archive_size: most states the archive keeps; past it the least advanced go.
            archive_prefix: the key prefix of a shared archive (the services' `CRL_KEY_PREFIX`; default `crl:`).
        """
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"unknown render_mode {render_mode!r}: one of {self.metadata['render_modes']} or None")
        self.render_mode = render_mode
        if rom is not None and world is not None:
            raise ConfigError(
                f"give a rom or a world, not both (rom={str(rom)!r}, world={world!r}): a world names which demo "
                "cartridge to play when there is no ROM"
            )
        self.buttons = parse_buttons(buttons)
        """The button each action index presses."""
        self.config = GameConfig.checked(
            rom=rom,
            world=world,
            symbols=symbols,
            hold_frames=hold_frames,
            step_frames=step_frames,
            boot_frames=boot_frames,
            stuck_patience=stuck_patience,
            idle_mask=idle_mask,
            rewards=reward_weights if reward_weights is not None else RewardWeights(),
            goal=goal,
            episode_steps=episode_steps,
        )
        """The game this env plays, as the emulator service would play it from the same settings."""
        self.info_state = info_state
        self.story_features = story_features
        self._indices = np.array([BUTTON_INDEX[b] for b in self.buttons])
        self._masks: dict[tuple[bool, ...], np.ndarray] = {}
        self.action_space = spaces.Discrete(len(self.buttons))
        self.observation_space = spaces.Dict(
            {
                "screen": spaces.Box(0, 255, SCREEN_SHAPE, np.uint8),
                "features": spaces.Box(np.zeros_like(FEATURE_HIGH), FEATURE_HIGH, dtype=np.float32),
            }
        )
        self.metadata = {**self.metadata, "render_fps": GAME_FPS / step_frames}
        archive_url = _archive_url(archive)
        if not 0 <= archive_share <= 1:
            raise ConfigError(f"archive_share must be between 0 and 1 (got {archive_share})")
        if archive_size < 1:
            raise ConfigError(f"archive_size must be at least 1 (got {archive_size})")
        self.archive_share = archive_share
        self._core = GameCore.start(self.config, boot_cache=usable_cache_dir(boot_cache_dir), anti_stuck=anti_stuck)
        self.rom = self._core.machine.rom
        self.archive: EnvArchive | None = None
        """The archive of milestone states, when `archive` asks for one (its counters: `added`, `drawn`, `errors`)."""
        if archive is not False:
            self.archive = EnvArchive(self.rom.sha256, archive_size, archive_url, archive_prefix)
        self.archive_fallbacks = 0
        """Resets whose archive state did not load (of another cartridge, corrupt): begun at the start state."""
        self._rules_seeded = False
        self._closed = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """A new episode from the state after boot, or from `options["state"]` (a save state's bytes or file), or
        (with `archive`, for `archive_share` of the resets) from a milestone state drawn from the archive.
        `info["start_state"]` says which: `start`, `given` or `archive:{cell}`.

        Each episode is its own game: a start is seeded, and begins the seed's idle frames after the state
        (`shared.game.core.idle_frames`, up to 1,023 frames with nothing pressed), so the game's random
        number generator, which advances every frame, gives it its own encounters and battles. `seed` is
        that seed, and seeds the rules' randomness too (the fallback's choices when a forbidden button is
        replaced, the anti-stuck rule's): one seed and the same actions give the same episode frame for
        frame. Without one, each reset's seed is drawn from the env's generator (Gymnasium's `np_random`,
        seeded by the last `seed` given), so a run seeded once is reproducible; a save state given without
        a seed is played as it is. `info["seed"]` says which seed the episode has (None: unseeded).
        `options["return_state"]` puts the start's save state in `info["state"]`. A state that cannot be
        loaded (another cartridge's, corrupt) raises `SaveStateError`; the env stays usable.
        """
        super().reset(seed=seed)
        options = dict(options or {})
        state, origin = _start_state(options.pop("state", None))
        return_state = bool(options.pop("return_state", False))
        if options:
            unknown = ", ".join(map(repr, options))
            raise ConfigError(f"unknown reset option(s) {unknown}: known are 'state', 'return_state'")
        if seed is None and state is None:
            seed = int(self.np_random.integers(2**31))
        if seed is None and not self._rules_seeded:
            self._core.reseed(int(self.np_random.integers(2**63)))
        self._rules_seeded = True
        view, start = self._begin(state, origin, seed)
        info = self._info(view.state)
        info["start_state"] = start
        info["breakdown"], info["facts"] = {}, _facts(_NO_FACTS)
        info["seed"] = self._core.seed
        if return_state and "state" not in info:
            info["state"] = self._core.save_state()
        return self._observation(view), info

    def step(self, action: int | np.integer) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        index = int(action)
        if not 0 <= index < len(self.buttons):
            raise ValueError(f"action {action!r} is not in the action space: 0 to {len(self.buttons) - 1}")
        played = self._core.step(self.buttons[index])
        if self.archive is not None:
            self.archive.offer(self._core, played)
        view = played.view
        info = self._info(view.state)
        info["breakdown"] = played.breakdown
        info["facts"] = _facts(played.facts)
        info["button"] = played.button.value
        info["by_rules"] = played.by_rules
        return self._observation(view), float(played.reward), played.terminated, played.truncated, info

    def _begin(self, state: bytes | None, origin: str | Path, seed: int | None) -> tuple[View, str]:
        """The episode's start: the given state, else a draw from the archive for its share, else the start state;
        then `seed`'s idle frames (`GameCore.reset`)."""
        archive = self.archive
        if state is not None:
            return self._core.reset(state, origin, seed=seed), "given"
        if archive is None:
            return self._core.reset(seed=seed), "start"
        archive.refresh()
        if self.np_random.random() < self.archive_share:
            drawn = archive.draw(random.Random(int(self.np_random.integers(2**63))))
            if drawn is not None:
                name = f"archive:{drawn.entry.cell}"
                try:
                    view = self._core.reset(drawn.state, name, seed=seed)
                except SaveStateError as exc:  # another cartridge's state in a shared archive, or corrupt
                    self.archive_fallbacks += 1
                    log.warning("%s; this episode begins at the start state instead", exc)
                else:
                    archive.chosen(drawn.entry.cell)
                    return view, name
        return self._core.reset(seed=seed), "start"

    @property
    def core(self) -> GameCore:
        """The game core this env plays: its machine, state and rules, for what Gymnasium's API does not carry."""
        return self._core

    def render(self) -> np.ndarray | None:
        """The full screen as (144, 160, 3) uint8 RGB, in `render_mode="rgb_array"`; None otherwise."""
        if self.render_mode != "rgb_array":
            return None
        return self._core.machine.pyboy.screen.ndarray[:, :, :3].copy()

    def save_state(self) -> bytes:
        """The game as it is now, as bytes `reset(options={"state": ...})` takes back (this cartridge only)."""
        return self._core.save_state()

    def action_mask(self) -> np.ndarray:
        """Which of `buttons` the rules allow now (a forbidden one would be replaced)."""
        legal = self._core.legal()
        mask = self._masks.get(legal)
        if mask is None:
            mask = self._masks[legal] = np.asarray(legal, dtype=bool)[self._indices]
        return mask.copy()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.archive is not None:
                self.archive.close()
            self._core.close()

    def _observation(self, view: View) -> Observation:
        screen = np.frombuffer(bytearray(view.screen), dtype=np.uint8).reshape(SCREEN_SHAPE)
        features = state_features(view.state, self._core.explored_around(), self.story_features)
        return {"screen": screen, "features": features}

    def _info(self, state: GameState) -> dict[str, Any]:
        info = {
            "action_mask": self.action_mask(),
            "episode_step": self._core.episode_step,
            "map_id": state.map_id,
            "badges": state.badge_count,
        }
        if self.info_state:
            info["state"] = self._core.save_state()
        return info


def _facts(facts: StepFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in FACT_NAMES}


def _archive_url(archive: object) -> str | None:
    """The Redis URL of a shared archive; None for none or the env's own; a `ConfigError` for anything else."""
    if isinstance(archive, bool):
        return None
    if isinstance(archive, str):
        try:
            return check_url(archive)
        except ValueError as exc:
            raise ConfigError(f"archive: {exc}") from None
    raise ConfigError(f"archive must be False, True or a Redis URL, not {type(archive).__name__}")


def _start_state(
    state: bytes | bytearray | memoryview | str | os.PathLike[str] | None,
) -> tuple[bytes | None, str | Path]:
    """The reset option's save state as bytes, and how to name it in an error."""
    if state is None:
        return None, "start state"
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state), "given to reset()"
    if isinstance(state, str | os.PathLike):
        path = Path(state)
        try:
            return path.read_bytes(), path
        except OSError as exc:
            raise SaveStateError(f"cannot read save state {path}: {exc.strerror}") from None
    raise ConfigError(f"reset option 'state' must be a save state's bytes or a path, not {type(state).__name__}")
