"""The page in real headless Chromium, with the real emulator and the dashboard as processes."""

import asyncio
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, Page, sync_playwright

from cartridge.johto.walkthrough import Walkthrough
from shared.buttons import Button
from shared.game.config import GameConfig
from shared.game.core import GameCore
from shared.messages import ActionSource, Episode
from shared.notes import Notes
from tests.chromium import NO_BROWSER, find_chromium, under_ci
from tests.dashboard.conftest import (
    TOKEN,
    DashboardProcess,
    add_frames,
    emulator_args,
    episode,
    frame,
    publish_episodes,
    write_health,
)
from tests.procs import KEYS, frames, newest_frame, running, start_service, stop, wait_for

pytestmark = pytest.mark.timeout(120)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EMULATOR = "services.emulator"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = find_chromium()
    if chromium is None:  # `make test` installed one where it could (tests/chromium.py) and said why not
        if under_ci():
            pytest.fail(NO_BROWSER)
        pytest.skip(NO_BROWSER)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1300})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def open_page(page: Page, dashboard: DashboardProcess) -> None:
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    page.wait_for_function("document.getElementById('conn').textContent === 'live'", timeout=10_000)


def publish(redis_url: str, episodes: list[Episode]) -> None:
    """`publish_episodes` from a thread of its own: playwright's sync API holds this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, publish_episodes(redis_url, episodes)).result(timeout=30)


def centres(page: Page, selector: str) -> list[tuple[float, float]]:
    """The centre of each SVG shape matching `selector`, in the chart's own units (y grows downwards)."""
    script = "shapes => shapes.map(s => { const b = s.getBBox(); return [b.x + b.width / 2, b.y + b.height / 2]; })"
    return [(round(x, 1), round(y, 1)) for x, y in page.eval_on_selector_all(selector, script)]


def js_number(page: Page, expression: str) -> float:
    return float(page.evaluate(expression) or 0)


def test_the_page_shows_the_live_game_numbers_plots_and_heat_map(
    page: Page, dashboard_process: DashboardProcess, demo_rom: Path, redis_url: str, redis_client: redis.Redis,
    tmp_path: Path,
) -> None:  # fmt: skip
    # the anti-stuck rule on (the helpers turn it off): the rule-based policy alone can walk into a wall for
    # seconds on end, and then the picture rightly stays the same
    with running(EMULATOR, redis_url, tmp_path / "emu", *emulator_args(demo_rom, "--stuck-patience", "80")):
        wait_for(lambda: newest_frame(redis_client), what="the first frame")
        open_page(page, dashboard_process)
        page.wait_for_function("Number(document.getElementById('screen').dataset.updates || 0) > 0", timeout=15_000)
        updates = "Number(document.getElementById('screen').dataset.updates || 0)"
        first_src, first_updates = page.eval_on_selector("#screen", "img => img.src"), js_number(page, updates)
        first_step = page.text_content("#n-step")
        started = time.monotonic()
        page.wait_for_timeout(3_000)
        rate = (js_number(page, updates) - first_updates) / (time.monotonic() - started)
        assert rate >= 5, f"{rate:.1f} screen updates/s"
        # a new picture once the game shows something new (every update may show the same screen while it does not)
        page.wait_for_function("src => document.getElementById('screen').src !== src", arg=first_src, timeout=15_000)
        assert page.eval_on_selector("#screen", "img => img.naturalWidth") == 160
        assert page.text_content("#n-step") != first_step
        assert float((page.text_content("#n-sps") or "0").replace(",", "")) > 0
        assert page.text_content("#n-map") not in ("", "—")
        page.wait_for_function("Number(document.getElementById('plot-reward').dataset.points) >= 3", timeout=10_000)
        assert page.locator("#plot-sps polyline.series").count() == 1
        assert page.locator("#plot-sources polyline.series").count() == 4
        page.wait_for_function("Number(document.getElementById('heat').dataset.tiles) > 0", timeout=10_000)
        assert "rules" in (page.text_content("#share-legend") or "")
        redis_client.set(KEYS.memory("0"), Notes(notes=("reach Violet City", "gym: north"), step=7).model_dump_json())
        page.wait_for_function("document.getElementById('n-notes').textContent.includes('gym: north')", timeout=10_000)
        assert page.text_content("#n-notes-sub") == "written at step 7"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


def test_the_services_panel_shows_a_killed_emulator_down_within_its_ttl(
    page: Page, dashboard_process: DashboardProcess, demo_rom: Path, redis_url: str, redis_client: redis.Redis,
    tmp_path: Path,
) -> None:  # fmt: skip
    beat = 0.5  # the heartbeat key lives 3 beats: 1.5 s
    emulator = start_service(
        EMULATOR, redis_url, tmp_path / "emu", *emulator_args(demo_rom), CRL_STREAM_HEARTBEAT_INTERVAL=str(beat)
    )
    try:
        wait_for(lambda: redis_client.exists(KEYS.health("emulator", "env0")), what="the emulator's heartbeat")
        open_page(page, dashboard_process)
        page.click("#tabs button[data-tab=services]")
        row = page.locator("tr[data-service=emulator][data-instance=env0]")
        row.locator("td.status", has_text="running").wait_for(timeout=10_000)
        assert "up" in (row.get_attribute("class") or "")
        assert row.locator(".chip", has_text="steps_per_s").count() == 1
        about = row.locator("td.status .about").text_content() or ""
        assert "crystal-rl demo cartridge, tiny world (demo.gbc, sha1 " in about
        page.wait_for_function("speciesName(155) === 'Cyndaquil'", timeout=10_000)  # names, not numbers
        page.wait_for_function("document.getElementById('redis-info').textContent.includes('(')", timeout=10_000)
        assert page.text_content("#redis-info").startswith(f"Redis: {redis_url} (")  # which Redis, and which server
        emulator.send_signal(signal.SIGKILL)  # no clean shutdown: the key must expire by itself
        killed = time.monotonic()
        page.wait_for_selector("tr.down[data-service=emulator][data-instance=env0]", timeout=15_000)
        assert time.monotonic() - killed < beat * 3 + 2.0
        assert "down" in (row.locator("td.status").text_content() or "")
        assert page.text_content("#services-badge") == "1"
    finally:
        stop(emulator)


def test_the_stream_inspector_lists_frames_and_opens_an_entry(
    page: Page, dashboard_process: DashboardProcess, demo_rom: Path, redis_url: str, redis_client: redis.Redis,
    tmp_path: Path,
) -> None:  # fmt: skip
    with running(EMULATOR, redis_url, tmp_path / "emu", *emulator_args(demo_rom, "--max-steps", "300")) as emulator:
        assert emulator.wait(60) == 0
    open_page(page, dashboard_process)
    page.click("#tabs button[data-tab=streams]")
    row = page.locator(f"tr[data-stream='{KEYS.frames('0')}']")
    row.wait_for(timeout=10_000)
    assert row.locator("td").nth(1).text_content() == "301"
    row.locator("a").click()
    page.wait_for_selector("#entries .entry")
    assert "page 1 of" in (page.text_content("#page-info") or "")
    first = page.locator("#entries .entry").first
    assert "step 300" in (first.text_content() or "")
    first.locator(".entry-head").click()
    assert '"step": 300' in (first.locator("pre").text_content() or "")
    page.wait_for_function("document.querySelector('#entries .entry img')?.naturalWidth === 80")
    assert "5,760 bytes" in (first.locator(".bin").text_content() or "")
    page.click("#page-older")
    page.wait_for_function("document.getElementById('page-info').textContent.startsWith('page 2')")
    assert "step 280" in (page.locator("#entries .entry").first.text_content() or "")


def test_a_button_pressed_in_the_page_reaches_the_emulator(
    page: Page, dashboard_process: DashboardProcess, demo_rom: Path, redis_url: str, redis_client: redis.Redis,
    tmp_path: Path,
) -> None:  # fmt: skip
    with running(EMULATOR, redis_url, tmp_path / "emu", *emulator_args(demo_rom)):
        wait_for(lambda: newest_frame(redis_client), what="the first frame")
        open_page(page, dashboard_process)
        page.wait_for_function("document.getElementById('env-select').value === '0'")
        before = newest_frame(redis_client)
        assert before is not None
        page.click(".btn-press[data-button=b]")
        page.wait_for_selector("#acks li[data-acked=ok]", timeout=10_000)
        assert "press B: ✓ took effect" in (page.text_content("#acks li") or "")

        def pressed() -> list:
            return [
                f for f in frames(redis_client) if f.step > before.step and f.action_source == ActionSource.DASHBOARD
            ]

        (played,) = wait_for(pressed, timeout=10, what="a frame with the dashboard's press")
        assert played.action == Button.B
        page.click("#btn-pause")
        page.wait_for_selector("#acks li[data-acked=ok] >> text=pause", timeout=10_000)
        page.wait_for_selector("#paused-overlay:not(.hidden)", timeout=10_000)


def test_the_learning_curve_draws_training_and_eval_episodes_and_skips_a_bad_entry(
    page: Page, dashboard_process: DashboardProcess, redis_url: str, redis_client: redis.Redis
) -> None:
    open_page(page, dashboard_process)
    for chart in ("#curve-return", "#curve-milestones"):
        assert page.text_content(f"{chart} text.empty") == "no finished episodes yet"
    assert page.locator("#curve-return circle").count() == 0

    training = [episode(0, "0", 1.0), episode(1, "0", 2.0, "first_pokemon"), episode(2, "0", 3.0, "first_pokemon")]
    publish(redis_url, [*training, episode(2, "0", 9.0, "first_pokemon", "badge", eval=True)])
    page.wait_for_function("document.getElementById('curve-return').dataset.evalPoints === '1'", timeout=10_000)
    assert page.locator("#curve-return circle.ep-train").count() == 3
    assert page.locator("#curve-return path.ep-eval").count() == 1
    assert page.locator("#curve-return polyline.roll-train").count() == 1
    assert page.locator("#curve-return polyline.roll-eval").count() == 1
    assert page.locator("#curve-return text.empty").count() == 0
    training_xy = centres(page, "#curve-return circle.ep-train")
    ((eval_x, eval_y),) = centres(page, "#curve-return path.ep-eval")
    assert [x for x, _ in training_xy] == sorted(x for x, _ in training_xy)  # more env steps further right
    assert [y for _, y in training_xy] == sorted((y for _, y in training_xy), reverse=True)  # more return higher
    assert eval_x == training_xy[2][0] and eval_y < training_xy[2][1]  # at the steps it evaluated, above them
    assert "eval" in (page.locator("#curve-return path.ep-eval title").text_content() or "")
    legend = page.text_content("#curve-milestones-legend") or ""
    assert "first_pokemon" in legend and "badge" in legend
    assert page.locator("#curve-milestones path.rate-eval").count() == 2  # one diamond per milestone line

    redis_client.xadd(KEYS.episodes, {"v": "1", "kind": "episode", "json": "{not json"})
    publish(redis_url, [episode(3, "1", 4.0)])
    page.wait_for_function("document.getElementById('curve-return').dataset.trainPoints === '4'", timeout=10_000)
    assert "1 bad entry skipped" in (page.text_content("#curve-info") or "")
    page.select_option("#curve-env", "1")
    assert page.eval_on_selector("#curve-return", "svg => svg.dataset.trainPoints") == "1"
    assert page.eval_on_selector("#curve-return", "svg => svg.dataset.evalPoints") == "0"
    page.select_option("#curve-env", "")
    page.select_option("#curve-x", "episode")
    assert page.locator("#curve-return circle.ep-train").count() == 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#curve").screenshot(path=str(ARTIFACTS / "learning-curve.png"))


def test_the_learners_samples_per_step_and_each_emulators_episode_are_shown(
    page: Page, dashboard_process: DashboardProcess, redis_client: redis.Redis
) -> None:
    add_frames(redis_client, [frame(40, env="0", episode=3), frame(7, env="1", episode=1)])
    write_health(redis_client, "dqn_learner", "gpu-1", {"samples_per_step": 0.25, "updates_per_s": 12.0}, ttl_ms=30_000)
    open_page(page, dashboard_process)
    page.wait_for_function("document.getElementById('n-samples').textContent === '0.25'", timeout=10_000)
    assert page.text_content("#n-samples-sub") == "replayed samples per env step"
    page.wait_for_function("document.getElementById('curve-envs').textContent.includes('env 1: episode 1')")
    assert page.text_content("#curve-envs") == "env 0: episode 3 · env 1: episode 1"
    options = page.eval_on_selector_all("#env-select option", "os => os.map(o => o.textContent)")
    assert options == ["0 · episode 3", "1 · episode 1"]


def test_the_plan_figures_for_the_env_joined_from_the_emulator_and_the_planners_and_the_model_host_state(
    page: Page, dashboard_process: DashboardProcess, redis_client: redis.Redis
) -> None:
    add_frames(redis_client, [frame(40, env="0"), frame(41, env="1")])
    emulator = {"plan_requests": 14, "source_plans_received": 5, "source_stale_plans": 2, "source_stale_plans_map": 2,
                "llm_interval": 30}  # fmt: skip
    write_health(redis_client, "emulator", "env0", emulator, ttl_ms=30_000)
    env0 = {"env0.requests": 12, "env0.served": 5, "env0.superseded": 4, "env0.rejected": 2,
            "env0.rejected.walk_to": 2, "env0.stale": 1, "env0.failed": 1, "env0.model_p50_ms": 1800.0,
            "env0.model_p99_ms": 4200.0, "env1.served": 9}  # fmt: skip
    write_health(redis_client, "llm_planner", "a", env0, ttl_ms=30_000)
    write_health(redis_client, "llm_planner", "b", {"env0.served": 1, "env0.requests": 1}, ttl_ms=30_000)
    write_health(redis_client, "model_host", "0", {"up": 1}, ttl_ms=30_000)
    open_page(page, dashboard_process)
    page.wait_for_function("document.getElementById('n-plans').textContent === '5'", timeout=10_000)
    assert page.text_content("#n-plans-sub") == (
        "applied, of 14 requests · rejected 2 (walk_to 2) · stale 3 (map 2, queued 1) · superseded 4 · failed 1"
        " · every 30 steps"
    )  # fmt: skip
    assert page.text_content("#n-latency") == "1.8 s"
    assert page.text_content("#n-latency-sub") == "model p99 4.2 s · model host running"


def test_the_heat_map_of_a_johto_map_is_drawn_to_the_maps_size(
    page: Page, dashboard_process: DashboardProcess, johto_rom: Path, redis_client: redis.Redis
) -> None:
    """Route 29 is 60×18 steps and scrolls: the page draws all of it, not the box around the few tiles walked."""
    core = GameCore.start(GameConfig(rom=johto_rom), boot_cache=None)
    try:
        core.reset(seed=1)
        policy, memory, walked = Walkthrough(), core.machine.pyboy.memory, []
        for _ in range(600):
            state = core.step(Button(policy.next_button(memory))).view.state
            if state.map_name == "Route 29":
                walked.append(state)
            if len(walked) == 40:
                break
    finally:
        core.close()
    assert len(walked) == 40, "the walkthrough reaches Route 29 within 600 presses"
    assert (walked[0].map_width, walked[0].map_height) == (60, 18)
    add_frames(redis_client, [frame(i, state=state) for i, state in enumerate(walked)])
    open_page(page, dashboard_process)
    page.wait_for_function("Number(document.getElementById('heat').dataset.tiles) > 0", timeout=10_000)
    heat = page.eval_on_selector(
        "#heat", "c => [Number(c.dataset.tiles), Number(c.dataset.cols), Number(c.dataset.rows)]"
    )
    tiles = len({(s.x, s.y) for s in walked})
    assert heat == [tiles, 60, 18] and tiles < 60 * 18
    assert "Route 29 · 60×18" in (page.text_content("#heat-info") or "")
