"""``python -m cartridge [--world NAME] [--force] [--build-dir DIR] [--list]``: build a world's ROM, print its path."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cartridge.build import ensure_built
from cartridge.errors import CartridgeError
from cartridge.worlds import DEFAULT_WORLD, WORLDS


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m cartridge", description=__doc__)
    parser.add_argument(
        "--world", default=DEFAULT_WORLD, help=f"which world to build: {', '.join(WORLDS)} (default: {DEFAULT_WORLD})"
    )
    parser.add_argument("--list", action="store_true", help="name the worlds, one line each, and exit")
    parser.add_argument("--force", action="store_true", help="rebuild even if the sources are unchanged")
    parser.add_argument("--build-dir", type=Path, default=None, help="output directory (default: build/)")
    args = parser.parse_args(argv)
    if args.list:
        width = max(len(name) for name in WORLDS)
        for world in WORLDS.values():
            print(f"{world.name:<{width}}  {world.rom_name:<16} {world.summary}")
        return 0
    logging.basicConfig(level=logging.WARNING)
    try:
        path = ensure_built(args.build_dir, force=args.force, world=args.world)
    except CartridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
