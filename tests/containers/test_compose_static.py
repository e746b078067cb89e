"""The compose files and the Dockerfile, checked without running them.

Valid against the Compose Specification's JSON schema (`compose-spec.json`, copied from the
compose-spec repository, schema/compose-spec.json at 170098ba07d9, Apache-2.0); every service's
command is a real entry point of the package with flags it knows; every `CRL_*` variable a
service sets is one of its settings and its value (defaults filled in) validates; the Dockerfile
has every target the compose file builds, each with the same command and a health check that
probes that service.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic_settings import BaseSettings

from crystal_rl.model_host import MODEL_FILE, EmbeddedHost
from services.dashboard.settings import DashboardSettings
from services.dqn_learner.evaluate import EvalSettings
from services.dqn_learner.settings import LearnerSettings
from services.emulator.settings import EmulatorSettings
from services.llm_planner.settings import PlannerSettings
from shared.settings import CommonSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
GPU = ROOT / "docker-compose.gpu.yml"
SCHEMA = jsonschema.Draft7Validator(json.loads((Path(__file__).with_name("compose-spec.json")).read_text()))
"""The schema says draft-07 (by a URL jsonschema does not know by that spelling), so the validator is named."""
SETTINGS: dict[str, type[CommonSettings]] = {
    "services.emulator": EmulatorSettings,
    "services.llm_planner": PlannerSettings,
    "services.dqn_learner": LearnerSettings,
    "services.dashboard": DashboardSettings,
}
OURS = ("emulator", "llm_planner", "dqn_learner", "dashboard")
CHILDREN: dict[str, type[CommonSettings]] = {"services.dqn_learner": EvalSettings}
"""Settings of a service's own subprocesses, which read its environment too (the learner's evaluations)."""
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` with nothing set (what a fresh `docker compose up` sees); `:?` gets a value."""
    return VARIABLE.sub(lambda m: m.group("arg") if m.group("op") in (":-", "-") else "set-by-user", value)


def merged(*docs: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge of override files: mappings merged key by key, everything else replaced."""
    out: dict[str, Any] = {}
    for doc in docs:
        out = _merge(out, doc)
    return out


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a[k], b[k]) if k in a and k in b else (b[k] if k in b else a[k]) for k in {*a, *b}}
    return b


def dockerfile_stages() -> dict[str, list[str]]:
    """Each stage's name and its instruction lines (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if m:
            current = stages.setdefault(m.group(1), [])
        current.append(line)
    return stages


@pytest.mark.parametrize("files", [(COMPOSE,), (GPU,), (COMPOSE, GPU)], ids=["base", "gpu", "base+gpu"])
def test_valid_against_the_compose_specification(files: tuple[Path, ...]) -> None:
    doc = merged(*(load(f) for f in files))
    SCHEMA.validate(doc)


def test_the_schema_rejects_what_compose_rejects() -> None:
    """The validation is real: a misspelled key or a wrong type fails it."""
    doc = load(COMPOSE)
    doc["services"]["emulator"]["restart_policy"] = "always"
    with pytest.raises(jsonschema.ValidationError):
        SCHEMA.validate(doc)
    doc = load(COMPOSE)
    doc["services"]["redis"]["healthcheck"]["intervall"] = "5s"
    with pytest.raises(jsonschema.ValidationError):
        SCHEMA.validate(doc)


@pytest.mark.parametrize("service", OURS)
def test_command_is_a_real_entry_point_with_known_flags(service: str) -> None:
    command = load(COMPOSE)["services"][service]["command"]
    assert command[:2] == ["python", "-m"], command
    module = command[2]
    assert module in SETTINGS
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    for flag in (a for a in command[3:] if a.startswith("--")):
        assert re.search(rf"{re.escape(flag)}\b", result.stdout), f"{module} has no flag {flag}"
    # and the values parse: the settings accept the whole command line
    settings = SETTINGS[module]
    from shared.settings import settings_from_cli

    settings_from_cli(settings, command[3:], prog=module)


def known_variables(settings: type[BaseSettings]) -> set[str]:
    """`CRL_*` names a settings class reads: its fields, and the fields of nested settings with their own prefix."""
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings.model_fields.items():
        names.add(f"{prefix}{name}".upper())
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseSettings):
            names |= known_variables(nested)
    return names


@pytest.mark.parametrize("files", [(COMPOSE,), (COMPOSE, GPU)], ids=["base", "base+gpu"])
def test_every_variable_is_a_known_setting_and_validates(
    files: tuple[Path, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = merged(*(load(f) for f in files))["services"]
    for service in OURS:
        settings = SETTINGS[services[service]["command"][2]]
        environment = {k: interpolate(str(v)) for k, v in services[service]["environment"].items()}
        known = known_variables(settings)
        child = CHILDREN.get(services[service]["command"][2])
        if child is not None:
            known |= known_variables(child)
        unknown = {k for k in environment if k.startswith("CRL_")} - known
        assert not unknown, f"{service} sets {unknown}, which {settings.__name__} does not read"
        assert all(k.startswith("CRL_") for k in environment), environment
        for key in [k for k in os.environ if k.startswith("CRL_")]:
            monkeypatch.delenv(key)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        settings()  # raises when a value does not validate
        if child is not None:
            child()


def test_known_variables_sees_nested_settings() -> None:
    assert {"CRL_REDIS_URL", "CRL_ENV", "CRL_STREAM_CLAIM_MIN_IDLE_MS"} <= known_variables(EmulatorSettings)
    assert "CRL_LLM_URL" not in known_variables(EmulatorSettings)


def test_dockerfile_targets_commands_and_health_checks() -> None:
    stages = dockerfile_stages()
    services = load(COMPOSE)["services"]
    for service in OURS:
        target = services[service]["build"]["target"]
        assert target == service and target in stages, f"no Dockerfile target {target}"
        lines = stages[target]
        cmd = next(line for line in reversed(lines) if line.startswith("CMD "))
        assert json.loads(cmd[4:]) == services[service]["command"]
        health = next(line for line in lines if line.startswith("HEALTHCHECK"))
        probe = json.loads(health.split(" CMD ", 1)[1])
        assert probe[:4] == ["crystal-rl", "status", "--service", service], probe
    # non-root: the stage every service image ends in switches to the unprivileged user
    assert "USER crl" in stages["app"] and "USER crl" in stages["dqn_learner"]
    assert not any("torch" in line for line in stages["deps"] + stages["app"]), "torch belongs to the learner only"
    assert any("learner" in line for line in stages["learner-deps"])


def test_scaling_needs_no_fixed_names_and_redis_persists() -> None:
    doc = load(COMPOSE)
    for name, service in doc["services"].items():
        assert "container_name" not in service and "hostname" not in service, name
    assert "--env" in doc["services"]["emulator"]["command"]
    assert doc["services"]["emulator"]["command"][-1] == "auto"
    redis = doc["services"]["redis"]
    assert "--appendonly" in redis["command"] and redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(v.split(":")[1] == "/data" for v in redis["volumes"]) and "redis-data" in doc["volumes"]
    assert all("crl-data:/data" in doc["services"][s]["volumes"] for s in OURS)
    rom = next(v for v in doc["services"]["emulator"]["volumes"] if "/roms" in v)
    assert rom.endswith(":ro")
    assert doc["services"]["dashboard"]["ports"] and "8080" in doc["services"]["dashboard"]["ports"][0]


def test_gpu_override_reserves_gpus_for_the_model_host_and_points_the_planner_at_it() -> None:
    gpu = load(GPU)["services"]
    for host in ("ollama", "vllm"):
        devices = gpu[host]["deploy"]["resources"]["reservations"]["devices"]
        assert any("gpu" in d["capabilities"] for d in devices), host
    planner = merged(load(COMPOSE), load(GPU))["services"]["llm_planner"]
    assert interpolate(planner["environment"]["CRL_LLM_URL"]) == "http://ollama:11434"
    assert "ollama" in planner["depends_on"]


def test_the_model_host_image_carries_the_model_and_the_planner_asks_it_as_crystal_rl_run_does() -> None:
    """The model_host service runs what `crystal-rl run` starts on a machine with no model host (the same server
    settings), on the GGUF the image carries; the planner is pointed at it with the same flags' values."""
    services = load(COMPOSE)["services"]
    command = services["model_host"]["command"]
    stage = dockerfile_stages()["model_host"]
    cmd = next(line for line in reversed(stage) if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == command and services["model_host"]["build"]["target"] == "model_host"
    health = next(line for line in stage if line.startswith("HEALTHCHECK"))
    assert "127.0.0.1:8000/v1/models" in health
    flags = dict(zip(command[3::2], command[4::2], strict=True))
    assert any(flags["--model"].rsplit("/", 1)[0] in line and MODEL_FILE in line for line in stage if "RUN" in line)
    embedded = EmbeddedHost(Path(flags["--model"]), 8000).spec().argv
    ours = dict(zip(embedded[3::2], embedded[4::2], strict=True))
    for flag in ours.keys() - {"--model", "--host", "--port"}:  # every server setting, where the file lies aside
        assert flags.get(flag) == ours[flag], flag
    planner = {k: interpolate(str(v)) for k, v in services["llm_planner"]["environment"].items()}
    assert planner["CRL_LLM_URL"] == f"http://model_host:{flags['--port']}/v1" and flags["--host"] == "0.0.0.0"
    told = EmbeddedHost(Path("m"), 1).planner_flags()
    given = dict(zip(told[::2], told[1::2], strict=True))
    assert planner["CRL_LLM_MODEL"] == given["--llm-model"] == flags["--model_alias"]
    assert planner["CRL_LLM_PROFILE"] == given["--llm-profile"]
    assert planner["CRL_LLM_JSON_MODE"] == given["--llm-json-mode"]
    assert "model_host" in services["llm_planner"]["depends_on"]
    gpu = merged(load(COMPOSE), load(GPU))["services"]["llm_planner"]["environment"]
    assert interpolate(gpu["CRL_LLM_PROFILE"]) == "full" and interpolate(gpu["CRL_LLM_JSON_MODE"]) == "schema"


def test_redis_requires_a_password_that_every_service_is_given_and_none_is_a_clear_error() -> None:
    """No compose run starts an open Redis: without CRL_REDIS_PASSWORD compose stops with a message saying what
    to set (`${VAR:?message}`), as for the dashboard's token."""
    services = load(COMPOSE)["services"]
    command = services["redis"]["command"]
    required = command[command.index("--requirepass") + 1]
    match = VARIABLE.fullmatch(required)
    assert match and match["name"] == "CRL_REDIS_PASSWORD" and match["op"] == ":?", required
    assert "set CRL_REDIS_PASSWORD" in match["arg"] and "token_urlsafe" in match["arg"]
    assert VARIABLE.fullmatch(services["redis"]["environment"]["REDISCLI_AUTH"])["name"] == "CRL_REDIS_PASSWORD"
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    for service in OURS:
        given = VARIABLE.fullmatch(services[service]["environment"]["CRL_REDIS_PASSWORD"])
        assert given and given["name"] == "CRL_REDIS_PASSWORD" and given["op"] == ":?", service
        assert "@" not in services[service]["environment"]["CRL_REDIS_URL"], "the password is not written in the file"
