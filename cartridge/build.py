"""Build the demo cartridge on demand.

Services and tests call :func:`ensure_built` instead of shipping a ROM file: the ROM is a
build product of this package, rebuilt only when the package's source changes (a hash of
the source files, sub-packages included, is stored next to it), and written atomically so a
concurrent reader never sees half a ROM. Each world (``worlds.py``) has its own ROM file and stamp.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from cartridge.errors import RomError
from cartridge.worlds import DEFAULT_WORLD, get_world

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
ROM_NAME = get_world(DEFAULT_WORLD).rom_name
STAMP_SUFFIX = ".sha256"
BUILD_DIR_ENV = "CRL_BUILD_DIR"


def default_build_dir() -> Path:
    """``$CRL_BUILD_DIR`` if set, else ``<repo root>/build``."""
    override = os.environ.get(BUILD_DIR_ENV)
    return Path(override) if override else REPO_ROOT / "build"


def source_hash() -> str:
    """SHA-256 over the package's Python sources (path and content), the rebuild trigger."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def build_rom_bytes(world: str = DEFAULT_WORLD) -> bytes:
    """Assemble ``world``'s game and lay out its ROM image (no file I/O)."""
    return get_world(world).build()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_built(build_dir: Path | None = None, force: bool = False, world: str = DEFAULT_WORLD) -> Path:
    """Return the path of ``world``'s ROM (``demo.gbc`` for the tiny one), building it first if missing, stale or
    ``force``d. An unknown world is a :class:`CartridgeError` naming the known ones."""
    rom_name = get_world(world).rom_name
    directory = Path(build_dir) if build_dir is not None else default_build_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RomError(f"cannot create the build directory {directory}: {exc}") from exc
    rom_path = directory / rom_name
    stamp_path = directory / (rom_name + STAMP_SUFFIX)
    wanted = source_hash()
    if (
        not force
        and rom_path.is_file()
        and stamp_path.is_file()
        and stamp_path.read_text(encoding="ascii").strip() == wanted
    ):
        return rom_path
    logger.info("building the demo cartridge's %s world into %s", world, rom_path)
    _write_atomic(rom_path, build_rom_bytes(world))
    _write_atomic(stamp_path, (wanted + "\n").encode("ascii"))
    return rom_path
