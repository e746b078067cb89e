"""Build llama-cpp-python's wheel once for this machine's CPU, into a cache that outlives checkouts and venvs.

`make setup` runs it. llama-cpp-python is published as source only: pip would compile llama.cpp (minutes on
two cores) on every fresh venv. The wheel is built once and kept under
`~/.cache/crystal-rl/wheels/<key>/`, where the key names the instructions the build uses, so a cache shared
between machines (a home directory, a CI cache) never hands a wheel to a CPU that lacks them:

- x86-64 with AVX2, FMA and F16C: the generic build (`-DGGML_NATIVE=OFF`: AVX2 and FMA, no AVX-512), key
  `x86_64-avx2`. Measured on SmolLM2-135M on a 2-core AVX-512 machine, it evaluates prompts and writes
  tokens as fast as the build for that CPU (163 against 158 prompt tokens/s and 74 against 73 generated
  tokens/s on one thread; README, "The embedded model"), and it runs on any AVX2 machine.
- anything else: the build for this CPU (`-DGGML_NATIVE=ON`), key `<arch>-native-<hash of the CPU's flags>`:
  used again only on a CPU with the same flags.

Prints the wheel's folder on stdout, and on stderr a line saying what it builds and why, then how long it took;
exits 1 when the build fails (no C++ compiler), with the reason. `--find` only looks (the container test).
"""

import hashlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

VERSION = "0.3.36"
GENERIC_NEEDS = {"avx", "avx2", "fma", "f16c"}


def cpu_flags() -> set[str]:
    """The CPU's instruction-set flags (`flags` on x86, `Features` on ARM), from /proc/cpuinfo."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def build_for(flags: set[str], arch: str) -> tuple[str, str, str]:
    """(cache key, CMAKE_ARGS, why) for a CPU with `flags` on `arch`."""
    if arch in ("x86_64", "AMD64") and flags >= GENERIC_NEEDS:
        return "x86_64-avx2", "-DGGML_NATIVE=OFF", "the generic AVX2 build, as fast here as one for this CPU"
    digest = hashlib.sha256(" ".join(sorted(flags)).encode()).hexdigest()[:12]
    return f"{arch}-native-{digest}", "-DGGML_NATIVE=ON", "built for this CPU (no AVX2 generic build fits it)"


def main(wheels: Path, find_only: bool = False) -> int:
    key, cmake_args, why = build_for(cpu_flags(), platform.machine())
    folder = wheels / f"llama-cpp-python-{VERSION}-{key}"
    if list(folder.glob(f"llama_cpp_python-{VERSION}-*.whl")):
        print(folder)
        return 0
    if find_only:
        return 1
    print(f"building llama-cpp-python {VERSION} once into {folder} ({why}; a few minutes on 2 cores) ...",
          file=sys.stderr, flush=True)  # fmt: skip
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-cache-dir",
         "-w", str(folder), f"llama-cpp-python=={VERSION}"],
        env={**os.environ, "CMAKE_ARGS": cmake_args}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    minutes = (time.monotonic() - started) / 60
    if result.returncode != 0:
        tail = " | ".join(line.strip() for line in result.stderr.strip().splitlines()[-3:])
        print(f"llama-cpp-python could not be built ({minutes:.1f} min): {tail}", file=sys.stderr)
        return 1
    print(f"built llama-cpp-python {VERSION} ({key}) in {minutes:.1f} min", file=sys.stderr)
    print(folder)
    return 0


if __name__ == "__main__":
    # usage: llama_wheel.py [--find] WHEELS_DIR   (prints the folder of this CPU's wheel; --find: never builds)
    arguments = sys.argv[1:]
    sys.exit(main(Path(arguments[-1]), find_only="--find" in arguments))
