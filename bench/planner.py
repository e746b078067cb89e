"""The planner suite (`make bench ARGS="--only planner"`): the planner with a real model, and what it costs the game.

Four parts, each its own Redis and processes:

- `machinery`: the emulator alone, with the planner answering every 30 steps, and with the screen attached
  to each request, the model host the stand-in (it answers at once): the planner's own cost to the step.
- `latency`: the embedded model host (SmolLM2-135M on llama-cpp-python's server) answering the plan
  requests of the SmolLM2 run below, one after another as the planner asks them, while an emulator plays
  beside it (the game running), for the server's settings and the prompt's shape: what each costs a call.
- `agents`: 1,000-step episodes played by the emulator service with the planner and SmolLM2, with
  `--llm-wait` and without; with the walkthrough demonstrator (`tests/standins/`) as the model, for scale;
  with the rules alone; and random buttons through the game core. Per 1,000 steps: plan requests, plans
  applied (played at least one step), answers rejected, plans stale, requests superseded and failed, the
  share of steps the plans played; steps/s; the model's latency p50/p99; what the episodes reached.

Every figure comes from the streams the run wrote (frames, plan requests, answers, events, episodes) and the
planner's heartbeat, never from the bench's own counting of what it sent. `python -m bench.planner --markdown
[FILE]` prints the README's tables from a result file (the newest by default).
"""

import base64
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.harness import background, health, play, service_env, steps_per_s, stop, wait_health
from crystal_rl.model_host import EmbeddedHost, ServerOptions, answers, missing
from shared.keys import Keys
from shared.messages import Action, ActionSource, Episode, Event, Frame, NoPlan, PlanRequest
from shared.redis_server import LocalRedis, free_port
from shared.streams import Decoder

KEYS = Keys()
TARGET_RATIO = 0.95
"""The emulator keeps at least this share of its speed with a planner answering every `interval` steps."""
LATENCY_TARGET_S = 2.0
"""The model's p50 per call with the game running (issue 26)."""
ANSWERS: Decoder[Action | NoPlan] = Decoder(Action, NoPlan)
Progress = Callable[[str], None]


# -- the planner's own cost (the stand-in answers at once) -----------------------------------------


def machinery(rom: Path, steps: int = 3000, interval: int = 30) -> dict[str, Any]:
    """Three runs of the emulator: alone, with the planner, and with the planner and the screen attached to each
    plan request as PNG (`--llm-image`, what a vision model gets)."""
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        data = Path(tmp) / "data"
        alone = steps_per_s(play(server.url, data / "a", rom, steps))
        with standin_host() as url:
            with background("services.llm_planner", server.url, data, "--llm-url", url):
                wait_health(server.url, "llm_planner")
                frames = play(server.url, data / "b", rom, steps, "--llm-interval", str(interval))
                planner = health(server.url, "llm_planner")
            with background("services.llm_planner", server.url, data, "--llm-url", url, "--llm-image"):
                wait_health(server.url, "llm_planner")
                pictured = play(server.url, data / "c", rom, steps, "--llm-interval", str(interval), "--llm-image")
    with_planner = steps_per_s(frames)
    with_image = steps_per_s(pictured)
    counters = planner[0].counters if planner else {}
    return {
        "steps_per_s_without": alone,
        "steps_per_s_with": with_planner,
        "ratio": with_planner / alone,
        "steps_per_s_with_image": with_image,
        "ratio_with_image": with_image / alone,
        "target_ratio": TARGET_RATIO,
        "meets_target": with_planner / alone >= TARGET_RATIO and with_image / alone >= TARGET_RATIO,
        "llm_interval": interval,
        "plans_answered": counters.get("answered", 0),
        "steps_played_from_plans": sum(f.action_source == "llm" for f in frames),
        "steps_played_from_plans_with_image": sum(f.action_source == "llm" for f in pictured),
        "overhead_p50_ms": counters.get("overhead_p50_ms"),
        "overhead_p99_ms": counters.get("overhead_p99_ms"),
        "latency_p50_ms": counters.get("latency_p50_ms"),
        "latency_p99_ms": counters.get("latency_p99_ms"),
        "prompt_tokens_p50": counters.get("prompt_tokens_p50"),
        "prompt_tokens_max": counters.get("prompt_tokens_max"),
    }


@contextmanager
def standin_host(*args: str) -> Iterator[str]:
    """The stand-in model host as a process (`tests/standins/model_host.py`), its Ollama URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.standins.model_host", "--port", str(port), *args], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: answers(url), 60, "the stand-in model host", process)
        yield url
    finally:
        stop(process)


@contextmanager
def embedded_host(options: ServerOptions | None = None, log: Path | None = None) -> Iterator[EmbeddedHost]:
    """SmolLM2-135M on llama-cpp-python's server, as `crystal-rl run` starts it (or with other `options`)."""
    why = missing()
    if why is not None:
        raise RuntimeError(f"{why}: make setup installs it")
    host = EmbeddedHost.on_free_port(options)
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(list(host.spec().argv), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: answers(host.url), 180, "the SmolLM2 server", process)
        yield host
    finally:
        stop(process)


def _wait(ready: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.2)


# -- agents: what 1,000-step episodes reach, and what plans come of the requests -------------------


@dataclass(frozen=True)
class Agent:
    """Who plays the episodes: the planner with a model (`smollm2` or `demonstrator`) and the rules, the rules
    alone (`model` None), or random buttons (`random`, through the game core)."""

    name: str
    model: str | None = None
    wait_ms: int = 0
    interval: int = 30
    ram: bool = False


@dataclass(frozen=True)
class World:
    """The world the suite plays (`make bench --world`), its ROM and the emulator's flags for 1,000-step episodes
    (the goal is the world's badge, known from the ROM)."""

    name: str
    rom: Path
    episode_steps: int = 1000

    def emulator_args(self) -> list[str]:
        return ["--rom", str(self.rom), "--archive-share", "0", "--episode-steps", str(self.episode_steps)]


def play_agent(world: World, agent: Agent, steps: int, seed: int, model_url: tuple[str, ...]) -> dict[str, Any]:
    """`steps` steps of the emulator service (and the planner pointed at `model_url`'s flags, unless the agent has
    no model), every figure read back from the streams and the planner's heartbeat."""
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        data = Path(tmp) / "data"
        args = [*world.emulator_args(), "--seed", str(seed), "--llm-interval", str(agent.interval),
                "--llm-wait-ms", str(agent.wait_ms), *(["--llm-ram"] if agent.ram else [])]  # fmt: skip
        started = time.monotonic()
        if agent.model is None:
            _emulate(server.url, data, steps, args)
            beat: dict[str, Any] = {}
        else:
            planner_args = [*model_url, "--instance", "bench", *(["--llm-ram"] if agent.ram else [])]
            with background("services.llm_planner", server.url, data, *planner_args):
                wait_health(server.url, "llm_planner")
                _emulate(server.url, data, steps, args)
                time.sleep(1.5)  # the heartbeat trails the last answer by up to an interval
                beats = health(server.url, "llm_planner")
                beat = dict(beats[0].counters) if beats else {}
        wall_s = time.monotonic() - started
        figures = read_run(server.url, beat)
    figures["wall_s"] = round(wall_s, 1)
    figures["settings"] = {"llm_wait_ms": agent.wait_ms, "llm_interval": agent.interval, "llm_ram": agent.ram,
                           "model": agent.model, "seed": seed}  # fmt: skip
    return figures


def _emulate(url: str, data: Path, steps: int, args: list[str]) -> None:
    command = [sys.executable, "-m", "services.emulator", "--max-steps", str(steps), "--peer-check-interval", "0.1",
               "--progress-interval", "3600", "--log-level", "WARNING", *args]  # fmt: skip
    subprocess.run(command, env=service_env(url, data), check=True, timeout=7200)


def read_run(url: str, planner: dict[str, Any]) -> dict[str, Any]:
    """A run's figures from what it wrote to Redis (env 0) and the planner's heartbeat counters."""
    client = redis.Redis.from_url(url)
    try:
        frames = [Frame.from_fields(f) for _, f in client.xrange(KEYS.frames("0"))]
        requests = [PlanRequest.from_fields(f) for _, f in client.xrange(KEYS.plan_requests)]
        answers_ = [(entry_id, ANSWERS.decode(f)) for entry_id, f in client.xrange(KEYS.actions("0"))]
        events = [Event.from_fields(f) for _, f in client.xrange(KEYS.events)]
        episodes = [Episode.from_fields(f) for _, f in client.xrange(KEYS.episodes)]
    finally:
        client.close()
    steps = len(frames)
    per_k = 1000 / max(steps, 1)
    no_plans = Counter(a.reason for _, a in answers_ if isinstance(a, NoPlan))
    stale = Counter(str(e.data.get("kind")) for e in events if e.kind == "plan_stale")
    stale_queued = no_plans["stale"]
    rejected = Counter(str(e.data.get("kind")) for e in events if e.kind == "plan_rejected")
    applied = {f.plan for f in frames if f.plan}
    llm_steps = sum(f.action_source is ActionSource.LLM for f in frames)
    counts = {
        "requests": len(requests),
        "applied": len(applied),
        "rejected": sum(rejected.values()),
        "stale": sum(stale.values()) + stale_queued,
        "superseded": no_plans["superseded"],
        "failed": no_plans["invalid"] + no_plans["failed"] + no_plans["down"],
    }
    return {
        "steps": steps,
        "steps_per_s": round(steps_per_s(frames, skip=50), 1) if steps > 100 else None,
        "per_1000_steps": {name: round(value * per_k, 2) for name, value in counts.items()},
        "counts": counts,
        "rejected_by_kind": dict(rejected),
        "stale_by_kind": {**dict(stale), **({"queued": stale_queued} if stale_queued else {})},
        "plan_steps_share": round(llm_steps / max(steps - 1, 1), 3),
        "model_p50_ms": planner.get("env0.model_p50_ms"),
        "model_p99_ms": planner.get("env0.model_p99_ms"),
        "answer_p50_ms": _answer_latency(requests, answers_, 50),
        "answer_p99_ms": _answer_latency(requests, answers_, 99),
        "prompt_tokens_p50": planner.get("prompt_tokens_p50"),
        "episodes": summarise(episodes),
    }


def _answer_latency(requests: list[PlanRequest], answered: list[tuple[bytes, Any]], q: int) -> float | None:
    """From a request's timestamp to its answer's entry in `actions:{env}` (the planner's whole turn), ms."""
    at = {a.request_id: int(entry_id.split(b"-")[0]) for entry_id, a in answered}
    waits = sorted(at[r.request_id] - r.ts * 1000 for r in requests if r.request_id in at)
    if not waits:
        return None
    return round(waits[min(len(waits) - 1, max(0, math.ceil(q / 100 * len(waits)) - 1))], 1)  # nearest rank


def summarise(episodes: list[Episode]) -> dict[str, Any]:
    """What the episodes reached: how many, their return, the share reaching each milestone, maps, levels."""
    training = [e for e in episodes if not e.eval]
    if not training:
        return {"episodes": 0}
    n = len(training)
    milestones = Counter(name for e in training for name in e.milestones if not name.startswith("map:"))
    maps = [sum(name.startswith("map:") for name in e.milestones) for e in training]
    return {
        "episodes": n,
        "return_mean": round(statistics.fmean(e.total_reward for e in training), 2),
        "steps_mean": round(statistics.fmean(e.steps for e in training), 1),
        "reached": {name: round(count / n, 2) for name, count in sorted(milestones.items())},
        "maps_entered_mean": round(statistics.fmean(maps), 2),
        "furthest_maps": dict(Counter(e.furthest_map for e in training).most_common(3)),
        "max_level_mean": round(statistics.fmean(e.max_level for e in training), 2),
        "badges": sum(e.badges for e in training),
    }


def random_episodes(world: World, episodes: int, seed: int) -> dict[str, Any]:
    """Random buttons through the game core (what random exploration reaches), summed as the service's are."""
    from bench.learning_baselines import play as core_play  # torch, only for this part
    from shared.settings import GameSettings

    with tempfile.TemporaryDirectory() as tmp:
        game = GameSettings(rom=world.rom, episode_steps=world.episode_steps, data_dir=tmp)
        point = core_play(game, "random", episodes, seed, lambda line: None)
    return {"steps": sum(e.steps for e in point.episodes), "episodes": summarise(list(point.episodes)),
            "settings": {"seed": seed, "through": "the game core, no services"}}  # fmt: skip


# -- what a call costs, and what helps -------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of serving and asking: the server's settings and the planner's prompt and answer limits."""

    name: str
    threads: int = 1
    batch: int = 512
    logits_all: bool = False
    profile: str = "small"
    max_plan_steps: int | None = None
    """None: the profile's."""
    shared_prefix: bool = True
    """False: a line that differs on every call opens the system turn, so no prefix is reused."""
    grammar: bool = True
    """False: JSON mode without the schema, so the server samples without the schema's grammar."""


VARIANTS = (
    Variant("the embedded host's settings: 1 thread, batch 512, last logits only, small profile"),
    Variant("no prefix reused (the system turn differs every call)", shared_prefix=False),
    Variant("full profile (history, map grid, longer answers)", profile="full"),
    Variant("2 threads", threads=2),
    Variant("batch 64", batch=64),
    Variant("answers of up to 8 buttons", max_plan_steps=8),
    Variant("logits of every prompt token (llama-cpp-python's default)", logits_all=True),
    Variant("JSON mode without the schema's grammar", grammar=False),
)


def latency(world: World, requests: list[PlanRequest], progress: Progress) -> list[dict[str, Any]]:
    """Each variant answering the same requests in order, an emulator playing beside it all the while."""
    out = []
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        game = subprocess.Popen(
            [sys.executable, "-m", "services.emulator", *world.emulator_args(), "--progress-interval", "3600",
             "--log-level", "WARNING"],
            env=service_env(server.url, Path(tmp) / "data"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for variant in VARIANTS:
                out.append(_variant(variant, requests))
                progress(f"  {variant.name}: p50 {out[-1]['call_p50_s']} s")
        finally:
            stop(game)
    return out


def _variant(variant: Variant, requests: list[PlanRequest]) -> dict[str, Any]:
    from services.llm_planner.plan import PlanError, parse_plan, plan_schema, walk_targets
    from services.llm_planner.planner import prompts_for
    from services.llm_planner.settings import PlannerSettings

    with embedded_host(
        ServerOptions(threads=variant.threads, batch=variant.batch, logits_all=variant.logits_all)
    ) as host:
        flags = dict(zip(host.planner_flags()[::2], host.planner_flags()[1::2], strict=True))
        settings = PlannerSettings(
            llm_url=flags["--llm-url"], llm_model=flags["--llm-model"], llm_profile=variant.profile,  # type: ignore[arg-type]
            llm_json_mode="json_with_schema", max_plan_steps=variant.max_plan_steps,
        )  # fmt: skip
        prompts = prompts_for(settings)
        calls = []
        with httpx.Client(timeout=120) as client:
            for n, request in enumerate(requests):
                messages = [{"role": m["role"], "content": m["content"]} for m in prompts.messages(request, None)]
                if not variant.shared_prefix:
                    nonce = base64.b32encode(str(time.time()).encode()).decode()
                    messages[0]["content"] = f"Call {n} of {nonce}.\n" + messages[0]["content"]
                schema = plan_schema(request.legal, prompts.limits, walk_targets(request.text_map))
                answer_format = {"type": "json_object", **({"schema": schema} if variant.grammar else {})}
                body = {"model": settings.llm_model, "messages": messages, "temperature": settings.llm_temperature,
                        "max_tokens": settings.max_tokens(), "stream": False,
                        "response_format": answer_format}  # fmt: skip
                started = time.perf_counter()
                reply = client.post(f"{settings.http_url()}/chat/completions", json=body).json()
                seconds = time.perf_counter() - started
                text = reply["choices"][0]["message"]["content"]
                try:
                    parse_plan(text, request.legal, prompts.limits.max_steps, prompts.limits.max_ttl)
                    parsed = True
                except PlanError:
                    parsed = False
                usage = reply.get("usage", {})
                calls.append({"s": round(seconds, 3), "prompt_tokens": usage.get("prompt_tokens"),
                              "answer_tokens": usage.get("completion_tokens"), "parsed": parsed})  # fmt: skip
    times = sorted(c["s"] for c in calls)
    return {
        "variant": variant.name,
        "threads": variant.threads,
        "batch": variant.batch,
        "logits_all": variant.logits_all,
        "profile": variant.profile,
        "max_plan_steps": prompts.limits.max_steps,
        "shared_prefix": variant.shared_prefix,
        "grammar": variant.grammar,
        "calls": len(calls),
        "call_p50_s": round(statistics.median(times), 2),
        "call_p99_s": round(times[-1] if len(times) < 100 else times[int(0.99 * len(times))], 2),
        "call_p50_after_first_s": round(statistics.median(times[1:] or times), 2),
        "prompt_tokens_p50": statistics.median(c["prompt_tokens"] or 0 for c in calls),
        "answer_tokens_p50": statistics.median(c["answer_tokens"] or 0 for c in calls),
        "answers_parsed": sum(c["parsed"] for c in calls),
        "per_call": calls,
    }


# -- the suite -------------------------------------------------------------------------------------


def run(
    rom: Path,
    steps: int = 3000,
    world: str = "johto",
    episodes: int = 1,
    wait_ms: int | None = None,
    latency_calls: int = 4,
    progress: Progress = print,
) -> dict[str, Any]:
    """The whole suite on `world`, whose ROM `rom` is (`make bench --world`, johto by default)."""
    from services.emulator.settings import EmulatorSettings

    the_world = World(world, rom)
    wait = EmulatorSettings.model_fields["llm_wait_ms"].default if wait_ms is None else wait_ms
    wait = int(wait) or 3000  # the runs with the wait need one, whatever the default
    span = episodes * the_world.episode_steps
    progress("planner: the planner's own cost (stand-in model host) ...")
    out: dict[str, Any] = {"world": world, "episode_steps": the_world.episode_steps, "episodes": episodes}
    out["machinery"] = machinery(rom, steps)
    agents: dict[str, Any] = {}
    ram = world != "tiny"  # the johto demonstrator reads the RAM
    with tempfile.TemporaryDirectory() as tmp, embedded_host(log=Path(tmp) / "model_host.log") as host:
        smollm2 = host.planner_flags()
        for agent in (Agent("smollm2_wait", "smollm2", wait_ms=wait), Agent("smollm2", "smollm2")):
            progress(f"planner: {agent.name}, {span} steps ...")
            agents[agent.name] = play_agent(the_world, agent, span, seed=0, model_url=smollm2)
    demo_args = ("--demonstrate", "--world", world)
    with standin_host(*demo_args) as url:
        for agent in (Agent("demonstrator_wait", "demonstrator", wait_ms=wait, interval=1, ram=ram),
                      Agent("demonstrator", "demonstrator", interval=1, ram=ram)):  # fmt: skip
            progress(f"planner: {agent.name}, {span} steps ...")
            agents[agent.name] = play_agent(the_world, agent, span, seed=0, model_url=("--llm-url", url))
    progress(f"planner: rules alone and random, {span} steps each ...")
    agents["rules"] = play_agent(the_world, Agent("rules"), span, seed=0, model_url=())
    agents["random"] = random_episodes(the_world, episodes, seed=0)
    out["agents"] = agents
    requests = _requests_of(the_world, latency_calls) if latency_calls > 0 else []
    if requests:
        progress(f"planner: what a call costs, {len(requests)} requests a variant ...")
        out["latency"] = latency(the_world, requests, progress)
    p50 = agents["smollm2_wait"].get("model_p50_ms")
    out["model_p50_s"] = None if p50 is None else round(p50 / 1000, 2)
    out["meets_latency_target"] = p50 is not None and p50 / 1000 <= LATENCY_TARGET_S
    return out


def _requests_of(world: World, count: int) -> list[PlanRequest]:
    """Plan requests as the emulator makes them, for the latency study: a short run of the rules with a planner's
    heartbeat (so the emulator asks) and each request given up at once (so it asks every 30 steps)."""
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        data = Path(tmp) / "data"
        client = redis.Redis.from_url(server.url)
        try:
            from shared.health import Health

            beat = Health(service="llm_planner", instance="bench", status="running", started_at=0, ts=0, interval=1)
            client.set(KEYS.health("llm_planner", "bench"), beat.model_dump_json())  # a planner alive: it asks
            _emulate(
                server.url,
                data,
                count * 30,
                [*world.emulator_args(), "--llm-request-timeout-s", "0.001", "--log-level", "ERROR"],
            )
            return [PlanRequest.from_fields(f) for _, f in client.xrange(KEYS.plan_requests)][:count]
        finally:
            client.close()


# -- the README's tables ----------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    """The planner suite's figures as the README's Markdown tables."""
    from bench.planner_report import tables

    return tables(result)


def main() -> None:
    import argparse

    from bench.harness import RESULTS

    parser = argparse.ArgumentParser(prog="python -m bench.planner", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="",
        metavar="FILE",
        help="print the README's tables from a bench result (default: the newest with planner figures)",
    )
    args = parser.parse_args()
    if args.markdown is None:
        parser.error('nothing to do: run the suite with `make bench ARGS="--only planner"`, or give --markdown')
    path = Path(args.markdown) if args.markdown else _newest(RESULTS)
    result = json.loads(path.read_text())
    planner = result.get("figures", {}).get("planner")
    if not planner or "agents" not in planner:
        parser.error(f'{path} holds no planner figures of this suite: run make bench ARGS="--only planner"')
    print(f"<!-- from {path.name} -->")
    print(markdown({**planner, "machine": result.get("machine", {}), "started": result.get("started")}))


def _newest(results: Path) -> Path:
    for path in sorted(results.glob("bench-*.json"), reverse=True):
        if "agents" in json.loads(path.read_text()).get("figures", {}).get("planner", {}):
            return path
    raise SystemExit(f'no bench result in {results} has the planner suite\'s figures: make bench ARGS="--only planner"')


if __name__ == "__main__":
    main()
