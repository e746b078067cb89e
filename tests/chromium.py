"""Where the browser tests find Chromium, and `make test`'s one-time install of Playwright's own when there is none.

Looked for in this order: `CRL_CHROMIUM` (a path), the usual names on the PATH, the usual install
paths, then Playwright's own download (`python -m playwright install chromium` puts it under
`PLAYWRIGHT_BROWSERS_PATH`, else `~/.cache/ms-playwright`). Once that download is there, it is
found, so `make test` installs it only once. Run as a script (`python tests/chromium.py`) it is
that step of `make test`; it needs nothing but the standard library.
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
    install: Callable[[Sequence[str]], int] = lambda command: subprocess.run(command, check=False).returncode,
    say: Callable[[str], None] = print,
) -> Path | None:
    """Chromium for the browser tests: the one found, else Playwright's own, installed now (and said so)."""
    found = find()
    if found is not None:
        return found
    say(f"no Chromium at the usual paths: installing Playwright's own, once ({' '.join(INSTALL[1:])}) ...")
    code = install(INSTALL)
    found = find()
    if code != 0 or found is None:
        say(
            f"could not install Playwright's Chromium (exit {code}): the browser tests will fail until a Chromium "
            f"is installed (Debian: apt-get install chromium) or {ENV_VAR} names one"
        )
        return None
    say(f"installed Chromium at {found}")
    return found


if __name__ == "__main__":
    ensure_chromium()
