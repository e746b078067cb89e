"""Every stream message as a pydantic model, and the one wire format they share.

A stream entry holds `v` (schema version), `kind`, `json` (the model without its binary
fields) and one raw-bytes field per binary field (the screen), so a 6 KB screen never
becomes base64 or a JSON array of numbers.

The messages depend on the game (`shared.game`), never the other way: what a step of the game
core becomes on the wire is said here, once (`Frame.after`, `Episode.of_record`), for the
emulator service and the learner's evaluations alike.
"""

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import from_json

from shared.buttons import Button
from shared.errors import MessageError
from shared.game.episode import Stall
from shared.game.navigation import WalkTo
from shared.game.state import GameState
from shared.game.textmap import TextMap
from shared.unvalidated import unvalidated_constructor

if TYPE_CHECKING:  # the core runs PyBoy: a reader of messages (the dashboard, the planner) must not import it
    from shared.game.core import GameCore, Step
    from shared.game.episode import EpisodeRecord
    from shared.game.progress import StepFacts

Fields = dict[bytes, bytes]
"""A stream entry as redis-py returns it (bytes keys and values)."""


class Message(BaseModel):
    """Base of every stream message: a kind, a schema version, and which fields are binary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    KIND: ClassVar[str]
    VERSION: ClassVar[int] = 1
    BINARY: ClassVar[tuple[str, ...]] = ()
    OPTIONAL_BINARY: ClassVar[tuple[str, ...]] = ()
    """Binary fields left out of an entry while empty (added after the message's first version: an older
    writer's entries lack them, and they read as the field's default)."""

    def to_fields(self) -> dict[str, bytes | str]:
        fields: dict[str, bytes | str] = {
            "v": str(self.VERSION),
            "kind": self.KIND,
            # the serializer's own bytes: model_dump_json would decode them to text, to be encoded again for Redis
            "json": self.__pydantic_serializer__.to_json(self, exclude=set(self.BINARY) or None),
        }
        for name in self.BINARY:
            value = getattr(self, name)
            if value or name not in self.OPTIONAL_BINARY:
                fields[name] = value
        return fields

    @classmethod
    def from_fields(cls, fields: Fields) -> Self:
        """Decode one stream entry; every way it can be wrong becomes a `MessageError` saying which."""
        try:
            version = fields[b"v"].decode()
            kind = fields[b"kind"].decode()
            payload = fields[b"json"]
        except KeyError as exc:
            raise MessageError(f"{cls.KIND}: missing field {exc.args[0].decode()!r}") from None
        except UnicodeDecodeError:
            raise MessageError(f"{cls.KIND}: 'v' or 'kind' is not text") from None
        if kind != cls.KIND:
            raise MessageError(f"expected kind {cls.KIND!r}, got {kind!r}")
        if version != str(cls.VERSION):
            raise MessageError(f"{cls.KIND}: unknown schema version {version!r} (this build reads {cls.VERSION})")
        try:
            data = from_json(payload)
        except ValueError:
            raise MessageError(f"{cls.KIND}: 'json' is not valid JSON") from None
        if not isinstance(data, dict):
            raise MessageError(f"{cls.KIND}: 'json' is not an object")
        for name in cls.BINARY:
            if name.encode() in fields:
                data[name] = fields[name.encode()]
            elif name not in cls.OPTIONAL_BINARY:
                raise MessageError(f"{cls.KIND}: missing binary field {name!r}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise MessageError(f"{cls.KIND}: {_short(exc)}") from None


def _short(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errors[:3]]
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(parts) + more


class ActionSource(StrEnum):
    """Who chose a button: the arbitration order of the step, highest first."""

    DASHBOARD = "dashboard"
    LLM = "llm"
    DQN = "dqn"
    RULES = "rules"


class Frame(Message):
    """One step of one game: the state after the last action, and what that action earned."""

    KIND: ClassVar[str] = "frame"
    BINARY: ClassVar[tuple[str, ...]] = ("screen",)

    env: str
    step: int = Field(ge=0)
    state: GameState
    reward: float = 0.0
    reward_breakdown: dict[str, float] = Field(default_factory=dict)
    action: Button | None = None
    """The button pressed in the previous step, which led to this state (None for the first frame)."""
    action_source: ActionSource | None = None
    legal: tuple[bool, ...] = ()
    """Legal-action mask over `shared.buttons.BUTTONS` for the next action."""
    explored: tuple[()] | tuple[bool, bool, bool, bool] = ()
    """Whether the tiles up, down, left and right of the player were walked in this episode
    (`shared.game.progress.Explored.around`; empty from older code: unknown). The state features' last four."""
    intervention: bool = False
    """The anti-stuck rule overrode the chosen action in the previous step."""
    episode: int = 0
    terminated: bool = False
    """The previous step reached the episode's goal: this is the episode's last frame, nothing answers it
    (the next frame starts a new episode, and no value is bootstrapped from this one)."""
    truncated: bool = False
    """The episode's steps ran out at this frame: its last, nothing answers it, but its value still counts
    (a time limit is not the game's end)."""
    screen: bytes = b""
    """SCREEN_HEIGHT x SCREEN_WIDTH grayscale, row-major, one byte per pixel."""
    plan: str | None = None
    """The plan (its request's id) that chose the previous step's button, when one did (the rules may have
    replaced the button: `action_source` says who played it). A plan's steps are the frames carrying its id;
    the first frame of the env without it after them says the plan is over (the learner judges it then)."""
    milestone: str | None = None
    """The previous step's milestone (`badge`, `first_pokemon`, `new_map`, `battle_won`), if it reached one."""
    ts: float = Field(default_factory=time.time)

    @classmethod
    def after(
        cls,
        core: "GameCore",
        played: "Step | None",
        *,
        env: str,
        step: int,
        source: ActionSource | None = None,
        plan: str | None = None,
    ) -> "Frame":
        """The frame of the game where `core` is now: `played` is the step that led here (None for a first frame),
        `source` who chose its button (`plan`: the plan that chose it), `step` the frame's number on its stream.

        Built without validation (every value comes typed from the core), as the emulator builds one a step.
        """
        view = core.view
        return _new_frame(
            env=env,
            step=step,
            state=view.state,
            reward=played.reward if played else 0.0,
            reward_breakdown=played.breakdown if played else {},
            action=played.button if played else None,
            action_source=source,
            legal=core.legal(),
            explored=core.explored_around(),
            intervention=played.facts.intervention if played else False,
            episode=core.episode,
            terminated=played.terminated if played else False,
            truncated=played.truncated if played else False,
            screen=view.screen,
            plan=plan,
            milestone=_milestone(played.facts) if played else None,
            ts=time.time(),
        )


def _milestone(facts: "StepFacts") -> str | None:
    """The step's milestone as a frame names it: the game core's (a badge, the first Pokémon, a new map), else a
    battle won (the episode's milestones, `shared.game.episode.MILESTONES`)."""
    return facts.milestone or ("battle_won" if facts.battle_won else None)


class Event(Message):
    """Something a person watching the run should see: a milestone, a restart, a control ack, a failure."""

    KIND: ClassVar[str] = "event"

    service: str
    instance: str
    kind: str
    message: str
    env: str | None = None
    level: Literal["info", "warning", "error"] = "info"
    data: dict[str, Any] = Field(default_factory=dict)
    ts: float = Field(default_factory=time.time)


class Episode(Message):
    """A finished episode of one env: what it earned and how far it got (`episodes` stream)."""

    KIND: ClassVar[str] = "episode"

    env: str
    episode: int = Field(ge=0)
    eval: bool = False
    """A greedy evaluation (epsilon 0, no planner, no fallback beyond the always-win rules), not training."""
    start_state: str = "start"
    """`start`, `archive:{cell}` or a save state's name."""
    seed: int | None = None
    """The seed of the episode's start (`shared.game.core.idle_frames`), which replays it; None: the start as
    given, unseeded."""
    steps: int = Field(ge=0)
    env_steps: int = Field(default=0, ge=0)
    """The env's step counter when the episode ended (training); for eval, the training steps of the
    checkpoint evaluated. The x axis of a learning curve."""
    updates: int = Field(default=0, ge=0)
    """Learner updates behind the policy, where known (eval: the checkpoint's)."""
    total_reward: float
    components: dict[str, float] = Field(default_factory=dict)
    milestones: dict[str, int] = Field(default_factory=dict)
    """Milestone (`first_pokemon`, `new_map`, `battle_won`, `badge`, `map:{name}`) → the episode step at which
    it first happened."""
    furthest_map: str = ""
    badges: int = 0
    max_level: int = 0
    sources: dict[str, float] = Field(default_factory=dict)
    """Share of the episode's buttons by who chose them (`anti_stuck`: the anti-stuck rule's presses)."""
    anti_stuck: int = Field(default=0, ge=0)
    """Presses the anti-stuck rule made."""
    fingerprint: str = ""
    """A hash of the buttons played (`EpisodeRecord.fingerprint`): episodes alike in it played one trajectory."""
    stall: Stall | None = None
    """The longest run of steps without progress (None: every step made some)."""
    terminated: bool = False
    truncated: bool = False
    wall_s: float = Field(default=0.0, ge=0)
    ts: float = Field(default_factory=time.time)

    @classmethod
    def of_record(
        cls,
        record: "EpisodeRecord",
        env: str,
        episode: int,
        last: "Step",
        *,
        env_steps: int,
        wall_s: float,
        eval: bool = False,
        updates: int = 0,
    ) -> "Episode":
        """The finished episode `record` summed, whose `last` step ended it."""
        return cls(
            env=env,
            episode=episode,
            eval=eval,
            start_state=record.start_state,
            seed=record.seed,
            steps=record.steps,
            env_steps=env_steps,
            updates=updates,
            total_reward=round(record.total_reward, 6),
            components={name: round(value, 6) for name, value in sorted(record.components.items())},
            milestones=dict(record.milestones),
            furthest_map=record.furthest_map,
            badges=record.max_badges,
            max_level=record.max_level,
            sources=record.source_shares(),
            anti_stuck=record.anti_stuck,
            fingerprint=record.fingerprint(),
            stall=record.stall(),
            terminated=last.terminated,
            truncated=last.truncated,
            wall_s=round(max(wall_s, 0.0), 3),
        )


class HistoryItem(BaseModel):
    """One past step as the planner sees it."""

    model_config = ConfigDict(frozen=True)

    step: int
    action: Button | None
    source: ActionSource | None
    reward: float


class PlanOutcome(BaseModel):
    """How the previous plan went, so the planner can learn from it in its next prompt."""

    model_config = ConfigDict(frozen=True)

    goal: str
    buttons_planned: int
    buttons_executed: int
    reward: float
    interrupted: bool = False
    """A higher-priority source or the anti-stuck rule cut the plan short."""
    walked: str | None = None
    """How the plan's walk went (`arrived`, `left_map`, `unreachable`, `battle`, `walking` when cut short)."""


PlanReason = Literal["interval", "stuck", "new_map", "battle_start", "first_pokemon", "manual"]


class PlanRequest(Message):
    """The emulator asks for a plan: every `llm_interval` steps, and at once on a trigger."""

    KIND: ClassVar[str] = "plan_request"
    BINARY: ClassVar[tuple[str, ...]] = ("screen_png", "ram")
    OPTIONAL_BINARY: ClassVar[tuple[str, ...]] = ("screen_png", "ram")

    request_id: str
    env: str
    step: int = Field(ge=0)
    reason: PlanReason
    state: GameState
    history: tuple[HistoryItem, ...] = ()
    legal: tuple[Button, ...] = ()
    """Buttons the rules accept now and through a plan (START/SELECT are forbidden before the first Pokémon): not the
    idle mask's, which holds for this state only (a plan's later presses are played elsewhere), and whose button
    chosen anyway is replaced like any forbidden one."""
    previous_plan: PlanOutcome | None = None
    screen_text: tuple[str, ...] = ()
    """The words in the text boxes and menus on screen, a line each."""
    text_map: TextMap | None = None
    """The area around the player, its exits, people and items (None: no map, e.g. mid-warp)."""
    screen_png: bytes = b""
    """The full screen (160x144) as PNG, for vision models: attached only when the emulator's `llm_image` is on
    (about 3 KB); empty otherwise."""
    episode: int | None = None
    """The env's episode at `step` (`Frame.episode`): the planner's notes start empty in a new one, and a plan
    for another episode is refused. None from an emulator that does not say."""
    ram: bytes = b""
    """The game's work RAM (WRAM banks 0 and 1, `RAM_START` onward: 8 KB) at `step`, only with the emulator's
    `llm_ram` on: for demonstrators, policies that read the game's memory as a program does (the planner
    forwards it to the model host with its own `llm_ram`; no model reads it). Empty otherwise."""
    ts: float = Field(default_factory=time.time)


RAM_START = 0xC000
"""Where `PlanRequest.ram` begins: WRAM bank 0 (0xC000-0xCFFF), then bank 1 (0xD000-0xDFFF)."""


class Action(Message):
    """Buttons for one env from the planner (a plan with a time-to-live) or the learner (one step)."""

    KIND: ClassVar[str] = "action"

    env: str
    step: int = Field(ge=0)
    """DQN: the exact step this action is for. LLM: the step of the request it answers, the step the plan was made
    for (with `map_group`/`map_number` and `episode`: what a stale plan is told apart by)."""
    source: Literal[ActionSource.LLM, ActionSource.DQN]
    buttons: tuple[Button, ...] = Field(default=(), max_length=32)
    """At least one, unless the plan walks (`walk_to`): then they are pressed once the walk is over."""
    ttl_steps: int = Field(default=1, ge=1, le=1000)
    """How many steps after its arrival a plan stays valid; unused buttons then expire."""
    goal: str | None = Field(default=None, max_length=500)
    request_id: str | None = None
    walk_to: WalkTo | None = None
    """LLM: walk there first, a press a step along a searched path (the emulator expands it). A cell is a place
    on the plan's map (`map_group`, `map_number`), never on whatever map the player is on when it arrives."""
    map_group: int | None = None
    """LLM: the map the plan was made for (the request's state), with `map_number`: a plan that arrives after
    the player left that map is stale (the emulator refuses it and counts it)."""
    map_number: int | None = None
    episode: int | None = None
    """LLM: the episode of the request it answers (`PlanRequest.episode`), when the request said."""
    ts: float = Field(default_factory=time.time)

    @model_validator(mode="after")
    def _something_to_do(self) -> Self:
        if not self.buttons and self.walk_to is None:
            raise ValueError("an action needs at least one button, or a plan's walk_to")
        if self.walk_to is not None and self.source != ActionSource.LLM:
            raise ValueError("only a plan (source llm) may walk")
        return self


NoPlanReason = Literal["stale", "superseded", "invalid", "failed", "down"]


class NoPlan(Message):
    """The planner's answer to a request that comes to no plan (`actions:{env}`, beside the plans): the emulator
    knows at once that the request is closed and may ask again, instead of waiting out its time."""

    KIND: ClassVar[str] = "no_plan"

    env: str
    step: int = Field(ge=0)
    """The step of the request it answers."""
    request_id: str
    reason: NoPlanReason
    """`stale` (too old when taken up), `superseded` (a newer request of the env came), `invalid` (no usable
    answer after the repair), `failed` (the host failed or the request's budget ran out), `down` (the host is
    known to be down)."""
    detail: str = Field(default="", max_length=500)
    ts: float = Field(default_factory=time.time)


ControlName = Literal["pause", "resume", "press", "save", "load", "set_llm_interval"]


class ControlCommand(Message):
    """A command from the dashboard or the CLI to one env; the emulator acknowledges it in `events`."""

    KIND: ClassVar[str] = "control"

    id: str
    env: str
    command: ControlName
    button: Button | None = None
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Save-state name for `save`/`load`."""
    value: int | None = Field(default=None, ge=1, le=100_000)
    """New LLM interval for `set_llm_interval`."""
    ts: float = Field(default_factory=time.time)


class DeadLetter(Message):
    """A stream entry that could not be processed, moved to `dead` so it is seen instead of lost.

    `raw` holds the entry's fields exactly as they were (binary-safe, base64 in the JSON),
    each value cut to a configured size; `truncated` says whether any was cut.
    """

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    KIND: ClassVar[str] = "dead"

    source_stream: str
    entry_id: str
    reason: str
    group: str | None = None
    consumer: str | None = None
    deliveries: int | None = None
    """How many times the entry was delivered, when it is dead because its handler kept failing."""
    raw: tuple[tuple[bytes, bytes], ...] = ()
    truncated: bool = False
    ts: float = Field(default_factory=time.time)


_new_frame = unvalidated_constructor(Frame)
