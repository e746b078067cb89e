"""Settings of the streams layer: stream lengths, timeouts, backoff, buffer and claim policy.

Stream lengths are configuration, not luck (DESIGN.md, "Delivery guarantees"): every XADD
trims with `MAXLEN ~ N`, N looked up here by the stream's kind (`frames`, `actions`, ...).
A service holds one `StreamSettings` next to its own settings; every field reads from the
environment with the `CRL_STREAM_` prefix (`CRL_STREAM_FRAMES_MAXLEN=20000`).
"""

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.keys import Keys
from shared.streams.backoff import Backoff


class StreamSettings(BaseSettings):
    """How the streams layer trims, times out, retries, buffers and claims."""

    model_config = SettingsConfigDict(env_prefix="CRL_STREAM_", extra="ignore")

    frames_maxlen: int = Field(default=10_000, gt=0)
    """Approximate length of each `frames:{env}`: the learner's replay refill window (~60 MB)."""

    actions_maxlen: int = Field(default=1_000, gt=0)
    """Approximate length of each `actions:{env}`; actions are consumed within one step."""

    control_maxlen: int = Field(default=1_000, gt=0)
    """Approximate length of each `control:{env}` (dashboard commands)."""

    plan_requests_maxlen: int = Field(default=1_000, gt=0)
    """Approximate length of `plan_requests`; a stale request is worthless, so keep few."""

    events_maxlen: int = Field(default=5_000, gt=0)
    """Approximate length of `events`, the dashboard's history of milestones and failures."""

    episodes_maxlen: int = Field(default=100_000, gt=0)
    """Finished episodes: a few hundred bytes each, the whole run's learning curve."""

    dead_maxlen: int = Field(default=1_000, gt=0)
    """Approximate length of `dead`, the entries that failed validation (kept for inspection)."""

    default_maxlen: int = Field(default=1_000, gt=0)
    """Approximate length of any stream whose kind has no field above."""

    connect_timeout: float = Field(default=0.5, gt=0)
    """Seconds to open a connection; short, so a dead Redis is noticed before the step deadline."""

    socket_timeout: float = Field(default=1.0, gt=0)
    """Seconds to wait for a reply (a blocking read adds its block time to this)."""

    publish_timeout: float = Field(default=0.25, gt=0)
    """Seconds a publish may wait on the socket: the emulator's step calls it, so it must stay short."""

    backoff_initial: float = Field(default=0.1, gt=0)
    """First delay in seconds before retrying an unreachable Redis; doubled on every failure."""

    backoff_max: float = Field(default=5.0, gt=0)
    """Cap of the retry delay in seconds, so a returning Redis is noticed within this time."""

    backoff_jitter: float = Field(default=0.2, ge=0, le=1)
    """Fraction of each delay drawn at random, so replicas do not retry in lockstep."""

    publish_buffer: int = Field(default=10_000, gt=0)
    """Messages kept in memory while Redis is unreachable; beyond it the oldest are dropped and counted."""

    flush_batch: int = Field(default=256, gt=0)
    """Buffered messages written per round trip (and per `publish` call, which bounds its time)."""

    read_count: int = Field(default=64, gt=0)
    """Most entries one XREADGROUP returns."""

    read_block_ms: int = Field(default=1_000, gt=0)
    """How long one XREADGROUP waits for entries; also how soon stop() and new streams take effect."""

    claim_min_idle_ms: int = Field(default=30_000, ge=0)
    """Entries pending this long (their consumer died or its handler failed) are claimed and retried."""

    claim_interval: float = Field(default=10.0, gt=0)
    """Seconds between two XAUTOCLAIM sweeps (one also runs at start)."""

    claim_count: int = Field(default=100, gt=0)
    """Most entries one XAUTOCLAIM call claims."""

    max_deliveries: int = Field(default=10, gt=0)
    """An entry claimed after this many failed deliveries goes to `dead` instead of retrying forever."""

    discover_interval: float = Field(default=2.0, gt=0)
    """Seconds between two scans for new streams matching a consumer's pattern."""

    dead_max_field_bytes: int = Field(default=16_384, gt=0)
    """Raw field values copied to `dead` are cut to this many bytes (and marked truncated)."""

    heartbeat_interval: float = Field(default=5.0, gt=0)
    """Seconds between two heartbeat writes."""

    heartbeat_ttl_factor: float = Field(default=3.0, ge=1.5)
    """The heartbeat key lives this many intervals, so one late write does not show the service down."""

    @model_validator(mode="after")
    def _backoff_bounds(self) -> "StreamSettings":
        if self.backoff_max < self.backoff_initial:
            raise ValueError(
                f"backoff_max ({self.backoff_max}) must be >= backoff_initial ({self.backoff_initial}):"
                " raise CRL_STREAM_BACKOFF_MAX or lower CRL_STREAM_BACKOFF_INITIAL"
            )
        return self

    def backoff(self) -> Backoff:
        """A fresh backoff with these delays: one per loop or writer, each counting its own failures."""
        return Backoff(self.backoff_initial, self.backoff_max, self.backoff_jitter)

    def maxlen_for(self, keys: Keys, stream: str) -> int:
        """The `MAXLEN ~` of `stream`, found by its kind: the name after the prefix, up to the first ':'."""
        return getattr(self, f"{stream_kind(keys, stream)}_maxlen", self.default_maxlen)


def stream_kind(keys: Keys, stream: str) -> str:
    """`crl:frames:0` -> `frames`; a name outside the prefix is its own kind (and gets the default length)."""
    if not stream.startswith(keys.prefix):
        return stream
    return stream[len(keys.prefix) :].split(":", 1)[0]
