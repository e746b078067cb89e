"""The env's archive of milestone states: the system's start states, kept in the env or shared in Redis with the
emulators' (the same cells and fields), a share of resets drawn from it; a Redis away costs draws, never the game."""

import pytest
import redis

from cartridge.walkthrough import MILESTONES, WALKTHROUGH
from shared.archive import Archive, MemoryHash, run_now
from shared.errors import ConfigError
from shared.redis_server import free_port
from tests.gym.helpers import MakeEnv, action_of, crystal
from tests.procs import KEYS

TO_ROUTE_29 = WALKTHROUGH[: MILESTONES["entered_route_29"] + 1]
"""The walkthrough up to entering Route 29: the first Pokémon, then a new map."""


def play_to_route_29(env) -> list[dict]:  # type: ignore[no-untyped-def]
    return [env.step(action_of(env, button))[-1] for button in TO_ROUTE_29]


def starts(env, resets: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [env.reset()[1]["start_state"] for _ in range(resets)]


def test_milestones_join_the_envs_own_archive_and_resets_begin_there(make_env: MakeEnv) -> None:
    env = make_env(archive=True, archive_share=1.0)
    _, info = env.reset(seed=0)
    assert info["start_state"] == "start"  # nothing archived yet: the start state
    play_to_route_29(env)
    archive = crystal(env).archive
    assert archive is not None and archive.added == 2
    assert {cell.split(":")[0] for cell in archive.cells} == {"first_pokemon", "new_map"}
    begun = starts(env, 6)
    assert all(name.startswith("archive:") for name in begun) and len(set(begun)) == 2  # both are drawn
    assert archive.drawn == 6
    # a state drawn from the archive is the game where the milestone was reached: the Pokémon is in the party
    _, info = env.reset()
    assert crystal(env).core.state.party and info["start_state"].startswith("archive:")


def test_a_share_of_resets_and_none_at_share_zero(make_env: MakeEnv) -> None:
    env = make_env(archive=True, archive_share=0.5)
    env.reset(seed=1)
    play_to_route_29(env)
    begun = starts(env, 40)
    from_archive = sum(name.startswith("archive:") for name in begun)
    assert 10 <= from_archive <= 30, begun
    never = make_env(archive=True, archive_share=0.0)
    never.reset(seed=1)
    play_to_route_29(never)
    assert crystal(never).archive.added == 2  # type: ignore[union-attr]  # archived all the same
    assert starts(never, 10) == ["start"] * 10


def test_no_archive_unless_asked_and_the_given_state_wins(make_env: MakeEnv) -> None:
    plain = make_env()
    plain.reset(seed=0)
    assert crystal(plain).archive is None
    play_to_route_29(plain)
    assert starts(plain, 3) == ["start"] * 3
    env = make_env(archive=True, archive_share=1.0)
    env.reset(seed=0)
    play_to_route_29(env)
    given = crystal(plain).save_state()
    assert env.reset(options={"state": given})[1]["start_state"] == "given"


def test_the_goals_state_is_not_archived(make_env: MakeEnv) -> None:
    env = make_env(archive=True, goal="first_pokemon")
    env.reset(seed=0)
    *_, info = [env.step(action_of(env, b)) for b in WALKTHROUGH[: MILESTONES["first_pokemon"] + 1]][-1]
    assert info["facts"]["first_pokemon"]
    assert crystal(env).archive.cells == set()  # type: ignore[union-attr]


def test_envs_share_an_archive_in_redis_with_the_emulators_fields(
    make_env: MakeEnv, redis_url: str, redis_client: redis.Redis
) -> None:
    first = make_env(archive=redis_url, archive_share=1.0)
    first.reset(seed=0)
    play_to_route_29(first)
    sha = crystal(first).rom.sha256
    metas = sorted(f.decode() for f in redis_client.hkeys(KEYS.archive) if f.startswith(b"meta:"))
    assert len(metas) == 2 and all(m.startswith(f"meta:{sha[:16]}:") for m in metas)  # as the emulator names them
    second = make_env(archive=redis_url, archive_share=1.0)  # another env (another worker, another host)
    _, info = second.reset(seed=3)
    assert info["start_state"].startswith("archive:") and crystal(second).core.state.party
    cell = info["start_state"].removeprefix("archive:")
    assert int(redis_client.hget(KEYS.archive, f"chosen:{sha[:16]}:{cell}") or 0) == 1
    other = make_env(archive=redis_url, archive_share=1.0, archive_prefix="other:")
    assert other.reset(seed=0)[1]["start_state"] == "start"  # another prefix, another archive


def test_a_redis_that_does_not_answer_costs_the_draws_not_the_game(make_env: MakeEnv) -> None:
    env = make_env(archive=f"redis://127.0.0.1:{free_port()}/0", archive_share=1.0)
    _, info = env.reset(seed=0)
    assert info["start_state"] == "start"
    play_to_route_29(env)
    assert env.reset()[1]["start_state"] == "start"
    archive = crystal(env).archive
    assert archive is not None and archive.errors >= 3 and archive.added == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"archive": "http://localhost:6379"}, "archive: .*redis"),
        ({"archive": 3}, "archive must be False, True or a Redis URL"),
        ({"archive": True, "archive_share": 1.5}, "archive_share must be between 0 and 1"),
        ({"archive": True, "archive_size": 0}, "archive_size must be at least 1"),
    ],
)
def test_bad_archive_options_are_one_clear_error(make_env: MakeEnv, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_env(**options)


def test_the_env_and_the_emulator_rank_and_draw_alike(make_env: MakeEnv) -> None:
    """The env's archive is `shared.archive.Archive`, the emulator's: its entries rank as the emulator's do."""
    env = make_env(archive=True)
    env.reset(seed=0)
    play_to_route_29(env)
    archive = crystal(env).archive
    assert archive is not None and isinstance(archive.archive, Archive)
    assert isinstance(archive.archive.store, MemoryHash)
    ranks = {item.entry.milestone: item.entry.rank for item in run_now(archive.archive.listed())}
    assert ranks["new_map"] > ranks["first_pokemon"]  # Route 29 was seen after the Pokémon
