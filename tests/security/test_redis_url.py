"""Redis URLs with passwords: how one gets in (the URL, CRL_REDIS_PASSWORD) and how it never gets out."""

import json
from pathlib import Path

import pytest

from shared.redis_server import LocalRedis, Reach, ServerBinary, probe, refused_message, server_name
from shared.redis_url import check_url, has_password, redact, with_password
from shared.settings import CommonSettings

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"redis://:{SECRET}@host:6379/0", "redis://:***@host:6379/0"),
        (f"rediss://user:{SECRET}@host:6380/1?ssl_ca_certs=/etc/crl/ca.crt", "rediss://user:***@host:6380/1?ssl_ca_certs=/etc/crl/ca.crt"),
        (f"redis://host:6379/0?password={SECRET}", "redis://host:6379/0?password=***"),
        (f"unix:///run/redis.sock?db=0&password={SECRET}", "unix:///run/redis.sock?db=0&password=***"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://user@host:6379/0", "redis://user@host:6379/0"),
    ],
)  # fmt: skip
def test_redact_hides_the_password_wherever_the_url_carries_it(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert SECRET not in redact(url)


def test_a_password_with_url_characters_goes_in_quoted_and_comes_out_whole(
    tmp_path: Path, redis_binary: ServerBinary
) -> None:
    password = 'p@ss:w/rd "x" \\ y'
    url = with_password("redis://127.0.0.1:6379/0", password)
    assert has_password(url) and redact(url) == "redis://:***@127.0.0.1:6379/0"
    with LocalRedis(
        tmp_path / "redis", password=password, server=redis_binary
    ) as server:  # the server gets it through its config
        assert probe(with_password(f"redis://127.0.0.1:{server.port}/0", password))[0] is Reach.OK
        assert probe(f"redis://127.0.0.1:{server.port}/0")[0] is Reach.REFUSED


def test_the_url_s_own_password_wins_over_crl_redis_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRL_REDIS_PASSWORD", SECRET)
    monkeypatch.setenv("CRL_REDIS_URL", "redis://redis:6379/0")
    assert CommonSettings().redis_url == f"redis://:{SECRET}@redis:6379/0"
    monkeypatch.setenv("CRL_REDIS_URL", "rediss://:other@redis:6380/0")
    assert CommonSettings().redis_url == "rediss://:other@redis:6380/0"
    monkeypatch.delenv("CRL_REDIS_PASSWORD")
    monkeypatch.setenv("CRL_REDIS_URL", "redis://redis:6379/0")
    assert CommonSettings().redis_url == "redis://redis:6379/0"


def test_a_dump_of_the_settings_shows_neither_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The learner writes its settings as hyperparameters (stats.json, TensorBoard)."""
    monkeypatch.setenv("CRL_REDIS_PASSWORD", SECRET)
    settings = CommonSettings(redis_url="redis://redis:6379/0")
    assert SECRET in settings.redis_url  # what the clients are built from
    for dump in (json.dumps(settings.model_dump(mode="json")), settings.model_dump_json(), repr(settings)):
        assert SECRET not in dump, dump
    assert settings.model_dump(mode="json")["redis_url"] == "redis://:***@redis:6379/0"


def test_a_url_that_is_not_redis_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(ValueError, match="not a Redis URL") as info:
        check_url(f"http://:{SECRET}@host:6379/0")
    assert SECRET not in str(info.value)
    assert "redis://[:PASSWORD@]HOST:PORT/DB" in str(info.value)


def test_the_refusal_says_which_redis_and_what_to_do_without_the_password() -> None:
    wrong = refused_message(f"redis://:{SECRET}@host:6379/0", "WRONGPASS invalid username-password pair")
    assert SECRET not in wrong and "redis://:***@host:6379/0" in wrong and "wrong" in wrong
    assert "CRL_REDIS_PASSWORD" in wrong
    missing = refused_message("redis://host:6379/0", "Authentication required.")
    assert "needs a password and none was given" in missing


def test_server_name_tells_valkey_from_redis() -> None:
    assert server_name({"server_name": "valkey", "valkey_version": "8.1.8", "redis_version": "7.2.4"}) == "valkey 8.1.8"
    assert server_name({"redis_version": "7.0.15"}) == "redis 7.0.15"


def test_the_password_is_not_on_the_server_s_command_line(tmp_path: Path, redis_binary: ServerBinary) -> None:
    with LocalRedis(tmp_path / "redis", password=SECRET, server=redis_binary) as server:
        assert server.process is not None
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        assert SECRET.encode() not in cmdline
        assert b"127.0.0.1" in cmdline  # it binds to loopback only
