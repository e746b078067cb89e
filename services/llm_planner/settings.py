"""`PlannerSettings`: every knob of the planner, from `CRL_*` variables or the matching CLI flags."""

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import CliSuppress

from services.llm_planner.plan import AnswerLimits
from services.llm_planner.prompt import PROFILES, Profile
from shared.settings import CommonSettings
from shared.streams import Backoff, StreamSettings

BackendName = Literal["ollama", "openai"]


class PlannerSettings(CommonSettings):
    """Settings of `python -m services.llm_planner` (env `CRL_LLM_URL`, flag `--llm-url`, ...)."""

    llm_backend: Literal["auto", "ollama", "openai"] = "auto"
    """Which API the model host speaks. `auto` decides from `llm_url` (see `backend_name`)."""

    llm_url: str = "http://127.0.0.1:11434"
    """Model host. `ollama://host:port` and `openai://host:port/v1` (or `+https`) name the API in the scheme;
    a plain http(s) URL whose path ends in `/v1` means OpenAI-compatible, any other means Ollama."""

    llm_model: str = "smollm2:1.7b"
    """Model name as the host knows it (an Ollama tag, or the model id a llama.cpp/vLLM server serves)."""

    llm_api_key: CliSuppress[SecretStr | None] = None
    """Bearer token for hosted OpenAI-compatible endpoints; environment only (`CRL_LLM_API_KEY`), so it
    never shows in a process list. Local servers need none."""

    llm_timeout_s: float = Field(default=15.0, gt=0)
    """Longest wait for one model answer, each call its own (however long the request waited before): a small
    model on a CPU takes seconds, a stuck host forever."""

    llm_connect_timeout_s: float = Field(default=2.0, gt=0)
    """Longest wait to connect: a host that is down should be known as down at once, not after the timeout."""

    llm_retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts after a transient failure (connection refused, 5xx, 429, timeout) of one call."""

    llm_backoff_s: float = Field(default=0.5, ge=0)
    """First pause between attempts; doubled each time up to `llm_backoff_max_s`, each pause drawn at random
    below that (full jitter, so planners retrying the same host do not do it in step)."""

    llm_backoff_max_s: float = Field(default=5.0, ge=0)
    """Longest pause between attempts."""

    llm_temperature: float = Field(default=0.2, ge=0, le=2)
    """Sampling temperature: low, since a plan should follow from the state."""

    llm_max_tokens: int | None = Field(default=None, ge=16, le=8192)
    """Upper bound on the answer's length in tokens. Unset: the longest answer the plan's schema allows
    (`AnswerLimits.longest_answer_tokens`), so a grammar-bound answer is never cut off; a value below that
    is refused at start."""

    llm_profile: Literal["full", "small"] = "full"
    """The prompt and answer profile (`prompt.PROFILES`): `full` for models of billions of parameters, `small`
    (a short system turn, the same every call; no history; shorter answers) for a few hundred million on a
    CPU, as the embedded SmolLM2-135M that `crystal-rl run` starts."""

    llm_json_mode: Literal["schema", "json_with_schema", "json", "none"] = "schema"
    """How the answer is constrained: the plan's JSON schema (Ollama `format`, OpenAI `response_format`
    json_schema), the schema in JSON mode (`json_object` with `schema`: llama.cpp's and llama-cpp-python's
    servers), plain JSON mode, or nothing. The OpenAI back end steps down by itself, one step each time a
    server rejects the format it sent, and says so once per step."""

    llm_image: bool = False
    """Send the screen to the model as a picture (Ollama `images`, OpenAI `image_url`), for vision models: the
    emulator attaches it to plan requests when its own `llm_image` is on (one `CRL_LLM_IMAGE=1` sets both).
    A 160x144 picture costs a vision model roughly 30-600 prompt tokens, by model (see the README)."""

    llm_ram: bool = False
    """Forward the game's RAM with each request that carries it (the emulator's `llm_ram`, same name, so one
    `CRL_LLM_RAM=1` sets both) to the model host, in the body's `crl_game` field: for demonstrators, stand-ins
    that play a world's policy from the game's memory (`tests/standins/`), never for a model (it does not
    read it, and 8 KB a request would cost a hosted API). Off by default."""

    breaker_failures: int = Field(default=3, ge=1)
    """Consecutive failed calls after which the back end counts as down and the planner stops asking it."""

    breaker_reset_s: float = Field(default=10.0, gt=0)
    """How long the back end stays 'down' before one request is let through to test whether it is back."""

    max_plan_steps: int | None = Field(default=None, ge=1, le=32)
    """Most buttons in one plan (the `Action` message allows 32); unset: the profile's (8 for `full`, 4 for
    `small`: every button is a few tokens, which a 135M model on one CPU core writes at about 14 ms each)."""

    max_ttl_steps: int = Field(default=64, ge=1, le=1000)
    """Longest time-to-live a plan may ask for, in emulator steps."""

    history_limit: int | None = Field(default=None, ge=0, le=256)
    """Most recent history items shown in the prompt (runs of the same button are merged); unset: the
    profile's (16 for `full`, none for `small`)."""

    prompt_budget_tokens: int | None = Field(default=None, ge=200)
    """Most tokens a prompt (system and user turn) may take, by a simple estimate (4 characters a token):
    over it, the history shown is halved until it fits, so a small model's context is never filled. Unset:
    the profile's (2,000 for `full`, 700 for `small`)."""

    max_request_age_s: float = Field(default=60.0, gt=0)
    """A request older than this (by its own timestamp) when it is taken up is dropped: the game has moved
    on. It must exceed the streams' claim idle time, or a request left by a killed planner is always stale
    when claimed. It does not shorten the calls of a request taken up in time: each has `llm_timeout_s`."""

    request_budget_s: float = Field(default=20.0, gt=0)
    """Most time spent on one request, all model calls and the repair included; past it the request is
    answered with nothing. Shorter than the claim idle time, so no other planner claims a request that
    is still being worked on (and answers it twice)."""

    concurrency: int = Field(default=1, ge=1, le=64)
    """Requests one process handles at once; more only helps hosts that batch (vLLM, Ollama with
    OLLAMA_NUM_PARALLEL)."""

    shutdown_grace_s: float = Field(default=10.0, ge=0)
    """On SIGTERM, how long requests in progress may take to finish before they are left pending for
    another planner to claim."""

    streams: StreamSettings = Field(default_factory=StreamSettings)
    """Stream lengths, timeouts, claim and heartbeat timing (`CRL_STREAM_*`)."""

    prompts_dir: Path | None = None
    """Directory with `system.md`, `user.md`, `repair.md` to use instead of the bundled templates."""

    @model_validator(mode="after")
    def _check_url(self) -> "PlannerSettings":
        self.backend_name()  # fails at start, with a message, on a URL no back end can use
        longest = self.answer_limits().longest_answer_tokens()  # also checks max_ttl_steps against the steps
        if self.llm_max_tokens is not None and self.llm_max_tokens < longest:
            raise ValueError(
                f"llm_max_tokens ({self.llm_max_tokens}) is below the longest answer the plan's schema allows "
                f"({longest} tokens with the {self.llm_profile!r} profile): a grammar-bound answer would be cut "
                "off and rejected. Leave it unset, raise it, or lower --max-plan-steps / --max-ttl-steps"
            )
        if self.request_budget_s * 1000 >= self.streams.claim_min_idle_ms:
            raise ValueError(
                f"request_budget_s ({self.request_budget_s:g} s) must be shorter than the claim idle time "
                f"(CRL_STREAM_CLAIM_MIN_IDLE_MS={self.streams.claim_min_idle_ms}), or another planner claims a "
                "request still being worked on and it is answered twice: lower --request-budget-s or raise "
                "CRL_STREAM_CLAIM_MIN_IDLE_MS"
            )
        if self.llm_backoff_max_s < self.llm_backoff_s:
            raise ValueError(
                f"llm_backoff_max_s ({self.llm_backoff_max_s:g}) must be >= llm_backoff_s ({self.llm_backoff_s:g}):"
                " raise --llm-backoff-max-s or lower --llm-backoff-s"
            )
        return self

    def profile(self) -> Profile:
        return PROFILES[self.llm_profile]

    def answer_limits(self) -> AnswerLimits:
        """What an answer may hold: the plan limits here, the text lengths of the profile."""
        p = self.profile()
        steps = self.max_plan_steps or p.max_steps
        return AnswerLimits(steps, self.max_ttl_steps, p.goal_chars, p.note_chars, p.max_notes)

    def max_tokens(self) -> int:
        """The answer's token cap sent to the host: `llm_max_tokens`, else the longest answer the schema allows."""
        return self.llm_max_tokens or self.answer_limits().longest_answer_tokens()

    def retry_backoff(self) -> Backoff:
        """Fresh delays for the retries of one model call (full jitter: anywhere up to the exponential delay)."""
        return Backoff(self.llm_backoff_s, self.llm_backoff_max_s, jitter=1.0)

    def backend_name(self) -> BackendName:
        """The back end `llm_backend` names, or the one `llm_url` implies when it is `auto`."""
        scheme = urlsplit(self.llm_url).scheme.lower()
        api, _, transport = scheme.partition("+")
        if api in ("ollama", "openai"):
            if transport not in ("", "http", "https"):
                raise ValueError(f"llm_url scheme {scheme!r}: the transport after '+' must be http or https")
            implied: BackendName = "ollama" if api == "ollama" else "openai"
        elif scheme in ("http", "https"):
            implied = "openai" if urlsplit(self.llm_url).path.rstrip("/").endswith("/v1") else "ollama"
        else:
            raise ValueError(
                f"llm_url {self.llm_url!r}: use http(s)://, ollama://, openai:// (or ollama+https://, "
                "openai+https://), e.g. http://127.0.0.1:11434"
            )
        if self.llm_backend == "auto":
            return implied
        if api in ("ollama", "openai") and api != self.llm_backend:
            raise ValueError(f"llm_backend {self.llm_backend!r} contradicts the scheme of llm_url {scheme!r}")
        return self.llm_backend

    def http_url(self) -> str:
        """`llm_url` with the API name taken out of the scheme: what httpx connects to."""
        parts = urlsplit(self.llm_url)
        _, _, transport = parts.scheme.partition("+")
        scheme = transport or ("http" if parts.scheme.lower() in ("ollama", "openai") else parts.scheme)
        return parts._replace(scheme=scheme).geturl().rstrip("/")
