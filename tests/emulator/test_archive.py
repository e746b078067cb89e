"""The archive of milestone states: bounded, favouring the advanced and the rarely chosen, the same in Redis
and in the process, shared by emulators on one Redis, and never crossing cartridges. Real Redis, real PyBoy on
the demo cartridge."""

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

from shared.archive import Archive, ArchiveEntry, HashStore, MemoryHash, RedisHash
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.keys import Keys
from shared.rom import inspect_rom
from tests.emulator.helpers import EMULATOR, NEAR, emulator_args, episodes, health, make_near_goal_state
from tests.procs import KEYS, frames, running, start_service, wait_for

ROM_HASH = "ab" * 32
pytestmark = pytest.mark.timeout(120)


def entry(cell: str, badges: int, rom: str = ROM_HASH) -> ArchiveEntry:
    return ArchiveEntry(cell=cell, milestone="new_map", rom_sha256=rom, rank=(badges, 1, 1, 5), reached_at=10, env="0")


@pytest.fixture(params=["redis", "memory"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[HashStore]:
    """The archive's hash in a real Redis (the emulator's), and in the process (the Gymnasium env's own)."""
    if request.param == "memory":
        yield MemoryHash()
        return
    client = Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisHash(client, Keys().archive)
    finally:
        await client.aclose()


async def test_the_archive_keeps_one_state_a_cell_and_evicts_the_least_advanced(store: HashStore) -> None:
    archive = Archive(store, ROM_HASH, size=2)
    assert await archive.add(entry("a", 0), b"state a")
    assert not await archive.add(entry("a", 3), b"another state of a")  # the first one reached it keeps it
    assert await archive.add(entry("b", 2), b"state b")
    assert await archive.add(entry("c", 1), b"state c")
    assert await archive.cells() == {"b", "c"}  # "a", the least advanced, made room
    assert len(await store.names()) == 6  # meta, state and chosen of each: nothing left of "a"
    drawn = await archive.draw(random.Random(0))
    assert drawn is not None and drawn.state == {"b": b"state b", "c": b"state c"}[drawn.entry.cell]
    other = Archive(store, "cd" * 32, size=2)
    assert await other.cells() == set() and await other.draw(random.Random(0)) is None


async def test_draws_favour_the_most_advanced_and_the_least_chosen(store: HashStore) -> None:
    archive = Archive(store, ROM_HASH, size=10)
    await archive.add(entry("low", 0), b"low")
    await archive.add(entry("high", 1), b"high")
    rng = random.Random(1)

    async def share_of_high(draws: int) -> float:
        got = [(await archive.draw(rng)) for _ in range(draws)]
        return sum(d is not None and d.entry.cell == "high" for d in got) / draws

    assert await share_of_high(300) > 0.55  # weights 2 : 1 while neither was chosen
    for _ in range(30):
        await archive.chosen("high")
    assert await share_of_high(300) < 0.45  # 2 / sqrt(31) : 1
    await archive.chosen("gone")  # a cell not there gets no count
    assert await store.get(archive.field("chosen", "gone")) is None


def test_a_state_one_emulator_archived_is_where_another_resets(
    demo_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # env 0 reaches the first Pokémon three steps after its start state: that cell joins the archive
    data_a = tmp_path / "host-a"
    make_near_goal_state(demo_rom, data_a)
    args_a = emulator_args(demo_rom, "--start-state", NEAR, "--max-steps", "30", "--archive-share", "0")
    assert start_service(EMULATOR, redis_url, data_a, *args_a).wait(60) == 0
    archived = wait_for(lambda: archived_cells(redis_client), what="an archived cell")
    assert any(cell.startswith("first_pokemon:") and cell.endswith(":p1") for cell in archived), archived

    # env 1, another data directory (another host), every reset from the archive
    args_b = emulator_args(demo_rom, "--env", "1", "--archive-share", "1", "--episode-steps", "5")
    with running(EMULATOR, redis_url, tmp_path / "host-b", *args_b, CRL_STREAM_HEARTBEAT_INTERVAL="0.2"):
        from_archive = wait_for(
            lambda: [e for e in episodes(redis_client, "1") if e.start_state.startswith("archive:first_pokemon:")],
            what="an episode of env 1 begun at the archived state",
        )
        wait_for(lambda: health(redis_client, "1").get("resets_from_archive", 0) >= 1, what="the counter")
    first = from_archive[0]
    begun = [f for f in frames(redis_client, "1") if f.episode == first.episode]
    assert begun and begun[0].state.party  # the archived state has the Pokémon; the start state has none
    chosen = redis_client.hget(KEYS.archive, f"chosen:{inspect_rom(demo_rom).sha256[:16]}:{first.start_state[8:]}")
    assert chosen is not None and int(chosen) >= 1


def archived_cells(client: redis.Redis) -> list[str]:
    return [f.decode().split(":", 2)[2] for f in client.hkeys(KEYS.archive) if f.startswith(b"meta:")]


def test_states_of_another_cartridge_are_never_loaded(
    demo_rom: Path, other_rom: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    ours = inspect_rom(demo_rom).sha256
    prefix = ours[:16]
    demo = GameCore.start(GameConfig(rom=demo_rom), boot_cache=tmp_path / "gen")
    other = GameCore.start(GameConfig(rom=other_rom), boot_cache=tmp_path / "gen")
    try:
        our_state, their_state = demo.save_state(), other.save_state()
    finally:
        demo.close()
        other.close()
    # an entry whose meta names the other ROM (its state would load here: it must not even be tried) ...
    named_other = entry("named-other", 5, rom=inspect_rom(other_rom).sha256)
    # ... and one whose meta lies: the state inside is the other cartridge's, refused when loaded
    lying = entry("lying", 5, rom=ours)
    for item, state in ((named_other, our_state), (lying, their_state)):
        redis_client.hset(
            KEYS.archive,
            mapping={
                f"meta:{prefix}:{item.cell}": item.model_dump_json(),
                f"state:{prefix}:{item.cell}": state,
                f"chosen:{prefix}:{item.cell}": 0,
            },
        )
    args = emulator_args(demo_rom, "--archive-share", "1", "--episode-steps", "3")
    with running(EMULATOR, redis_url, tmp_path / "data", *args, CRL_STREAM_HEARTBEAT_INTERVAL="0.2"):
        counters = wait_for(
            lambda: (c := health(redis_client)) and c.get("archive_fallbacks", 0) >= 2 and c, what="fallbacks"
        )
        wait_for(lambda: len(episodes(redis_client)) >= 3, what="three episodes")
    assert counters["archive_skipped"] >= 1 and counters["resets_from_archive"] == 0
    assert all(e.start_state == "start" for e in episodes(redis_client))
