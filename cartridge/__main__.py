"""``python -m cartridge [--force] [--build-dir DIR]``: build the demo ROM and print its path."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cartridge.build import ensure_built
from cartridge.errors import CartridgeError


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m cartridge", description=__doc__)
    parser.add_argument("--force", action="store_true", help="rebuild even if the sources are unchanged")
    parser.add_argument("--build-dir", type=Path, default=None, help="output directory (default: build/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        path = ensure_built(args.build_dir, force=args.force)
    except CartridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
