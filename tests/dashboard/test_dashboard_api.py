"""The JSON API and the live stream, with httpx against the real app on a real port and a real Redis."""

import asyncio
import time

import httpx
import pytest
import redis

from services.dashboard.settings import DashboardSettings
from shared.buttons import Button
from shared.messages import ActionSource, ControlCommand, DeadLetter, Event
from shared.notes import Notes
from tests.dashboard.conftest import (
    TOKEN,
    Dashboard,
    add_frames,
    eventually,
    fast_settings,
    frame,
    serve,
    sse_events,
    write_health,
)
from tests.procs import KEYS

pytestmark = pytest.mark.timeout(60)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_env_numbers_come_from_the_frames(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    sources = [ActionSource.RULES, ActionSource.DQN, ActionSource.DQN, ActionSource.LLM]
    add_frames(redis_client, [frame(step, source=sources[step % 4]) for step in range(40)])

    async def numbers() -> dict:
        body = (await http.get("/api/envs/0")).json()
        return body if body.get("step") == 39 else {}

    env = await eventually(numbers, what="step 39")
    assert env["state"]["map_name"] == "New Bark Town" and env["state"]["money"] == 3000
    assert env["badges"] == 1 and len(env["state"]["party"]) == 1
    assert env["recent_reward"] == pytest.approx(20.0)
    assert env["recent_breakdown"] == {"new_tile": pytest.approx(10.0), "money": pytest.approx(10.0)}
    assert env["sources"]["dqn"] == pytest.approx(0.5) and env["sources"]["llm"] == pytest.approx(0.25)
    assert env["action"] == "up"
    listed = (await http.get("/api/envs")).json()
    assert [e["env"] for e in listed] == ["0"]

    assert (await http.get("/api/envs/0/notes")).json()["notes"] == []  # no planner has written any
    notes = Notes(notes=("reach Violet City",), step=30, ts=1.0, episode=2)
    redis_client.set(KEYS.memory("0"), notes.model_dump_json())
    assert (await http.get("/api/envs/0/notes")).json() == {
        "notes": ["reach Violet City"], "step": 30, "ts": 1.0, "episode": 2
    }  # fmt: skip
    redis_client.set(KEYS.memory("0"), b"not json")
    assert (await http.get("/api/envs/0/notes")).json()["notes"] == []

    explored = (await http.get("/api/envs/0/explored")).json()
    (new_bark,) = explored["maps"]
    assert new_bark["map"] == [24, 4] and new_bark["visits"] == 40
    assert len(new_bark["tiles"]) == 21  # x in 0..6, y in 0..2
    assert explored["current_map"] == [24, 4]


async def test_unknown_env_is_a_404_that_names_the_known_ones(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    add_frames(redis_client, [frame(0)])
    await eventually(lambda: _status(http, "/api/envs/0", 200), what="env 0")
    for path in ("/api/envs/7", "/api/envs/7/series", "/api/envs/7/explored", "/api/envs/7/screen.png"):
        response = await http.get(path)
        assert response.status_code == 404
        assert response.json()["detail"] == "unknown env '7': known envs are ['0']"


async def test_screen_is_the_newest_png_the_emulator_wrote(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    add_frames(redis_client, [frame(0)])
    await eventually(lambda: _status(http, "/api/envs/0", 200), what="env 0")
    assert (await http.get("/api/envs/0/screen.png")).status_code == 404
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    redis_client.set(KEYS.screen("0"), png, px=5_000)
    response = await http.get("/api/envs/0/screen.png")
    assert response.status_code == 200 and response.content == png
    assert response.headers["content-type"] == "image/png"


async def test_the_retained_window_seeds_the_heat_map_and_the_plots(redis_client: redis.Redis, redis_url: str) -> None:
    start = time.time() - 30
    old = [frame(step, ts=start + step * 0.1) for step in range(300)]
    add_frames(redis_client, old)
    async with serve(fast_settings(redis_url, series_interval=1.0)) as running:
        await asyncio.wait_for(running.hub.ready.wait(), 10)
        async with httpx.AsyncClient(base_url=running.url) as http:
            explored = (await http.get("/api/envs/0/explored")).json()
            assert explored["maps"][0]["visits"] == 300
            series = (await http.get("/api/envs/0/series")).json()
    assert len(series) >= 25  # one point per second of the 30 s window
    assert series[0]["steps_per_s"] == pytest.approx(10.0, rel=0.2)
    assert [p["total_reward"] for p in series] == sorted(p["total_reward"] for p in series)


async def test_live_stream_sends_a_snapshot_then_decimated_updates(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    add_frames(redis_client, [frame(0)])
    await eventually(lambda: _status(http, "/api/envs/0", 200), what="env 0")
    redis_client.set(KEYS.screen("0"), b"\x89PNG first", px=5_000)
    seen: list[tuple[str, dict]] = []
    started = time.monotonic()
    async with asyncio.timeout(20):
        async for name, data in sse_events(http):
            seen.append((name, data))
            if name == "snapshot":
                assert set(data["envs"]) == {"0"} and data["envs"]["0"]["step"] == 0
                # 500 frames in one burst: the page gets at most update_hz updates a second, not 500
                add_frames(redis_client, [frame(step) for step in range(1, 501)])
            if name == "env" and data.get("step") == 500 and any(n == "heat" for n, _ in seen):
                break
    elapsed = time.monotonic() - started
    updates = [d for n, d in seen if n == "env"]
    assert len(updates) <= dashboard.settings.update_hz * elapsed + 2
    assert any(d.get("screen") for d in updates) or seen[0][1]["envs"]["0"]["screen"]
    assert any("point" in d for d in updates)
    heat = next(d for n, d in seen if n == "heat")
    assert heat["env"] == "0" and heat["map"] == [24, 4] and heat["tiles"]


async def test_the_learners_curve_reads_the_counters_as_its_heartbeat_writes_them(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    """The real learner's heartbeat flattens its tags (`losses_td_loss`); the margin loss of its demonstrations
    goes on the curve beside the TD loss."""
    counters = {"losses_td_loss": 0.5, "losses_margin_loss": 0.125, "charts_epsilon": 0.25, "losses_q_values": 2.0}
    write_health(redis_client, "dqn_learner", "flat-1", counters)

    async def point() -> dict | None:
        series = dashboard.hub.learner_series
        return series[-1] if series and series[-1]["margin_loss"] is not None else None

    latest = await eventually(point, what="a point of the learner's curve")
    assert (latest["loss"], latest["margin_loss"], latest["epsilon"], latest["mean_q"]) == (0.5, 0.125, 0.25, 2.0)


async def test_services_show_up_with_counters_and_down_when_the_heartbeat_is_gone(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    write_health(redis_client, "dqn_learner", "gpu-1", {"losses/td_loss": 0.25, "charts/epsilon": 0.5})

    async def learner(up: bool) -> dict | None:
        rows = (await http.get("/api/services")).json()
        row = next((r for r in rows if r["service"] == "dqn_learner"), None)
        return row if row and row["up"] is up else None

    row = await eventually(lambda: learner(True), what="the learner up")
    assert row["instance"] == "gpu-1" and row["counters"]["losses/td_loss"] == 0.25 and row["age_s"] < 5
    assert dashboard.hub.learner_series[-1]["loss"] == 0.25 and dashboard.hub.learner_series[-1]["epsilon"] == 0.5
    redis_client.delete(KEYS.health("dqn_learner", "gpu-1"))
    row = await eventually(lambda: learner(False), timeout=3, what="the learner down")
    assert row["status"] == "down" and row["last_status"] == "running"


async def test_stream_inspector_lists_streams_with_groups_and_browses_entries(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    ids = add_frames(redis_client, [frame(step) for step in range(45)])
    redis_client.xgroup_create(KEYS.frames("0"), "learner", id="0")
    redis_client.xreadgroup("learner", "learner-a", {KEYS.frames("0"): ">"}, count=10)
    redis_client.xadd(KEYS.frames("0"), {"v": "1", "kind": "frame", "json": "{not json"})
    streams = {s["name"]: s for s in (await http.get("/api/streams")).json()}
    frames = streams[KEYS.frames("0")]
    assert frames["length"] == 46
    (group,) = frames["groups"]
    assert group["name"] == "learner" and group["pending"] == 10 and group["lag"] == 36
    assert group["consumer_list"][0]["name"] == "learner-a" and group["consumer_list"][0]["pending"] == 10

    path = f"/api/streams/{KEYS.frames('0')}/entries"
    first = (await http.get(path, params={"page": 1, "size": 20})).json()
    assert first["pages"] == 3 and first["length"] == 46
    bad, newest = first["entries"][0], first["entries"][1]
    assert bad["ok"] is False and "'json' is not valid JSON" in bad["error"]
    assert {r["field"] for r in bad["raw"]} == {"v", "kind", "json"}
    assert newest["kind"] == "frame" and newest["message"]["step"] == 44 and "screen" not in newest["message"]
    assert newest["binary"]["screen"]["bytes"] == 5760
    image = await http.get(newest["binary"]["screen"]["image"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    third = (await http.get(path, params={"page": 3, "size": 20})).json()
    assert [e["message"]["step"] for e in third["entries"]] == [5, 4, 3, 2, 1, 0]
    by_cursor = (await http.get(path, params={"size": 20, "before": first["next_before"]})).json()
    assert by_cursor["entries"][0]["message"]["step"] == 25

    out_of_range = await http.get(path, params={"page": 4, "size": 20})
    assert out_of_range.status_code == 404
    expected = f"page 4 is out of range: {KEYS.frames('0')} has 46 entries, 3 page(s) of 20"
    assert out_of_range.json()["detail"] == expected
    assert (await http.get(path, params={"page": 0})).status_code == 422
    assert (await http.get(path, params={"size": 5000})).status_code == 422
    unknown = await http.get("/api/streams/crl:nope/entries")
    assert unknown.status_code == 404 and "unknown stream 'crl:nope'" in unknown.json()["detail"]
    outside = await http.get("/api/streams/other:thing")
    assert outside.status_code == 404

    one = (await http.get(f"/api/streams/{KEYS.frames('0')}/entries/{ids[3].decode()}")).json()
    assert one["message"]["step"] == 3
    assert (await http.get(f"/api/streams/{KEYS.frames('0')}/entries/1-1")).status_code == 404
    assert (await http.get(f"/api/streams/{KEYS.frames('0')}/entries/latest")).status_code == 422


async def test_dead_letters_are_listed_with_their_reasons(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    letter = DeadLetter(
        source_stream=KEYS.actions("0"), entry_id="1-0", reason="action: buttons: too short",
        raw=((b"json", b'{"buttons": []}'), (b"blob", b"\xff\x00")),
    )  # fmt: skip
    redis_client.xadd(KEYS.dead, letter.to_fields())
    (dead,) = (await http.get("/api/dead")).json()
    assert dead["kind"] == "dead" and dead["message"]["reason"] == "action: buttons: too short"
    assert dead["message"]["source_stream"] == KEYS.actions("0")
    assert dead["message"]["raw"] == [
        {"field": "json", "bytes": 15, "text": '{"buttons": []}'},
        {"field": "blob", "bytes": 2, "text": None},
    ]


async def test_controls_need_the_token_and_write_nothing_without_it(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    add_frames(redis_client, [frame(0)])
    await eventually(lambda: _status(http, "/api/envs/0", 200), what="env 0")
    path = "/api/envs/0/control"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Dashboard-Token": TOKEN + "x"}):
        response = await http.post(path, json={"command": "pause"}, headers=headers)
        assert response.status_code == 401, headers
        assert "token" in response.json()["detail"]
    assert (await http.post(f"{path}?token=nope", json={"command": "pause"})).status_code == 401
    assert redis_client.xlen(KEYS.control("0")) == 0

    response = await http.post(path, json={"command": "press", "button": "a"}, headers=AUTH)
    assert response.status_code == 202
    sent = response.json()
    assert sent["status"] == "sent" and sent["stream"] == KEYS.control("0")
    ((entry_id, fields),) = redis_client.xrange(KEYS.control("0"))
    command = ControlCommand.from_fields(fields)
    assert entry_id.decode() == sent["entry_id"] and command.id == sent["id"]
    assert command.command == "press" and command.button == Button.A and command.env == "0"
    other_ways = [{"X-Dashboard-Token": TOKEN}, {}]
    assert (await http.post(path, json={"command": "resume"}, headers=other_ways[0])).status_code == 202
    assert (await http.post(f"{path}?token={TOKEN}", json={"command": "resume"})).status_code == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"command": "press"}, "'press' needs 'button'"),
        ({"command": "press", "button": "turbo"}, "Input should be"),
        ({"command": "load"}, "'load' needs 'name'"),
        ({"command": "load", "name": "../etc/passwd"}, "String should match pattern"),
        ({"command": "set_llm_interval", "value": 0}, "greater than or equal to 1"),
        ({"command": "set_llm_interval"}, "'set_llm_interval' needs 'value'"),
        ({"command": "pause", "button": "a"}, "'pause' takes no button"),
        ({"command": "reboot"}, "Input should be"),
        ({"command": "pause", "extra": 1}, "Extra inputs are not permitted"),
    ],
)
async def test_malformed_controls_are_a_422_and_write_nothing(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient, body: dict, message: str
) -> None:
    add_frames(redis_client, [frame(0)])
    await eventually(lambda: _status(http, "/api/envs/0", 200), what="env 0")
    response = await http.post("/api/envs/0/control", json=body, headers=AUTH)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert redis_client.xlen(KEYS.control("0")) == 0


async def test_a_control_for_an_unknown_env_is_a_404_and_writes_nothing(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    response = await http.post("/api/envs/3/control", json={"command": "pause"}, headers=AUTH)
    assert response.status_code == 404 and response.json()["detail"] == "unknown env '3': no env has sent frames"
    assert (await http.post("/api/envs/a b/control", json={"command": "pause"}, headers=AUTH)).status_code == 422
    assert not redis_client.keys(f"{KEYS.prefix}control:*")


async def test_without_a_configured_token_controls_are_disabled(redis_client: redis.Redis, redis_url: str) -> None:
    add_frames(redis_client, [frame(0)])
    async with serve(fast_settings(redis_url, dashboard_token=None)) as running:
        await asyncio.wait_for(running.hub.ready.wait(), 10)
        async with httpx.AsyncClient(base_url=running.url) as http:
            response = await http.post("/api/envs/0/control", json={"command": "pause"}, headers=AUTH)
            assert (await http.get("/api/envs/0")).status_code == 200
    assert response.status_code == 401 and "CRL_DASHBOARD_TOKEN" in response.json()["detail"]
    assert redis_client.xlen(KEYS.control("0")) == 0


async def test_reads_need_the_token_when_not_bound_to_loopback(redis_client: redis.Redis, redis_url: str) -> None:
    add_frames(redis_client, [frame(0)])
    settings = fast_settings(redis_url, host="0.0.0.0")  # served on 127.0.0.1 all the same
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.url) as http:
        for path in ("/api/envs", "/api/services", "/api/streams", "/api/live", "/api/events"):
            assert (await http.get(path)).status_code == 401, path
        assert (await http.get("/api/envs", headers=AUTH)).status_code == 200
        assert (await http.get("/api/streams", params={"token": TOKEN})).status_code == 200
        assert (await http.get("/")).status_code == 200  # the page itself holds nothing; it asks with the token


def test_an_exposed_dashboard_without_a_token_does_not_start() -> None:
    with pytest.raises(ValueError, match="not a loopback address: set CRL_DASHBOARD_TOKEN"):
        DashboardSettings(host="0.0.0.0", dashboard_token=None)
    assert DashboardSettings(host="::1").loopback and DashboardSettings(host="localhost").loopback


async def test_events_and_control_acks_are_served(
    redis_client: redis.Redis, dashboard: Dashboard, http: httpx.AsyncClient
) -> None:
    ack = Event(
        service="emulator", instance="env0", kind="control_ack", message="pause: ok", env="0",
        data={"id": "abc", "command": "pause", "ok": True, "detail": ""},
    )  # fmt: skip
    redis_client.xadd(KEYS.events, ack.to_fields())
    got = await eventually(lambda: _json_if(http, "/api/controls/abc"), what="the ack")
    assert got["data"]["ok"] is True and got["message"] == "pause: ok"
    events = (await http.get("/api/events", params={"kind": "control_ack"})).json()
    assert [e["data"]["id"] for e in events] == ["abc"]
    assert (await http.get("/api/controls/zzz")).status_code == 404


async def test_names_are_served_for_the_page(http: httpx.AsyncClient) -> None:
    species = (await http.get("/api/names")).json()["species"]
    assert len(species) == 252 and species[0] == "" and species[155] == "Cyndaquil" and species[250] == "Ho-Oh"


async def test_openapi_documents_every_endpoint(http: httpx.AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/live",
        "/api/envs/{env}",
        "/api/envs/{env}/control",
        "/api/streams/{stream}/entries",
        "/api/names",
    ):
        assert path in paths
    page = await http.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert (await http.get("/static/app.js")).status_code == 200


async def _status(http: httpx.AsyncClient, path: str, code: int) -> bool:
    return (await http.get(path)).status_code == code


async def _json_if(http: httpx.AsyncClient, path: str) -> dict | None:
    response = await http.get(path)
    return response.json() if response.status_code == 200 else None
