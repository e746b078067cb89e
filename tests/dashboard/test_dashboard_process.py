"""`python -m services.dashboard` as a process: it serves, and SIGTERM ends it cleanly with a page still open."""

import signal
import threading

import httpx
import pytest

from services.dashboard.settings import DashboardSettings
from services.dashboard.views import HeatMap
from tests.dashboard.conftest import DashboardProcess

pytestmark = pytest.mark.timeout(60)


def test_sigterm_exits_cleanly_with_a_live_page_open(dashboard_process: DashboardProcess) -> None:
    opened = threading.Event()

    def page() -> None:
        try:
            with httpx.stream("GET", f"{dashboard_process.url}/api/live", timeout=30) as response:
                for line in response.iter_lines():
                    if line == "event: snapshot":
                        opened.set()
        except httpx.HTTPError:
            pass

    reader = threading.Thread(target=page, daemon=True)
    reader.start()
    assert opened.wait(10)
    dashboard_process.process.send_signal(signal.SIGTERM)
    assert dashboard_process.process.wait(10) == 0
    reader.join(5)
    assert not reader.is_alive()


def test_the_heat_map_is_bounded_in_maps_and_tiles() -> None:
    heat = HeatMap(max_maps=2, max_tiles=3)
    for x in range(5):
        heat.visit((1, 1), "a", x, 0)
    heat.visit((1, 1), "a", 0, 0)
    assert heat.one((1, 1)) == {
        "map": [1, 1],
        "name": "a",
        "size": [0, 0],
        "tiles": [[0, 0, 2], [1, 0, 1], [2, 0, 1]],
        "visits": 4,
    }
    assert heat.unplaced == 2
    heat.visit((2, 2), "b", 0, 0)
    heat.visit((1, 1), "a", 0, 0)  # (1, 1) is now the most recent, so (2, 2) goes first
    heat.visit((3, 3), "c", 0, 0)
    assert [m["map"] for m in heat.all()] == [[3, 3], [1, 1]]


def test_settings_have_a_docstring_per_field() -> None:
    missing = [name for name, field in DashboardSettings.model_fields.items() if not field.description]
    assert not missing
