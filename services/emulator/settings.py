"""`EmulatorSettings`: every knob of the emulator service, from `CRL_*` variables or CLI flags."""

from pydantic import Field

from shared.archive import DEFAULT_SHARE, DEFAULT_SIZE
from shared.settings import GameSettings
from shared.streams import StreamSettings


class EmulatorSettings(GameSettings):
    """One emulator process runs one game, identified by `env`."""

    env: str = Field(default="0", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    """Environment id: names this game's streams (`frames:{env}`, `actions:{env}`, ...). `auto` takes the
    smallest id not claimed in Redis by another host (for scaled-out replicas; see `app.claim_env`)."""

    max_steps: int | None = Field(default=None, ge=1)
    """Stop after this many steps (`--actions N`); None plays until stopped."""

    deadline_ms: float = Field(default=30.0, gt=0, le=5_000)
    """How long a step waits for the DQN's action for that step, only while a learner is alive."""

    llm_interval: int = Field(default=30, ge=1)
    """Ask the planner for a plan every this many steps (and at once on a trigger), while a planner is alive."""

    llm_wait_ms: float = Field(default=0.0, ge=0, le=60_000)
    """At a planning point with the env's request open, wait up to this long for its plan before the DQN or the
    rules play on (`--llm-wait MS`, `CRL_LLM_WAIT_MS`). Only this env waits: every emulator is its own process,
    and nothing it shares (Redis, the planner) is held. 0: the game never waits for a plan."""

    llm_request_timeout_s: float = Field(default=30.0, gt=0)
    """A plan request with no answer (a plan, or the planner's `NoPlan`) after this long is given up, and the
    next planning point may ask again: one request is open per env at most. Longer than the planner's own
    `request_budget_s` (20 s), so only an answer lost with a planner that died is given up."""

    llm_plan_max_age: int = Field(default=3000, ge=1, le=100_000)
    """A plan that arrives more than this many steps after the step it was made for is stale: refused and
    counted (as is one made for another map or another episode). 3,000: about 10 s of the game at full speed
    on a 2-core machine, so the embedded SmolLM2's plans (4 to 10 s a call there, 20 s at worst) still play on
    the map they were made for; at 300 a run of `crystal-rl run` played none of them (of 35 requests, 33 refused
    as stale: 14 for age, 18 for the map, 1 for the episode)."""

    llm_ram: bool = False
    """Attach the work RAM (0xC000-0xDFFF, 8 KB) to each plan request, for a demonstrator that plays a world's
    policy from the game's memory (the planner's `llm_ram`, same name, so one `CRL_LLM_RAM=1` sets both). Not
    for a model: no model reads it."""

    llm_image: bool = False
    """Attach the full screen as PNG to each plan request, for a vision model (the planner's `llm_image`, same
    name, so one `CRL_LLM_IMAGE=1` turns on both). About 1 ms to encode, once per request, not per step."""

    autosave_every: int = Field(default=5_000, ge=1)
    """Save a state every this many steps (and at milestones: badge, new map, first Pokémon). A save costs
    the game about 20 ms (the fork that makes it and the memory pages that fork makes the step copy), so
    every 5,000 steps costs 0.3 % of the run; a crashed emulator replays at most this many steps."""

    keep_states: int = Field(default=5, ge=1)
    """Automatic save states kept; older ones are deleted (named ones are kept)."""

    history_len: int = Field(default=16, ge=1, le=256)
    """Recent steps sent with each plan request."""

    peer_check_interval: float = Field(default=1.0, gt=0)
    """Seconds between checks of the learner's and planner's heartbeats."""

    hold_poll_ms: float = Field(default=20.0, gt=0, le=1_000)
    """How often the learner's hold (`keys.hold`, backpressure) is looked at, in the background: the game
    stops at most this long after the learner asks, and resumes at most this long after it lets go."""

    send_coalesce_ms: float = Field(default=20.0, ge=0, le=100)
    """Frames, plan requests and events queued within this many ms go out in one round trip (0: each at once).
    Commands and plans then arrive up to this much later; the DQN's lockstep answer is not delayed. A round
    trip has a fixed cost on the step's thread (about 15 µs a step at 5 ms, a quarter of that at 20)."""

    screen_fps: float = Field(default=10.0, ge=0, le=60)
    """Full-size PNG screens per second written for the dashboard (`screen:{env}`) while one is alive (its
    heartbeat); 0 writes none."""

    start_state: str | None = None
    """Where every episode begins: a save state's name in this env's store (`data_dir/states/env{env}`) or a
    state file's path. None: the state after boot, until the run's first `load` command, whose state then
    becomes the start state (on a real ROM, load a state after choosing a starter once, and every episode
    begins there). A start state given here is never replaced by a load. Missing, corrupt or of another
    ROM: the emulator stops at start with one line saying which."""

    archive_share: float = Field(default=DEFAULT_SHARE, ge=0, le=1)
    """Share of resets that begin at a milestone state drawn from the shared archive instead of the start state.
    0.25: three episodes in four still play the game from its start, which is what evaluation measures, and one
    in four begins at the frontier, so the later parts of the game are practised long before random play
    reaches them (Go-Explore's "return, then explore"). 0 never draws (milestones are still archived)."""

    archive_size: int = Field(default=DEFAULT_SIZE, ge=1, le=10_000)
    """Most milestone states the archive keeps per ROM (about 200 KB each in Redis); past it the least
    advanced is evicted."""

    streams: StreamSettings = Field(default_factory=StreamSettings)
    """Stream lengths, timeouts and buffers (`CRL_STREAM_*`)."""

    progress_interval: float = Field(default=30.0, gt=0)
    """Seconds between progress lines in the log."""
