"""The archive of milestone states: where an episode may begin besides the start state.

Go-Explore's archive, as the strongest Pokémon Red agents share one across their "swarm": when an
env reaches a milestone cell the archive does not hold yet, its save state joins the archive, and
every env that shares the archive (and the ROM) can reset there. The emulator service shares it in
Redis with every env on every host; the Gymnasium env keeps one of its own in the process, or
shares the Redis one when given a URL. One archive, two stores (`RedisHash`, `MemoryHash`).

A cell is `{milestone}:{map_group}.{map_number}:b{badges}:p{0|1}`: the milestone (first Pokémon, a
new map, a battle won, a badge) and where it happened, with the badges and whether a Pokémon is in
the party. That is few enough cells that each is worth a state (a map is entered once per badge
count, not once per tile), and the milestone keeps apart states of one map that are not alike (a
battle won there is further than the map's entrance).

It lives in one hash (in Redis `keys.archive`), three fields per cell, each named
`{kind}:{rom_sha256[:16]}:{cell}` so two cartridges sharing a Redis never collide:
`meta` (an `ArchiveEntry` as JSON), `state` (the machine's save state, which carries the ROM's
hash itself) and `chosen` (how often it was drawn). Reading the metas alone never pulls the
states. An entry is added atomically (all three fields or none, and only when the cell is absent)
and the archive is kept to `size` entries per ROM by evicting the least advanced. An entry whose
meta names another ROM is skipped; a state of another cartridge is refused again by the game core
when loaded.

The draw favours the most advanced and the least chosen: an entry's weight is its place in the
progress order (1 for the least advanced, n for the most) over `sqrt(1 + chosen)`.

The archive's methods are coroutines, for the emulator's event loop; the in-process store never
suspends, so a synchronous caller runs them to their end at once (`run_now`).
"""

import logging
import math
import random
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from shared.game.core import GameCore
from shared.game.progress import StepFacts
from shared.game.state import GameState

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_SHARE = 0.25
"""Share of resets drawn from the archive unless set: the emulator's `archive_share`, the env's `archive_share`."""
DEFAULT_SIZE = 64
"""Most states the archive keeps per ROM unless set (about 200 KB each)."""
_ROM_PREFIX = 16
"""Hex digits of the ROM's hash in a field name: enough to tell cartridges apart."""

_ADD = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""
"""Set the fields and values after the guard (a cell's meta, state and chosen count) together, only when the guard
(its meta) is absent: 1 set, 0 already there."""

_CHOSEN = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
"""
"""Count a draw only while the cell is there (an evicted cell leaves no count behind)."""


def archive_milestone(facts: StepFacts) -> str | None:
    """The milestone a step reached that the archive keeps a state for, if any (most important first)."""
    return facts.milestone or ("battle_won" if facts.battle_won else None)


def cell_of(milestone: str, state: GameState) -> str:
    return f"{milestone}:{state.map_group}.{state.map_number}:b{state.badge_count}:p{int(bool(state.party))}"


Rank = tuple[int, int, int, int]
"""How advanced a state is, compared in order: badges, party size, maps seen in its episode, highest level."""


def rank_of(state: GameState, maps_seen: int) -> Rank:
    return (state.badge_count, len(state.party), maps_seen, max((m.level for m in state.party), default=0))


class ArchiveEntry(BaseModel):
    """What the archive says of one state, apart from its bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cell: str
    milestone: str
    rom_sha256: str
    rank: Rank
    reached_at: int = Field(ge=0)
    """Steps from its episode's start to the state."""
    env: str
    """The env that reached it."""
    created: float = Field(default_factory=time.time)


def entry_for(core: GameCore, facts: StepFacts, env: str) -> ArchiveEntry | None:
    """The archive's entry for the state `core` is in, when the step whose `facts` these are reached a milestone
    the archive keeps (the caller checks the cell is wanted before it takes the state's bytes)."""
    milestone = archive_milestone(facts)
    if milestone is None:
        return None
    state = core.state
    if state.map_name is None:
        # a map the game does not have: RAM overwritten (a crashed game once stood in the archive as a new map
        # with 7 badges, ranked above every true state), or a cartridge whose maps are not Crystal's
        log.warning("milestone %s on unknown map %d.%d: not archived", milestone, state.map_group, state.map_number)
        return None
    return ArchiveEntry(
        cell=cell_of(milestone, state),
        milestone=milestone,
        rom_sha256=core.machine.rom.sha256,
        rank=rank_of(state, len(core.progress.explored.maps)),
        reached_at=core.episode_step,
        env=env,
    )


@dataclass(frozen=True, slots=True)
class Listed:
    entry: ArchiveEntry
    chosen: int


@dataclass(frozen=True, slots=True)
class Drawn:
    """A state drawn for the next reset."""

    entry: ArchiveEntry
    state: bytes


def weights(listed: list[Listed]) -> list[float]:
    """Each entry's weight in a draw: its place in the progress order over sqrt(1 + times chosen)."""
    order = sorted(range(len(listed)), key=lambda i: (listed[i].entry.rank, -listed[i].entry.reached_at))
    place = {index: position + 1 for position, index in enumerate(order)}
    return [place[i] / math.sqrt(1 + item.chosen) for i, item in enumerate(listed)]


class HashStore(Protocol):
    """One hash of fields, as the archive uses it: Redis's hash, or a dict in the process."""

    async def names(self) -> list[bytes]:
        """Every field's name."""
        ...

    async def get_many(self, names: list[str]) -> list[bytes | None]: ...

    async def get(self, name: str) -> bytes | None: ...

    async def add_if_absent(self, guard: str, values: dict[str, str | bytes | int]) -> bool:
        """Set `values` (in their order) only when `guard` is absent, all at once; whether they were set."""
        ...

    async def increment_if_present(self, guard: str, name: str) -> None:
        """Add one to `name` only while `guard` is there."""
        ...

    async def delete(self, names: list[str]) -> None: ...


class RedisHash:
    """The archive's hash in Redis: shared by every process that reaches the server (its methods raise Redis's
    errors; the caller classifies them)."""

    def __init__(self, client: Redis, key: str) -> None:
        self.client = client
        self.key = key
        self._add = client.register_script(_ADD)
        self._chosen = client.register_script(_CHOSEN)

    async def names(self) -> list[bytes]:
        return list(await self.client.hkeys(self.key))

    async def get_many(self, names: list[str]) -> list[bytes | None]:
        return list(await self.client.hmget(self.key, names))

    async def get(self, name: str) -> bytes | None:
        value: bytes | None = await self.client.hget(self.key, name)
        return value

    async def add_if_absent(self, guard: str, values: dict[str, str | bytes | int]) -> bool:
        pairs = [part for name, value in values.items() for part in (name, value)]
        return bool(await self._add(keys=[self.key], args=[guard, *pairs]))

    async def increment_if_present(self, guard: str, name: str) -> None:
        await self._chosen(keys=[self.key], args=[guard, name])

    async def delete(self, names: list[str]) -> None:
        await self.client.hdel(self.key, *names)


class MemoryHash:
    """The archive's hash in the process: one env's own archive. Nothing here ever suspends."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}

    async def names(self) -> list[bytes]:
        return [name.encode() for name in self.values]

    async def get_many(self, names: list[str]) -> list[bytes | None]:
        return [self.values.get(name) for name in names]

    async def get(self, name: str) -> bytes | None:
        return self.values.get(name)

    async def add_if_absent(self, guard: str, values: dict[str, str | bytes | int]) -> bool:
        if guard in self.values:
            return False
        for name, value in values.items():
            self.values[name] = value if isinstance(value, bytes) else str(value).encode()
        return True

    async def increment_if_present(self, guard: str, name: str) -> None:
        if guard in self.values:
            self.values[name] = str(int(self.values.get(name, b"0")) + 1).encode()

    async def delete(self, names: list[str]) -> None:
        for name in names:
            self.values.pop(name, None)


class Archive:
    """The archive of one ROM in one store."""

    def __init__(self, store: HashStore, rom_sha256: str, size: int) -> None:
        self.store = store
        self.rom_sha256 = rom_sha256
        self.size = size
        self._rom = rom_sha256[:_ROM_PREFIX]
        self.skipped = 0
        """Entries passed over: a meta that does not decode, or that names another ROM."""

    def field(self, kind: str, cell: str) -> str:
        return f"{kind}:{self._rom}:{cell}"

    async def cells(self) -> set[str]:
        """The cells this ROM's archive holds (field names only: no state is read)."""
        prefix = f"meta:{self._rom}:".encode()
        return {f[len(prefix) :].decode() for f in await self.store.names() if f.startswith(prefix)}

    async def listed(self) -> list[Listed]:
        """This ROM's entries with their times chosen; bad metas and other ROMs' entries are skipped and counted."""
        cells = sorted(await self.cells())
        if not cells:
            return []
        fields = [self.field(kind, cell) for cell in cells for kind in ("meta", "chosen")]
        values = await self.store.get_many(fields)
        out = []
        for cell, raw, chosen in zip(cells, values[::2], values[1::2], strict=True):
            if raw is None:  # evicted between the two reads
                continue
            try:
                entry = ArchiveEntry.model_validate_json(raw)
            except ValidationError as exc:
                self.skipped += 1
                log.warning("archive entry %s is not readable, skipped: %s", cell, exc.errors()[0]["msg"])
                continue
            if entry.rom_sha256 != self.rom_sha256:
                self.skipped += 1
                log.warning("archive entry %s is of another ROM (%s…), skipped", cell, entry.rom_sha256[:12])
                continue
            out.append(Listed(entry, int(chosen or 0)))
        return out

    async def add(self, entry: ArchiveEntry, state: bytes) -> bool:
        """Add a state for a cell the archive lacks; False when another env was first. Then evict past `size`."""
        meta = self.field("meta", entry.cell)
        added = await self.store.add_if_absent(
            meta,
            {
                meta: entry.model_dump_json(),
                self.field("state", entry.cell): state,
                self.field("chosen", entry.cell): 0,
            },
        )
        if added:
            await self._evict()
        return added

    async def _evict(self) -> None:
        listed = await self.listed()
        excess = len(listed) - self.size
        if excess <= 0:
            return
        least = sorted(listed, key=lambda item: (item.entry.rank, -item.entry.reached_at))[:excess]
        for item in least:
            cell = item.entry.cell
            await self.store.delete([self.field(kind, cell) for kind in ("meta", "state", "chosen")])
            log.info("archive full (%d): evicted %s, the least advanced", self.size, cell)

    async def draw(self, rng: random.Random) -> Drawn | None:
        """One entry chosen by `weights`, with its state; None when the archive is empty for this ROM."""
        listed = await self.listed()
        if not listed:
            return None
        item = rng.choices(listed, weights=weights(listed))[0]
        state = await self.store.get(self.field("state", item.entry.cell))
        if not state:  # evicted between the reads
            return None
        return Drawn(item.entry, state)

    async def chosen(self, cell: str) -> None:
        """Count a reset from `cell` (after the reset loaded it)."""
        await self.store.increment_if_present(self.field("meta", cell), self.field("chosen", cell))


def run_now(work: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (the archive on a `MemoryHash`), with no event loop: a
    synchronous caller (the Gymnasium env) uses the one archive without one."""
    try:
        work.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    work.close()
    raise RuntimeError("run_now: the coroutine suspended; only an in-process store may be run this way")
