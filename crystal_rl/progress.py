"""The console progress line: what the newest frame of each env says, every `interval` seconds."""

import time
from dataclasses import dataclass, field

import redis

from shared.errors import MessageError
from shared.keys import Keys
from shared.messages import Frame


@dataclass
class ProgressReporter:
    """Reads the newest frame (never consuming anything) and turns it into one line per env."""

    client: redis.Redis
    keys: Keys
    envs: list[str]
    _last: dict[str, tuple[float, int]] = field(default_factory=dict)

    def newest(self, env: str) -> Frame | None:
        entries = self.client.xrevrange(self.keys.frames(env), count=1)
        if not entries:
            return None
        try:
            return Frame.from_fields(entries[0][1])
        except MessageError:
            return None

    def lines(self) -> list[str]:
        out = []
        now = time.monotonic()
        for env in self.envs:
            frame = self.newest(env)
            if frame is None:
                out.append(f"env {env}: no frames yet")
                continue
            before = self._last.get(env)
            rate = (frame.step - before[1]) / (now - before[0]) if before and now > before[0] else 0.0
            self._last[env] = (now, frame.step)
            s = frame.state
            levels = "/".join(str(m.level) for m in s.party) or "-"
            out.append(
                f"env {env}: step {frame.step:,} ({rate:,.0f} steps/s) · {s.map_name or '?'} "
                f"({s.map_group},{s.map_number}) at ({s.x},{s.y}) · money {s.money:,} · "
                f"badges {s.badge_count} · party lv {levels}" + (" · battle" if s.battle.active else "")
            )
        return out
