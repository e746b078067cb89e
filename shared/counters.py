"""`Counters`: the one counters type, named totals since the process started, as heartbeats carry them.

Every part that counts (the streams layer, the emulator's step and its arbiter, the learner, the
dashboard's hub) names its totals once, where it makes them, and increments them as attributes
(`counters.steps += 1`: as cheap as a plain attribute, which the step loop pays several times a
step). A name that was not given is an `AttributeError` naming the known ones, never a new total
that no heartbeat shows.
"""

from collections.abc import Iterator


class Counters:
    """Totals by name, each starting at 0: `Counters("steps saves failures")`; `as_dict` is the heartbeat's share."""

    def __init__(self, names: str) -> None:
        self._names = tuple(names.split())
        if len(set(self._names)) != len(self._names):
            raise ValueError(f"a counter is named twice in {names!r}")
        for name in self._names:
            setattr(self, name, 0)

    def __getattr__(self, name: str) -> int:
        """Only for a name that is not a counter (the counters themselves are plain attributes)."""
        if name.startswith("__") or name == "_names":
            raise AttributeError(name)
        raise AttributeError(f"no counter {name!r}: the counters are {', '.join(self._names)}")

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return ((name, getattr(self, name)) for name in self._names)

    def __repr__(self) -> str:
        return f"Counters({', '.join(f'{name}={value}' for name, value in self)})"

    def as_dict(self, prefix: str = "") -> dict[str, int]:
        """Every total, in the order named; `prefix` before each name (`source_` for the arbiter's in a heartbeat)."""
        return {prefix + name: value for name, value in self}
