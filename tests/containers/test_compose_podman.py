"""`docker-compose.yml` for real, under podman: build, up, frames, dashboard, health checks, --scale, restart, down.

Marked `containers`: it needs podman, runc, debootstrap and podman-compose 1.6.0 (CI installs them,
`.ci/run`). Without podman it is skipped with the reason shown, except under CI, where that is
a failure. Numbers (build, up, restart, down times) are printed for the record (`pytest -s`).
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis

from shared.health import Health
from shared.keys import Keys
from shared.messages import ActionSource, Frame
from shared.redis_server import free_port
from tests.containers.podman import BASE_IMAGE, REDIS_IMAGE, ROOT, Podman, podman_compose_binary
from tests.procs import wait_for

KEYS = Keys()
TOKEN = "container-test-token"
REDIS_PASSWORD = "container-test-redis-password"
OVERRIDE = Path(__file__).with_name("compose.test.yml")
AUTOSAVE_EVERY = 200  # compose.test.yml


def tools() -> str:
    """podman-compose's path; skips (or fails under CI) with what is missing."""
    missing = [t for t in ("podman", "runc", "debootstrap") if shutil.which(t) is None]
    compose = podman_compose_binary()
    if compose is None:
        missing.append("podman-compose (pip install podman-compose==1.6.0, or set CRL_PODMAN_COMPOSE)")
    if missing:
        message = f"container test needs: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must install them: .ci/run)")
        pytest.skip(message)
    assert compose is not None
    return compose


def health(client: redis.Redis, service: str) -> list[Health]:
    keys = sorted(client.scan_iter(match=KEYS.health(service, "*")))
    return [Health.model_validate_json(v) for v in client.mget(keys) if v] if keys else []


def newest(client: redis.Redis, env: str) -> Frame | None:
    rows = client.xrevrange(KEYS.frames(env), count=1)
    return Frame.from_fields(rows[0][1]) if rows else None


def sources(client: redis.Redis, env: str, count: int = 2000) -> set[ActionSource | None]:
    return {Frame.from_fields(f).action_source for _, f in client.xrevrange(KEYS.frames(env), count=count)}


class StepWatch(threading.Thread):
    """Samples env 0's newest step while a service restarts; `longest_stall()` is the longest time it stood still."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.samples: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                frame = newest(self.client, "0")
                if frame is not None:
                    self.samples.append((time.monotonic(), frame.step))
            except redis.RedisError:
                pass
            self.done.wait(0.2)

    def longest_stall(self) -> float:
        longest, since, last = 0.0, self.samples[0][0], self.samples[0][1]
        for t, step in self.samples[1:]:
            if step > last:
                since, last = t, step
            longest = max(longest, t - since)
        return longest


@pytest.mark.containers
@pytest.mark.timeout(2700)
def test_compose_up_scale_restart_down_under_podman(tmp_path: Path, demo_rom: Path) -> None:
    compose = tools()
    redis_port, web_port = free_port(), free_port()
    # outside pytest's 0700 temp tree: the container's unprivileged user must be able to read the ROM
    roms = Path(tempfile.mkdtemp(prefix="crl-roms-"))
    roms.chmod(0o755)
    shutil.copy(demo_rom, roms / "demo.gbc")
    (roms / "demo.gbc").chmod(0o644)
    p = Podman(
        tmp_path / "podman",
        compose,
        project=f"crltest{os.getpid()}",
        files=[ROOT / "docker-compose.yml", OVERRIDE],
        env={
            "CRL_BASE_IMAGE": BASE_IMAGE,
            "CRL_REDIS_IMAGE": REDIS_IMAGE,
            "CRL_DASHBOARD_TOKEN": TOKEN,
            "CRL_REDIS_PASSWORD": REDIS_PASSWORD,
            "CRL_WEB_PORT": str(web_port),
            "CRL_TEST_REDIS_PORT": str(redis_port),
            "CRL_ROM_DIR": str(roms),
            "CRL_ROM": "/roms/demo.gbc",  # the user's-ROM path: a read-only mount from the host
        },
    )
    client = redis.Redis(port=redis_port, password=REDIS_PASSWORD, socket_timeout=2, socket_connect_timeout=2)
    numbers: dict[str, float] = {}
    started = time.monotonic()
    # without CRL_REDIS_PASSWORD the compose file does not start at all, and says what to set
    unset = {k: v for k, v in p.env.items() if k != "CRL_REDIS_PASSWORD"}
    refused = subprocess.run([compose, "-f", str(ROOT / "docker-compose.yml"), "config"], env=unset,
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert refused.returncode != 0 and "set CRL_REDIS_PASSWORD" in refused.stderr, refused.stderr[-2000:]
    try:
        p.ensure_base_image()
        p.build()
        p.compose("up", "-d", "--no-build", what="up")

        # Redis, the model host and the four services come up, and frames flow
        services = ("redis", "model_host", "emulator", "dqn_learner", "llm_planner", "dashboard")
        wait_for(lambda: all(p.running(s) for s in services), 120, 1, what=f"containers {services} running")
        wait_for(lambda: _ping(client), 60, 0.5, what="Redis answering")
        with pytest.raises(redis.AuthenticationError):  # published to the test, and still closed without it
            redis.Redis(port=redis_port, socket_timeout=2).ping()
        wait_for(lambda: all(health(client, s) for s in services[2:]), 180, 1, what="every service's heartbeat")
        first = wait_for(lambda: newest(client, "0"), 60, 0.5, what="a frame")
        wait_for(lambda: (f := newest(client, "0")) and f.step > first.step + 100, 60, 0.5, what="frames flowing")
        wait_for(lambda: {ActionSource.DQN, ActionSource.LLM} <= sources(client, "0"), 300, 1,
                 what="DQN actions and SmolLM2's plans (the model host's container) played")  # fmt: skip
        numbers["up_to_playing_s"] = round(time.monotonic() - started, 1)

        # the dashboard answers on its published port, behind its token
        import httpx

        url = f"http://127.0.0.1:{web_port}/api/services"
        answer = wait_for(lambda: _get(url, TOKEN), 60, 1, what="the dashboard answering")
        assert {"emulator", "dqn_learner", "llm_planner"} <= {s["service"] for s in answer.json()}
        assert httpx.get(url, timeout=5).status_code == 401
        # every image's health check passes (crystal-rl status --service X inside the container; the model host's
        # asks its server for its models)
        for service in services[1:]:
            (container,) = p.running(service)
            wait_for(lambda c=container: p.healthy(c), 60, 2, what=f"{container} healthy")

        # --scale emulator=2: two games feeding one learner, ids claimed without collision
        p.compose("up", "-d", "--no-build", "--scale", "emulator=2", what="scale")
        wait_for(lambda: len(p.running("emulator")) == 2, 60, 1, what="two emulator containers")
        wait_for(lambda: {h.instance for h in health(client, "emulator")} == {"env0", "env1"}, 120, 1,
                 what="heartbeats of env0 and env1")  # fmt: skip
        hosts = {h.host for h in health(client, "emulator")}
        assert len(hosts) == 2, hosts
        wait_for(lambda: (f := newest(client, "1")) and f.step > 100, 120, 1, what="frames of env 1")
        wait_for(lambda: _entries_read(client, KEYS.frames("1")) > 100, 120, 1, what="the learner reading env 1")
        learners = health(client, "dqn_learner")
        assert len(learners) == 1
        for container in p.running("emulator"):
            wait_for(lambda c=container: p.healthy(c), 90, 2, what=f"{container} healthy")

        # restart of the learner: the game goes on
        (learner,) = health(client, "dqn_learner")
        watch = StepWatch(client)
        watch.start()
        t0 = time.monotonic()
        p.compose("restart", "dqn_learner", what="restart_learner")
        back = wait_for(lambda: [h for h in health(client, "dqn_learner") if h.started_at > learner.started_at],
                        120, 0.5, what="the learner back")  # fmt: skip
        numbers["learner_back_s"] = round(time.monotonic() - t0, 1)
        time.sleep(2)
        watch.done.set()
        watch.join()
        numbers["env0_longest_stall_during_learner_restart_s"] = round(watch.longest_stall(), 2)
        assert watch.longest_stall() < 5.0 and back
        assert watch.samples[-1][1] > watch.samples[0][1] + 50

        # restart of the emulators: the same games resume from their save states
        before = {env: newest(client, env) for env in ("0", "1")}
        t0, wall = time.monotonic(), time.time()

        def restarted() -> set[str]:
            fresh = {h.instance for h in health(client, "emulator") if h.started_at > wall}
            playing = all((f := newest(client, e)) and f.ts > wall + 1 for e in ("0", "1"))
            return fresh if playing and len(fresh) == 2 else set()

        p.compose("restart", "emulator", what="restart_emulators")
        # podman-compose 1.6.0 restarts only the replicas the file declares (one); the scaled one by hand
        extra = [c for c in p.running("emulator") if not c.endswith("_1")]
        p.podman("restart", *extra, what="restart_scaled_emulator")
        assert wait_for(restarted, 120, 0.5, what="both envs playing again") == {"env0", "env1"}
        numbers["emulators_back_s"] = round(time.monotonic() - t0, 1)
        for env, frame in before.items():
            now = newest(client, env)
            assert frame is not None and now is not None
            assert now.step >= frame.step - AUTOSAVE_EVERY, f"env {env} went back to {now.step} from {frame.step}"
        assert len(p.running("emulator")) == 2 and len(health(client, "dqn_learner")) == 1
    finally:
        client.close()
        for container in p.containers(all_states=True):
            logs = p.podman("logs", "--tail", "40", container, check=False)
            (p.workdir / f"{container}.log").write_text(logs.stdout + logs.stderr)
        # podman-compose 1.6.0 neither scales down nor stops a scaled replica before the services it depends on
        # (Docker Compose does both): without this, the replica outlives Redis, waits out its stop timeout, and
        # keeps Redis's container, hence its volume, from being removed. So the replicas go first, by hand.
        extra = [c for c in p.containers(all_states=True) if re.fullmatch(rf"{p.project}_\w+_([2-9]|\d\d+)", c)]
        if extra:
            p.podman("rm", "-f", "-t", "30", *extra, check=False, what="remove_scaled_replicas")
        down = p.compose("down", "--remove-orphans", "-v", check=False, timeout=300, what="down")
        left = p.leftovers()
        numbers["total_s"] = round(time.monotonic() - started, 1)
        shutil.rmtree(roms, ignore_errors=True)
        print(f"\ncontainer test numbers: {numbers}; podman timings: {p.timings}")
    assert down.returncode == 0, down.stderr[-2000:]
    assert left == {}, f"left behind after down --remove-orphans -v: {left}"


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _get(url: str, token: str) -> object:
    import httpx

    try:
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    except httpx.HTTPError:
        return None
    return response if response.status_code == 200 else None


def _entries_read(client: redis.Redis, stream: str) -> int:
    groups = {g["name"]: g for g in client.xinfo_groups(stream)} if client.exists(stream) else {}
    group = groups.get(b"learner")
    return int(group["entries-read"] or 0) if group else 0
