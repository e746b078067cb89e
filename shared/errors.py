"""The project's exception hierarchy.

Services catch `CrystalRLError` at their loop boundary; the CLI turns it into a one-line
message and a non-zero exit instead of a traceback. Each subclass names an intent, and its
message says what was wrong and what to do about it.
"""


class CrystalRLError(Exception):
    """Base of every error crystal-rl raises on purpose."""


class ConfigError(CrystalRLError):
    """A setting or a command-line option has a value that cannot work."""


class RomError(CrystalRLError):
    """The ROM file is missing, unreadable or not a Game Boy ROM."""


class SaveStateError(CrystalRLError):
    """A save state is corrupt, truncated or belongs to another ROM."""


class RedisUnavailableError(CrystalRLError):
    """Redis cannot be reached at the configured URL."""


class CheckpointError(CrystalRLError):
    """A checkpoint is missing, unreadable or does not fit the network that should load it."""


class MessageError(CrystalRLError):
    """A stream entry cannot be decoded into the model it should hold."""


class DemoFileError(CrystalRLError):
    """A demonstrations file is unreadable, corrupt or was written for another observation shape."""
