"""The archive of milestone states as the Gymnasium env uses it: the system's start states for any Gymnasium user.

The emulator service begins a share of its episodes at milestone states from an archive it shares
in Redis (`shared.archive`); an agent trained on the env without them plays a harder game. The env
uses the same archive: kept in the process (`MemoryHash`, this env's own), or shared in Redis when
given a URL (`RedisHash`: every env and emulator on that server and ROM add to it and draw from it,
e.g. the workers of an `AsyncVectorEnv`).

The env is synchronous: the in-process archive's coroutines never suspend and run to their end at
once; the Redis one runs on an event loop of its own, on a thread of its own, so the env works
inside a program that runs its own loop (a notebook). A Redis that does not answer costs the draw
(the episode begins at the start state) or the addition, with a warning, never the game.
"""

import asyncio
import logging
import random
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.archive import Archive, Drawn, MemoryHash, RedisHash, entry_for, run_now
from shared.game.core import GameCore, Step
from shared.keys import Keys

log = logging.getLogger(__name__)
T = TypeVar("T")

REDIS_TIMEOUT_S = 5.0
"""Longest a call to a shared archive may take before the env goes on without it."""
ENV_NAME = "gym"
"""The env id the archive's entries from a Gymnasium env carry."""


class _LoopThread:
    """An event loop on a daemon thread, for a Redis client used from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="crystal-rl-archive", daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class EnvArchive:
    """One env's view of the archive: the cells it holds, states offered at milestones, states drawn at resets."""

    def __init__(self, rom_sha256: str, size: int, url: str | None = None, prefix: str | None = None) -> None:
        self.url = url
        self._loop: _LoopThread | None = None
        self._client: Redis | None = None
        if url is None:
            store: MemoryHash | RedisHash = MemoryHash()
        else:
            self._loop = _LoopThread()
            keys = Keys(prefix) if prefix is not None else Keys()
            self._client = Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)
            store = RedisHash(self._client, keys.archive)
        self.archive = Archive(store, rom_sha256, size)
        self.cells: set[str] = set()
        """The cells as last read (at reset), and those this env added since."""
        self.added = 0
        self.drawn = 0
        self.errors = 0
        """Calls to a shared archive that failed (Redis away, too slow): each cost a draw or an addition."""

    def _call(self, work: Coroutine[Any, Any, T], what: str) -> T | None:
        if self._loop is None:
            return run_now(work)
        try:
            return self._loop.run(work, REDIS_TIMEOUT_S)
        except (RedisError, OSError, TimeoutError) as exc:
            self.errors += 1
            log.warning("archive at %s: %s failed (%s); the env goes on without it", self.url, what, exc)
            return None

    def refresh(self) -> None:
        """Read the archive's cells again (others may have added some)."""
        cells = self._call(self.archive.cells(), "reading the cells")
        if cells is not None:
            self.cells |= cells

    def offer(self, core: GameCore, step: Step) -> bool:
        """Add the state `core` is in when `step` reached a milestone in a cell the archive lacks (a goal's state
        is not archived: an episode begun there would have nothing left to reach); True when it was added."""
        if step.terminated:
            return False
        entry = entry_for(core, step.facts, ENV_NAME)
        if entry is None or entry.cell in self.cells:
            return False
        self.cells.add(entry.cell)
        added = bool(self._call(self.archive.add(entry, core.save_state()), f"adding {entry.cell}"))
        self.added += added
        return added

    def draw(self, rng: random.Random) -> Drawn | None:
        """A state to begin the next episode at, favouring the advanced and the rarely chosen; None when empty."""
        return self._call(self.archive.draw(rng), "a draw")

    def chosen(self, cell: str) -> None:
        """An episode began at `cell`'s state (it loaded): count it, so the draws move on to others."""
        self.drawn += 1
        self._call(self.archive.chosen(cell), "counting a draw")

    def close(self) -> None:
        if self._loop is None:
            return
        if self._client is not None:
            self._call(self._client.aclose(), "closing")
        self._loop.close()
        self._loop = None
