"""`DashboardSettings`: where the dashboard listens, who may control, how often it updates the page."""

import ipaddress
from functools import lru_cache

from pydantic import Field, SecretStr, model_validator

from shared.settings import CommonSettings
from shared.streams import StreamSettings


class DashboardSettings(CommonSettings):
    """One dashboard process serves every env of one key prefix."""

    host: str = "127.0.0.1"
    """Address to listen on. On anything but a loopback address every endpoint requires the token."""

    port: int = Field(default=8080, ge=0, le=65535)
    """TCP port of the page and the API (0 picks a free one, for tests)."""

    dashboard_token: SecretStr | None = None
    """Token required by the control endpoints (`CRL_DASHBOARD_TOKEN`); without one, controls answer 401."""

    update_hz: float = Field(default=10.0, gt=0, le=30)
    """Most live updates per second per env sent to each page (numbers and screen are decimated to this)."""

    screen_hz: float = Field(default=10.0, ge=0, le=30)
    """How often the newest screen PNG of each env is read from Redis while a page is open (0: no live screen).
    Read in the update tick, so at most `update_hz` screens per second reach a page."""

    health_interval: float = Field(default=1.0, gt=0)
    """Seconds between two reads of the heartbeat keys (the services panel)."""

    discover_interval: float = Field(default=2.0, gt=0)
    """Seconds between two scans for new envs (`frames:{env}` streams that appeared)."""

    series_interval: float = Field(default=1.0, gt=0)
    """Seconds between two points of the plots (reward, steps/s, loss, shares)."""

    series_points: int = Field(default=900, ge=10, le=100_000)
    """Points kept per plot series (900 at 1 s = the last 15 minutes)."""

    recent_steps: int = Field(default=200, ge=10, le=100_000)
    """Window of steps behind "recent reward" and the action-source shares."""

    seed_frames: int = Field(default=20_000, ge=0)
    """Frames of each env's retained window read at start to seed the heat map and plots."""

    max_maps: int = Field(default=512, ge=1)
    """Maps kept in each env's exploration heat map (the least recently visited are dropped beyond it)."""

    max_tiles_per_map: int = Field(default=8_192, ge=1)
    """Tiles kept per map in the heat map; beyond it new tiles of that map are counted but not placed."""

    events_kept: int = Field(default=300, ge=1)
    """Recent events kept in memory for new pages and `/api/events`."""

    curve_episodes: int = Field(default=2_000, ge=10, le=100_000)
    """Finished episodes kept for the learning curve (the newest of the `episodes` stream, read at start too)."""

    curve_window: int = Field(default=20, ge=1, le=1_000)
    """Episodes behind the curve's rolling mean and milestone rates (per scope: all envs, each env; training and
    eval apart)."""

    down_forget_after: float = Field(default=3_600.0, gt=0)
    """Seconds a service stays listed as down after its heartbeat disappeared."""

    client_queue: int = Field(default=64, ge=4)
    """Updates buffered per page; a page that cannot keep up loses its oldest updates, never slows others."""

    page_size_max: int = Field(default=200, ge=1, le=1_000)
    """Largest page of the stream browser."""

    shutdown_grace: float = Field(default=1.0, ge=0)
    """Seconds open live connections get to close on SIGTERM before they are cut."""

    streams: StreamSettings = Field(default_factory=StreamSettings)
    """Timeouts and backoff of the Redis connections (`CRL_STREAM_*`)."""

    @property
    def loopback(self) -> bool:
        """Bound to this machine only: reads may stay open."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @model_validator(mode="after")
    def _token_when_exposed(self) -> "DashboardSettings":
        if not self.loopback and self.dashboard_token is None:
            raise ValueError(
                f"host {self.host!r} is not a loopback address: set CRL_DASHBOARD_TOKEN (or --dashboard-token)"
                " so the dashboard is not open to the network, or bind to 127.0.0.1"
            )
        return self


@lru_cache
def get_settings() -> DashboardSettings:
    """The settings as a cached dependency (FastAPI's "Settings" pattern); tests and `main` override it."""
    return DashboardSettings()
