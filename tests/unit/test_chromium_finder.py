"""How the browser tests find Chromium, and when `make test` installs Playwright's own (the download itself cannot
run here: the installer is handed in, the finding is real, on real files)."""

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.chromium import APT_INSTALL, INSTALL, NO_BROWSER, ensure_chromium, find_chromium, playwright_dir, under_ci

ROOT = Path(__file__).resolve().parents[2]


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def nothing_on_path(name: str) -> None:
    return None


def test_the_variable_wins_and_a_wrong_one_is_not_papered_over(tmp_path: Path) -> None:
    mine = executable(tmp_path / "my-chrome")
    system = executable(tmp_path / "usr" / "bin" / "chromium")
    assert find_chromium({"CRL_CHROMIUM": str(mine)}, [str(system)], nothing_on_path) == mine
    assert find_chromium({"CRL_CHROMIUM": str(tmp_path / "missing")}, [str(system)], nothing_on_path) is None


def test_the_path_then_the_usual_install_paths(tmp_path: Path) -> None:
    on_path = executable(tmp_path / "bin" / "chromium-browser")
    system = executable(tmp_path / "usr" / "bin" / "chromium")
    env = {"HOME": str(tmp_path / "home")}
    which = {"chromium-browser": str(on_path)}.get
    assert find_chromium(env, [str(system)], which) == on_path
    assert find_chromium(env, [str(tmp_path / "absent"), str(system)], nothing_on_path) == system
    not_runnable = tmp_path / "usr" / "bin" / "chromium-text"
    not_runnable.write_text("")
    assert find_chromium(env, [str(not_runnable)], nothing_on_path) is None


def test_playwright_s_own_download_is_found_newest_first(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path / "home")}
    root = playwright_dir(env)
    assert root == tmp_path / "home" / ".cache" / "ms-playwright"
    assert find_chromium(env, [], nothing_on_path) is None
    executable(root / "chromium-1100" / "chrome-linux" / "chrome")
    newest = executable(root / "chromium-1187" / "chrome-linux" / "chrome")
    executable(root / "chromium_headless_shell-1187" / "chrome-linux" / "headless_shell")
    assert find_chromium(env, [], nothing_on_path) == newest
    moved = {"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "browsers"), "HOME": env["HOME"]}
    assert find_chromium(moved, [], nothing_on_path) is None
    elsewhere = executable(tmp_path / "browsers" / "chromium-1200" / "chrome-linux64" / "chrome")
    assert find_chromium(moved, [], nothing_on_path) == elsewhere


def test_make_test_installs_playwright_s_chromium_only_when_none_is_found_and_says_so(tmp_path: Path) -> None:
    said: list[str] = []
    commands: list[Sequence[str]] = []
    present = tmp_path / "chrome"

    def install(command: Sequence[str]) -> int:
        commands.append(command)
        executable(present)
        return 0

    def find() -> Path | None:
        return present if present.exists() else None

    assert ensure_chromium(find, install, said.append) == present
    assert commands == [INSTALL] and INSTALL[1:] == ("-m", "playwright", "install", "chromium")
    assert said[0].startswith("no Chromium at the usual paths: installing Playwright's own, once")
    assert said[-1] == f"installed Chromium at {present}"
    # the next `make test` finds it and installs nothing
    said.clear()
    assert ensure_chromium(find, install, said.append) == present
    assert len(commands) == 1 and said == []


def test_without_a_download_or_apt_one_line_names_the_two_ways_and_make_test_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    said: list[str] = []
    commands: list[Sequence[str]] = []
    assert (
        ensure_chromium(lambda: None, lambda command: commands.append(command) or 1, said.append, lambda: False) is None
    )
    assert commands == [INSTALL]  # no apt-get without root
    assert "could not install Playwright's Chromium (exit 1)" in said[-2]
    assert said[-1].startswith(NO_BROWSER) and said[-1].endswith("the browser tests are reported as not run")
    assert "apt-get install chromium" in NO_BROWSER and "python -m playwright install chromium" in NO_BROWSER


def test_as_root_with_apt_debian_s_chromium_is_installed_when_playwright_s_cannot_be(tmp_path: Path) -> None:
    """What `playwright install --with-deps` does for its own dependencies, for the browser itself."""
    said: list[str] = []
    commands: list[Sequence[str]] = []
    debian = tmp_path / "usr" / "bin" / "chromium"

    def install(command: Sequence[str]) -> int:
        commands.append(command)
        if command[0] != "apt-get":
            return 1  # no route to Playwright's CDN
        if "install" in command:
            executable(debian)
        return 0

    found = ensure_chromium(lambda: debian if debian.exists() else None, install, said.append, lambda: True)
    assert found == debian
    assert commands == [INSTALL, *APT_INSTALL]
    assert APT_INSTALL[-1] == ("apt-get", "install", "-y", "--no-install-recommends", "chromium")
    assert said[-1] == f"installed Chromium at {debian}"


def test_under_ci_a_missing_browser_is_a_failure_and_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    said: list[str] = []
    assert ensure_chromium(lambda: None, lambda command: 1, said.append, lambda: False) is None
    assert said[-1].endswith("reported as not run, and fail under CI") and under_ci()


def test_the_script_make_test_runs_finds_this_machine_s_chromium_without_installing(tmp_path: Path) -> None:
    """On a machine with a system Chromium (this one, CI) the step says nothing and exits 0."""
    env = {k: v for k, v in os.environ.items() if k != "CRL_CHROMIUM"}
    if find_chromium(env) is None:
        pytest.skip("no Chromium on this machine yet: the script would download one (make test runs it first)")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "chromium.py")], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout, result.stdout
