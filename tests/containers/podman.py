"""Running the project's Dockerfile and compose files under podman, with the recipe measured on these machines.

No Docker engine and no image registry here, so: runc with podman's default ulimits emptied
(crun fails on hybrid cgroups), a Debian base image made with debootstrap and imported once
(reused while it exists), the proxy's CA and pip's local wheel folder mounted into the build
(never copied into an image), podman-compose 1.6.0 (Debian's 1.0.3 ignores `--scale`).
"""

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/debian:bookworm"
REDIS_IMAGE = "localhost/crystal-rl/redis:latest"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
WHEELS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crystal-rl" / "wheels"
"""Where `make setup` keeps llama-cpp-python's wheel (the Makefile's WHEELS)."""
CONTAINERS_CONF = """[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
"""


def podman_compose_binary() -> str | None:
    """`CRL_PODMAN_COMPOSE`, else `podman-compose` on PATH or next to this Python (.venv)."""
    candidates = [os.environ.get("CRL_PODMAN_COMPOSE"), shutil.which("podman-compose"),
                  str(Path(sys.executable).with_name("podman-compose"))]  # fmt: skip
    return next((c for c in candidates if c and Path(c).is_file()), None)


def llama_wheels() -> Path | None:
    """The folder of llama-cpp-python's wheel that `make setup` built for this CPU (`tools/llama_wheel.py`), if any."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "llama_wheel.py"), "--find", str(WHEELS)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    folder = Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None
    return folder if folder is not None and folder.is_dir() else None


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (the base image's packages come from the same place)."""
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        try:
            text = path.read_text()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.MULTILINE) or re.search(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s", text, re.MULTILINE
        )
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


@dataclass
class Podman:
    """podman and podman-compose with the machine's settings, logging every command to `log`."""

    workdir: Path
    compose_binary: str
    project: str
    files: list[Path]
    env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "containers.conf"
        conf.write_text(CONTAINERS_CONF)
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf), **self.env}
        self.log = self.workdir / "podman.log"

    def run(
        self, *args: str, timeout: float = 600, check: bool = True, what: str = ""
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        with open(self.log, "a") as log:
            log.write(f"\n$ {' '.join(args)}\n")
            result = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False)
            log.write(result.stdout[-20_000:] + result.stderr[-20_000:])
        if what:
            self.timings[what] = round(time.monotonic() - started, 1)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args[:4])} ... exited {result.returncode}: {result.stderr[-3000:]}")
        return result

    def podman(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args, **kw)  # type: ignore[arg-type]

    def compose(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        files = [a for f in self.files for a in ("-f", str(f))]
        return self.run(self.compose_binary, "-p", self.project, *files, *args, **kw)  # type: ignore[arg-type]

    # -- images -----------------------------------------------------------------------------------

    def ensure_base_image(self) -> None:
        """A Debian bookworm image from debootstrap, imported once; reused while it exists."""
        if self.podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
            self.timings["base_image"] = 0.0
            return
        started = time.monotonic()
        rootfs = self.workdir / "rootfs"
        self.run("debootstrap", "--variant=minbase", "bookworm", str(rootfs), debian_mirror(), timeout=900)
        for source in Path("/etc/apt/sources.list.d").glob("*"):
            shutil.copy(source, rootfs / "etc/apt/sources.list.d" / source.name)
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["podman", "import", "--change", 'CMD ["/bin/bash"]', "-", BASE_IMAGE],
            stdin=tar.stdout, env=self.env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        tar.wait()
        shutil.rmtree(rootfs, ignore_errors=True)
        assert imported.returncode == 0, imported.stderr
        self.timings["base_image"] = round(time.monotonic() - started, 1)

    def build_args(self) -> list[str]:
        """Build options: host network (podman-compose ignores `build: network:`), the docker format (it keeps
        HEALTHCHECK), the proxy's CA and pip's local wheels mounted for the build only."""
        args = ["--format", "docker", "--network", "host"]
        if HOST_CA.is_file():
            args += ["-v", f"{HOST_CA}:/run/host-ca.crt:ro", "--build-arg", "PIP_CERT=/run/host-ca.crt"]
        links = os.environ.get("PIP_FIND_LINKS", "")
        if links and Path(links).is_dir():
            args += ["-v", f"{links}:/opt/wheels:ro", "--build-arg", "PIP_FIND_LINKS=/opt/wheels"]
        llama = llama_wheels()
        if llama is not None:  # the model host's image installs the wheel `make setup` built instead of building it
            args += ["-v", f"{llama}:/opt/llama-wheels:ro", "--build-arg", "LLAMA_FIND_LINKS=/opt/llama-wheels"]
        return args

    def build(self) -> None:
        """The Redis image from the same Dockerfile (no registry), then every service through the compose file."""
        self.podman("build", *self.build_args(), "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "--target", "redis",
                    "-t", REDIS_IMAGE, str(ROOT), timeout=1200, what="build_redis")  # fmt: skip
        self.compose("--podman-build-args", " ".join(self.build_args()), "build", timeout=2400, what="build_services")

    # -- looking at containers ----------------------------------------------------------------------

    def containers(self, all_states: bool = False) -> list[str]:
        args = ["ps", "--format", "{{.Names}}", "--filter", f"label=io.podman.compose.project={self.project}"]
        out = self.podman(*args, *(["-a"] if all_states else [])).stdout
        return sorted(line for line in out.splitlines() if line.strip())

    def running(self, service: str) -> list[str]:
        return [c for c in self.containers() if re.fullmatch(rf"{self.project}_{service}_\d+", c)]

    def healthy(self, container: str) -> bool:
        """Runs the image's HEALTHCHECK (`crystal-rl status --service X`) once, inside the container."""
        return self.podman("healthcheck", "run", container, check=False, timeout=60).returncode == 0

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, volumes and networks of this project still present."""
        label = f"label=io.podman.compose.project={self.project}"
        found = {
            "containers": self.podman("ps", "-a", "--format", "{{.Names}}", "--filter", label).stdout.split(),
            "volumes": [v for v in self.podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
                        if v.startswith(f"{self.project}_")],
            "networks": [n for n in self.podman("network", "ls", "--format", "{{.Name}}").stdout.split()
                         if n.startswith(f"{self.project}_")],
        }  # fmt: skip
        return {k: v for k, v in found.items() if v}
