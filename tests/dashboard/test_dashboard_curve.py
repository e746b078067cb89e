"""The learning curve's JSON and live updates: episodes published with the real `Publisher` to a real Redis, read
through the dashboard's real HTTP server."""

import asyncio

import httpx
import pytest
import redis

from tests.dashboard.conftest import Dashboard, episode, eventually, fast_settings, publish_episodes, serve, sse_events
from tests.procs import KEYS

pytestmark = pytest.mark.timeout(60)

BROKEN_JSON = {"v": "1", "kind": "episode", "json": "{not json"}
NEGATIVE_EPISODE = {"v": "1", "kind": "episode", "json": '{"env": "0", "episode": -1, "steps": 1, "total_reward": 0}'}


async def test_no_finished_episodes_is_an_empty_curve(dashboard: Dashboard, http: httpx.AsyncClient) -> None:
    body = (await http.get("/api/episodes")).json()
    settings = dashboard.settings
    assert body == {
        "window": settings.curve_window,
        "kept": settings.curve_episodes,
        "skipped": 0,
        "envs": [],
        "episodes": [],
    }
    async with asyncio.timeout(10):
        async for name, data in sse_events(http):
            assert name == "snapshot"
            assert data["curve"]["episodes"] == []
            break


async def test_the_curve_rolls_returns_and_milestone_rates_per_scope_and_skips_bad_entries(
    redis_client: redis.Redis, redis_url: str
) -> None:
    # two episodes retained before the dashboard starts, the rest read live
    await publish_episodes(
        redis_url,
        [episode(0, "0", 1.0, "first_pokemon"), episode(0, "1", 3.0, "first_pokemon", "map:Route 29")],
    )
    async with serve(fast_settings(redis_url, curve_window=2)) as running:
        await asyncio.wait_for(running.hub.ready.wait(), 10)
        async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:
            assert [p["return"] for p in (await http.get("/api/episodes")).json()["episodes"]] == [1.0, 3.0]
            await publish_episodes(
                redis_url,
                [episode(1, "0", 5.0, "first_pokemon", "badge"), episode(3, "0", 10.0, "badge", eval=True)],
            )
            redis_client.xadd(KEYS.episodes, BROKEN_JSON)
            redis_client.xadd(KEYS.episodes, NEGATIVE_EPISODE)
            await publish_episodes(redis_url, [episode(2, "0", 0.0)])

            async def all_read() -> dict:
                body = (await http.get("/api/episodes")).json()
                return body if len(body["episodes"]) == 5 else {}

            body = await eventually(all_read, what="five episodes")
            env0_training = (await http.get("/api/episodes", params={"env": "0", "eval": "false"})).json()
            evaluated = (await http.get("/api/episodes", params={"eval": "true"})).json()
            newest = (await http.get("/api/episodes", params={"limit": 1})).json()
            bad_entries = running.hub.counters.bad_entries

    assert body["skipped"] == 2 and bad_entries == 2
    assert body["envs"] == ["0", "1"] and body["window"] == 2
    points = body["episodes"]
    assert [(p["env"], p["episode"], p["eval"]) for p in points] == [
        ("0", 0, False), ("1", 0, False), ("0", 1, False), ("0", 3, True), ("0", 2, False),
    ]  # fmt: skip
    assert [p["env_steps"] for p in points] == [100, 100, 200, 400, 300]
    assert points[2]["reached"] == ["badge", "first_pokemon"]
    # all envs, training: the last two episodes
    every = [p["rolling"]["all"] for p in points]
    assert [r["mean"] for r in every] == [1.0, 2.0, 4.0, 10.0, 2.5]
    assert every[1]["rates"] == {"first_pokemon": 1.0, "map:Route 29": 0.5}
    assert every[2]["rates"] == {"badge": 0.5, "first_pokemon": 1.0, "map:Route 29": 0.5}
    assert every[4]["rates"] == {"badge": 0.5, "first_pokemon": 0.5}
    # eval rolls apart from training
    assert every[3] == {"n": 1, "mean": 10.0, "rates": {"badge": 1.0}}
    # each env alone
    own = [p["rolling"]["env"] for p in points]
    assert [r["mean"] for r in own] == [1.0, 3.0, 3.0, 10.0, 2.5]
    assert own[2]["rates"] == {"badge": 0.5, "first_pokemon": 1.0}

    assert [p["episode"] for p in env0_training["episodes"]] == [0, 1, 2]
    assert [p["return"] for p in evaluated["episodes"]] == [10.0]
    assert [p["episode"] for p in newest["episodes"]] == [2]


async def test_new_episodes_and_skipped_entries_reach_an_open_page(
    redis_client: redis.Redis, redis_url: str, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    updates: list[dict] = []
    async with asyncio.timeout(20):
        async for name, data in sse_events(http):
            if name == "snapshot":
                await publish_episodes(redis_url, [episode(0, "0", 2.5, "first_pokemon")])
            elif name == "episodes":
                updates.append(data)
                if len(updates) == 1:
                    redis_client.xadd(KEYS.episodes, BROKEN_JSON)
                elif len(updates) == 2:
                    await publish_episodes(redis_url, [episode(1, "0", 4.5, eval=True)])
                else:
                    break
    first, bad, after = updates
    (point,) = first["points"]
    assert point["return"] == 2.5 and point["reached"] == ["first_pokemon"] and first["skipped"] == 0
    assert point["rolling"]["all"] == {"n": 1, "mean": 2.5, "rates": {"first_pokemon": 1.0}}
    assert bad == {"points": [], "skipped": 1}
    (evaluated,) = after["points"]
    assert evaluated["eval"] is True and evaluated["rolling"]["all"]["mean"] == 4.5 and after["skipped"] == 1


async def test_episodes_are_decoded_in_the_stream_inspector(
    redis_url: str, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    await publish_episodes(redis_url, [episode(7, "2", 1.5, "badge", eval=True)])
    page = (await http.get(f"/api/streams/{KEYS.episodes}/entries")).json()
    (entry,) = page["entries"]
    assert entry["kind"] == "episode" and entry["ok"] is True
    assert entry["message"]["episode"] == 7 and entry["message"]["eval"] is True
    assert entry["message"]["milestones"] == {"badge": 10}
