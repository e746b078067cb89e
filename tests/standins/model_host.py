"""A stand-in for a model host (tests, `make bench`, the container test): NOT a model, it answers from a script.

It is no part of the planner, which only ever talks to it over HTTP, as to Ollama. It is a real
HTTP server (FastAPI on uvicorn, in a background thread, on a free port) that speaks the two APIs
the planner uses, so the planner's real HTTP client, timeouts, retries and circuit breaker are
exercised exactly as against Ollama or a llama.cpp/vLLM server:

- Ollama: `POST /api/chat`, `GET /api/tags`
- OpenAI-compatible: `POST /v1/chat/completions`, `GET /v1/models`

Each chat request takes the next `Reply` from the script (or the default when the script is
empty): a fixed text, a delay (a slow host), an HTTP error status. A reply with `text=None`
answers a valid plan made from the legal buttons in the request's JSON schema. `stop()` closes
the port (the host is down), `start()` opens it again on the same port (it is back).

Run alone for a benchmark: `python -m tests.standins.model_host --port 11434` (`--demonstrate`: answer with the
world's walkthrough from where the player stands, a stand-in for a good model: the tiny world's read off the
prompt, `--world johto`'s policy from the game's RAM, which the emulator and the planner then send with
`--llm-ram`).
"""

import argparse
import asyncio
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.redis_server import free_port

log = logging.getLogger(__name__)

DEFAULT_PREFERENCE = ("right", "right", "up", "a")
"""Buttons an automatic plan uses, in order, where legal: visible movement in an end-to-end test."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the stand-in host."""

    text: str | None = None
    """The model's text; None builds a valid plan from the request's schema."""
    delay_s: float = 0.0
    """Wait this long before answering (a slow host; longer than the planner's timeout means a timeout)."""
    status: int = 200
    """An HTTP error status to answer with instead (500, 503, 429, 404, ...)."""
    error: str = "stand-in model host error"


@dataclass(frozen=True)
class Recorded:
    """One chat request as the stand-in received it."""

    api: str
    """`ollama` or `openai`."""
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.time)


def legal_from_schema(schema: Any) -> list[str]:
    """The enum of button names in a plan schema, or [] when the request carried none."""
    try:
        return list(schema["properties"]["buttons"]["items"]["enum"])
    except (KeyError, TypeError):
        return []


def auto_plan(schema: Any, preference: tuple[str, ...] = DEFAULT_PREFERENCE) -> str:
    """A valid plan for `schema`: the preferred buttons that are legal (else the first legal one)."""
    legal = legal_from_schema(schema) or ["a"]
    buttons = [b for b in preference if b in legal] or [legal[0]]
    try:
        max_steps = int(schema["properties"]["buttons"]["maxItems"])
        max_ttl = int(schema["properties"]["ttl"]["maximum"])
    except (KeyError, TypeError, ValueError):
        max_steps, max_ttl = len(buttons), 2 * len(buttons)
    buttons = buttons[:max_steps]
    return json.dumps(
        {"goal": "stand-in plan: walk right and up", "buttons": buttons, "ttl": min(max_ttl, 2 * len(buttons))}
    )


class StandinModelHost:
    """A scripted stand-in for an Ollama / OpenAI-compatible model host (see the module docstring)."""

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        default: Reply | None = None,
        planner: "Callable[[Any, dict[str, Any]], str] | None" = None,
    ) -> None:
        self.host = host
        self.planner = planner
        """What answers a reply without text, given the request's plan schema and body (`auto_plan` by default;
        the demonstrator of `tests.standins.demonstrator` plays the demo cartridge's walkthrough)."""
        self.port = port or free_port()
        self.default = default or Reply()
        self.script: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.known_models: set[str] | None = None
        """When set, other model names get the host's 404 'model not found'."""
        self.reject_json_schema: int | None = None
        """When set, the status code (400, 422, 500) that refuses `response_format` json_schema, as servers that
        do not support it do (llama-cpp-python's server: 500 with a validation message)."""
        self.reject_formats: set[str] = set()
        """`response_format` types refused besides (`json_object`: a host with no JSON mode at all), with the
        status `reject_json_schema` names, else 500."""
        self._lock = threading.Condition()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # -- addresses ---------------------------------------------------------------------------------
    @property
    def ollama_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_url(self) -> str:
        """What the official `openai` client takes as `base_url`."""
        return f"http://{self.host}:{self.port}/v1"

    # -- script ------------------------------------------------------------------------------------
    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def record(self, api: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Recorded(api, body, headers))
            self._lock.notify_all()

    def wait_requests(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Block until `count` chat requests have arrived (call through `asyncio.to_thread` from tests)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"stand-in model host got {len(self.requests)} requests, expected {count}")
            return list(self.requests)

    def plan(self, schema: Any, body: dict[str, Any]) -> str:
        return self.planner(schema, body) if self.planner is not None else auto_plan(schema)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "StandinModelHost":
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", lifespan="off",
            timeout_graceful_shutdown=0.2,
        )  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"standin-model-host-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError(f"stand-in model host did not start on port {self.port}")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        log.info("stand-in model host listening on %s", self.ollama_url)
        return self

    def stop(self) -> None:
        """Close the port and drop open connections: to the planner the host is down."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> "StandinModelHost":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the two APIs ------------------------------------------------------------------------------
    def _build_app(self) -> FastAPI:
        app = FastAPI(title="stand-in model host (scripted, not a model)")

        async def answer(api: str, request: Request) -> tuple[Reply, dict[str, Any]] | JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                return error(api, 400, "request body is not JSON")
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
                return error(api, 400, "model and messages are required")
            self.record(api, body, dict(request.headers))
            if self.known_models is not None and body["model"] not in self.known_models:
                message = f'model "{body["model"]}" not found, try pulling it first'
                return error(api, 404, message)
            reply = self.next_reply()
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
            if reply.status != 200:
                return error(api, reply.status, reply.error)
            return reply, body

        @app.post("/api/chat")
        async def ollama_chat(request: Request) -> Any:
            got = await answer("ollama", request)
            if isinstance(got, JSONResponse):
                return got
            reply, body = got
            if body.get("stream", True):
                return error("ollama", 400, "the stand-in answers only stream=false")
            schema = body.get("format") if isinstance(body.get("format"), dict) else None
            try:
                text = reply.text if reply.text is not None else self.plan(schema, body)
            except ValueError as exc:  # a demonstrator that cannot answer this request says why
                return error("ollama", 400, str(exc))
            return {
                "model": body["model"],
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "message": {"role": "assistant", "content": text},
                "done": True,
                "done_reason": "stop",
                "total_duration": int(reply.delay_s * 1e9),
                "prompt_eval_count": 1,
                "eval_count": 1,
            }

        @app.get("/api/tags")
        async def ollama_tags() -> Any:
            return {"models": [{"name": name, "model": name} for name in sorted(self.known_models or {"stand-in"})]}

        @app.post("/v1/chat/completions")
        async def openai_chat(request: Request) -> Any:
            got = await answer("openai", request)
            if isinstance(got, JSONResponse):
                return got
            reply, body = got
            response_format = body.get("response_format") or {}
            schema = None
            kind = response_format.get("type")
            refused = self.reject_formats | ({"json_schema"} if self.reject_json_schema is not None else set())
            if kind in refused:
                message = f"1 validation error: response_format: type {kind} is not supported"
                return error("openai", self.reject_json_schema or 500, message)
            if kind == "json_schema":
                schema = response_format.get("json_schema", {}).get("schema")
            elif kind == "json_object":  # llama.cpp's servers take a schema here too
                schema = response_format.get("schema")
            try:
                text = reply.text if reply.text is not None else self.plan(schema, body)
            except ValueError as exc:  # a demonstrator that cannot answer this request says why
                return error("openai", 400, str(exc))
            return {
                "id": f"chatcmpl-standin-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }

        @app.get("/v1/models")
        async def openai_models() -> Any:
            names = sorted(self.known_models or {"stand-in"})
            return {"object": "list", "data": [{"id": n, "object": "model", "owned_by": "stand-in"} for n in names]}

        return app


def error(api: str, status: int, message: str) -> JSONResponse:
    """An error body in the API's own shape (Ollama: `{"error": text}`, OpenAI: `{"error": {...}}`)."""
    if api == "ollama":
        return JSONResponse({"error": message}, status_code=status)
    return JSONResponse(
        {"error": {"message": message, "type": "invalid_request_error", "code": status}}, status_code=status
    )


def main() -> None:
    """Serve until interrupted, answering every request with an automatic plan after `--delay` seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer (model time)")
    parser.add_argument(
        "--demonstrate",
        action="store_true",
        help="answer with the world's walkthrough from where the player stands (tests.standins.demonstrator for the"
        " tiny world, tests.standins.ram_demonstrator for johto: run the emulator and planner with --llm-ram)",
    )
    parser.add_argument(
        "--world",
        choices=("tiny", "johto"),
        default=os.environ.get("CRL_WORLD", "tiny"),
        help="the demo cartridge's world whose walkthrough --demonstrate plays (default: CRL_WORLD, else tiny)",
    )
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    planner = None
    if args.demonstrate and args.world == "johto":
        from tests.standins.ram_demonstrator import JohtoDemonstrator

        planner = JohtoDemonstrator().plan
    elif args.demonstrate:
        from tests.standins.demonstrator import Demonstrator  # builds the walkthrough's table on the demo cartridge

        planner = Demonstrator.on_demo_cartridge().plan
    host = StandinModelHost(args.port, args.host, default=Reply(delay_s=args.delay), planner=planner)
    uvicorn.run(host.app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
