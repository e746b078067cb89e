"""Where the browser tests find Chromium, and `make test`'s one-time install of one when there is none.

Looked for in this order: `CRL_CHROMIUM` (a path), the usual names on the PATH, the usual install
paths, then Playwright's own download (`python -m playwright install chromium` puts it under
`PLAYWRIGHT_BROWSERS_PATH`, else `~/.cache/ms-playwright`). Once that download is there, it is
found, so `make test` installs it only once. Where Playwright's download cannot be had (no route to
its CDN) and `make test` runs as root with apt, Debian's `chromium` is installed instead, as
`playwright install --with-deps` installs its own dependencies. With neither, one line says the two
ways to get a browser, and the browser tests are reported as not run with that reason (under CI,
`CI=true`, they fail instead). Run as a script (`python tests/chromium.py`) it is that step of
`make test`; it needs nothing but the standard library.
"""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ENV_VAR = "CRL_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/opt/google/chrome/chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
PLAYWRIGHT_BINARIES = (
    "chromium-*/chrome-linux/chrome",
    "chromium-*/chrome-linux64/chrome",
    "chromium-*/chrome-mac/Chromium.app/Contents/MacOS/Chromium",
    "chromium-*/chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
)
INSTALL = (sys.executable, "-m", "playwright", "install", "chromium")
APT_INSTALL: tuple[tuple[str, ...], ...] = (
    ("apt-get", "update"),
    ("apt-get", "install", "-y", "--no-install-recommends", "chromium"),
)
"""What `playwright install --with-deps` runs for its own dependencies, for Debian's Chromium instead."""
NO_BROWSER = (
    f"no Chromium for the browser tests: install Debian's (apt-get install chromium) or Playwright's "
    f"(python -m playwright install chromium), or name one in {ENV_VAR}"
)


def _run(command: Sequence[str]) -> int:
    return subprocess.run(command, check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode


def root_with_apt() -> bool:
    """This process may install Debian packages itself: root, with apt-get on the PATH."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def under_ci(env: Mapping[str, str] = os.environ) -> bool:
    """CI sets `CI=true`: there a missing browser is a failure, not a test left out."""
    return env.get("CI", "").lower() in ("true", "1", "yes")


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def playwright_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where `playwright install` puts browsers."""
    if env.get("PLAYWRIGHT_BROWSERS_PATH") not in (None, "", "0"):
        return Path(env["PLAYWRIGHT_BROWSERS_PATH"])
    home = Path(env.get("HOME", str(Path.home())))
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ms-playwright"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "ms-playwright"


def _revision(path: Path, root: Path) -> int:
    match = re.match(r"chromium-(\d+)", path.relative_to(root).parts[0])
    return int(match.group(1)) if match else -1


def find_chromium(
    env: Mapping[str, str] = os.environ,
    system_paths: Sequence[str] = SYSTEM_PATHS,
    which: Callable[[str], str | None] = shutil.which,
) -> Path | None:
    """The Chromium to run, or None when there is none anywhere it is usually put."""
    given = env.get(ENV_VAR)
    if given:
        return Path(given) if _runnable(Path(given)) else None  # a wrong setting is not papered over
    for name in NAMES:
        found = which(name)
        if found:
            return Path(found)
    for path in map(Path, system_paths):
        if _runnable(path):
            return path
    root = playwright_dir(env)
    downloaded = [p for pattern in PLAYWRIGHT_BINARIES for p in root.glob(pattern) if _runnable(p)]
    return max(downloaded, key=lambda p: _revision(p, root)) if downloaded else None


def ensure_chromium(
    find: Callable[[], Path | None] = find_chromium,
    install: Callable[[Sequence[str]], int] = _run,
    say: Callable[[str], None] = print,
    can_apt: Callable[[], bool] = root_with_apt,
) -> Path | None:
    """Chromium for the browser tests: the one found, else Playwright's own, installed now, else (as root with apt)
    Debian's; each said. None, with the one line `NO_BROWSER`, when none could be had."""
    found = find()
    if found is not None:
        return found
    say(f"no Chromium at the usual paths: installing Playwright's own, once ({' '.join(INSTALL[1:])}) ...")
    code = install(INSTALL)
    found = find()
    if code == 0 and found is not None:
        say(f"installed Chromium at {found}")
        return found
    say(_not_found("Playwright's Chromium", code))
    if can_apt():
        say("installing Debian's chromium instead (apt-get, as playwright install --with-deps does for its own) ...")
        for command in APT_INSTALL:
            code = install(command)
            if code != 0:
                break
        found = find()
        if code == 0 and found is not None:
            say(f"installed Chromium at {found}")
            return found
        say(_not_found("Debian's chromium", code))
    say(NO_BROWSER + ": the browser tests are reported as not run" + (", and fail under CI" if under_ci() else ""))
    return None


def _not_found(what: str, code: int) -> str:
    if code:
        return f"could not install {what} (exit {code})"
    return f"installed {what}, but it is not where the tests look ({ENV_VAR}={os.environ.get(ENV_VAR, '')!r}?)"


if __name__ == "__main__":
    ensure_chromium()
