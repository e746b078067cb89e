"""Every Redis key and stream name, in one place; the prefix is applied here and nowhere else.

Two runs can share one Redis by using different prefixes (setting `key_prefix`).
"""

from dataclasses import dataclass

DEFAULT_PREFIX = "crl:"


@dataclass(frozen=True)
class Keys:
    """Key names for one prefix. Streams are per env where the design says so."""

    prefix: str = DEFAULT_PREFIX

    def frames(self, env: str) -> str:
        return f"{self.prefix}frames:{env}"

    def actions(self, env: str) -> str:
        return f"{self.prefix}actions:{env}"

    def control(self, env: str) -> str:
        return f"{self.prefix}control:{env}"

    def screen(self, env: str) -> str:
        """Plain key (not a stream): the newest full-size screen of one env as PNG bytes, with a TTL."""
        return f"{self.prefix}screen:{env}"

    def memory(self, env: str) -> str:
        """Plain key (not a stream): the planner's notes for one env (JSON `shared.notes.Notes`), kept across
        planner restarts."""
        return f"{self.prefix}memory:{env}"

    def env_claim(self, number: int) -> str:
        """Plain key: which emulator replica holds env id `number` (`--env auto`)."""
        return f"{self.prefix}env-claim:{number}"

    @property
    def plan_requests(self) -> str:
        return f"{self.prefix}plan_requests"

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    @property
    def episodes(self) -> str:
        """Finished episodes of every env, training and eval (`shared.messages.Episode`)."""
        return f"{self.prefix}episodes"

    @property
    def archive(self) -> str:
        """Hash: the shared archive of milestone states, cell → a save state with its ROM hash."""
        return f"{self.prefix}archive"

    @property
    def hold(self) -> str:
        """Plain key with a short TTL: set by the learner while training is behind its replay ratio; emulators
        stop stepping while it exists and the learner's heartbeat is alive (`services/emulator/backpressure.py`)."""
        return f"{self.prefix}hold"

    @property
    def dead(self) -> str:
        return f"{self.prefix}dead"

    def health(self, service: str, instance: str) -> str:
        return f"{self.prefix}health:{service}:{instance}"

    @property
    def health_pattern(self) -> str:
        return f"{self.prefix}health:*"

    @property
    def stream_pattern(self) -> str:
        return f"{self.prefix}*"
