"""Playing a demo world's chapter through the game core and reading how far each game got.

A world's chapter is its milestones in story order, each read from the game (`Chapter`): on johto
the walkthrough policy's own (`cartridge/johto/walkthrough.py`: the starter, the EGG, the rival, the
EGG to ELM, Violet City, the GYM, FALKNER, the badge), on tiny the four screens' (the first Pokémon,
each map, the badge). `play` runs one seeded game with any chooser of buttons (a walkthrough policy,
random buttons, the rule-based fallback) and notes the step each milestone first held, the battles
met and the anti-stuck rule's interventions: what `crystal-rl walkthrough` prints and the README's
Johto figures (`bench/world_play.py`) are made of.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from shared.buttons import Button
from shared.game.core import GameCore
from shared.video import EpisodeVideo

Chooser = Callable[[GameCore], Button | None]
"""The button for the next step, from the game as it is (None: the rule-based fallback chooses)."""
Reached = Callable[[GameCore], bool]


@dataclass(frozen=True)
class Chapter:
    """A world's walkthrough policy and its milestones, in story order."""

    world: str
    milestones: tuple[tuple[str, Reached], ...]
    walkthrough: Callable[[], Chooser]
    """A fresh walkthrough policy for one game (it keeps what it learned of the way)."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.milestones)


def _johto() -> Chapter:
    from cartridge.johto.walkthrough import MILESTONES, Walkthrough

    def walkthrough() -> Chooser:
        policy = Walkthrough()
        return lambda core: Button(policy.next_button(core.machine.pyboy.memory))

    def reached(milestone: object) -> Reached:
        return lambda core: milestone.reached(core.machine.pyboy.memory)  # type: ignore[attr-defined]

    return Chapter("johto", tuple((m.name, reached(m)) for m in MILESTONES), walkthrough)


def _tiny() -> Chapter:
    from cartridge.walkthrough import WALKTHROUGH

    def walkthrough() -> Chooser:
        buttons = iter(WALKTHROUGH)
        return lambda core: Button(next(buttons, "a"))  # a fixed list; past its end, A

    def on_map(name: str) -> Reached:
        return lambda core: core.state.map_name == name

    milestones: tuple[tuple[str, Reached], ...] = (
        ("first_pokemon", lambda core: core.state.party_count > 0),
        ("route_29", on_map("Route 29")),
        ("violet_city", on_map("Violet City")),
        ("violet_gym", on_map("Violet Gym")),
        ("badge", lambda core: core.state.johto_badges & 1 == 1),
    )
    return Chapter("tiny", milestones, walkthrough)


CHAPTERS: dict[str, Callable[[], Chapter]] = {"johto": _johto, "tiny": _tiny}
"""The worlds with a walkthrough, each built when asked (the johto policy reads the world's maps)."""


class Played(BaseModel):
    """One game played from one seed: how far it got and when."""

    seed: int
    steps: int
    """Steps (presses) played."""
    milestones: dict[str, int] = Field(default_factory=dict)
    """Milestone → the step (1-based) at which it first held; milestones not reached are absent."""
    furthest: str | None = None
    """The furthest milestone reached (story order), None for none."""
    badge: int | None = None
    """The step the badge came at, None without one."""
    wild_battles: int = 0
    trainer_battles: int = 0
    encounters: list[tuple[int, int, int]] = Field(default_factory=list)
    """The wild creatures met: (step, species, level), in order; where chance shows first."""
    interventions: int = 0
    """Steps the anti-stuck rule chose instead of the player."""
    wall_s: float = 0.0
    digest: str = ""
    """SHA-1 over every step's small screen and state: one seed played twice gives the same, frame for frame."""

    def furthest_of(self, chapter: Chapter) -> str | None:
        """The furthest of `chapter`'s milestones reached so far."""
        return next((name for name in reversed(chapter.names) if name in self.milestones), None)


def play(
    core: GameCore,
    chapter: Chapter,
    choose: Chooser,
    seed: int,
    steps: int,
    *,
    until_badge: bool = True,
    video: EpisodeVideo | None = None,
) -> Played:
    """Reset `core` to a start seeded with `seed` and play up to `steps` steps chosen by `choose` (to the badge when
    `until_badge`), noting each milestone's first step; each step's screen goes to `video` when given."""
    started = time.monotonic()
    core.reset(seed=seed)
    done = Played(seed=seed, steps=0)
    digest = hashlib.sha1()
    in_battle, meeting = core.state.battle.active, False
    pending = list(chapter.milestones)
    for number in range(1, steps + 1):
        step = core.step(choose(core), full_screen=video is not None)
        done.steps = number
        done.interventions += step.facts.intervention
        state = step.view.state
        digest.update(step.view.screen)
        digest.update(state.model_dump_json().encode())
        battle = state.battle
        if battle.active and not in_battle:
            if battle.mode == 2:
                done.trainer_battles += 1
            else:
                done.wild_battles += 1
                meeting = True
        if meeting and battle.enemy_species:  # the enemy is in RAM a few frames after the battle begins
            done.encounters.append((number, battle.enemy_species, battle.enemy_level))
            meeting = False
        in_battle = battle.active
        for milestone in [m for m in pending if m[1](core)]:
            pending.remove(milestone)
            done.milestones[milestone[0]] = number
        if video is not None and step.view.rgba is not None:
            video.add(step.view.rgba, f"seed {seed} {number:>5} {step.button:<6} {done.furthest_of(chapter) or ''}")
        if until_badge and "badge" in done.milestones:
            break
    done.furthest = done.furthest_of(chapter)
    done.badge = done.milestones.get("badge")
    done.digest = digest.hexdigest()
    done.wall_s = round(time.monotonic() - started, 2)
    return done
