"""The one interface every model back end implements, and the errors it may raise.

A back end does one HTTP call per `chat` and classifies what went wrong; retries, backoff and
the circuit breaker are the caller's (`resilience.py`), so each back end stays a small module
about its API's shape.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from services.llm_planner.prompt import ChatMessage
from shared.errors import CrystalRLError

log = logging.getLogger(__name__)

JsonMode = Literal["schema", "json_with_schema", "json", "none"]
"""How an answer's format is constrained (`PlannerSettings.llm_json_mode` says what each means)."""

BODY_PREVIEW = 300
"""Characters of an error body kept in exception messages (enough for a server's error text)."""


class BackendError(CrystalRLError):
    """A call to the model host failed. `retryable` says whether the same call may work a moment later."""

    retryable = False


class BackendUnavailable(BackendError):
    """The host cannot be reached or is overloaded (connection refused, reset, 5xx, 429)."""

    retryable = True


class BackendTimeout(BackendError):
    """The host took longer than `llm_timeout_s` to answer."""

    retryable = True


class BackendRejected(BackendError):
    """The host refused the request itself (unknown model, bad request, bad API key): retrying won't help."""


class FormatRejected(BackendRejected):
    """The host refused the constraint on the answer's format (the body names it), whatever the status code:
    llama.cpp's server answers an unsupported `json_schema` with HTTP 500. Asking without it may work."""


class BackendProtocolError(BackendError):
    """The host answered 200 with a body that is not the API's shape."""


class ChatBackend(ABC):
    """A chat API on a model host: messages and the plan's JSON schema in, the model's text out."""

    name: str
    format_words: tuple[str, ...] = ()
    """Words of the request's format constraint: an error body naming one is a `FormatRejected`."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, model: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.model = model

    @abstractmethod
    async def chat(
        self, messages: list[ChatMessage], schema: dict[str, Any] | None, extra: Mapping[str, Any] | None = None
    ) -> str:
        """One completion. `schema` constrains the answer where the host can; None asks for free text. `extra`:
        fields added to the request's body (the game's RAM for a demonstrator, `llm_ram`; hosts ignore them)."""

    async def aclose(self) -> None:
        await self.client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, model={self.model!r})"

    async def post_json(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """POST `body` to `path`, return the decoded JSON answer, or raise the matching `BackendError`."""
        url = f"{self.base_url}{path}"
        try:
            response = await self.client.post(url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise BackendTimeout(f"{self.name} at {url}: no answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise BackendUnavailable(f"{self.name} at {url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400 and self.format_words:
            lowered = response.text.lower()
            if any(word in lowered for word in self.format_words):
                raise FormatRejected(f"{self.name} at {url}: HTTP {response.status_code}: {preview(response.text)}")
        if response.status_code == 429 or response.status_code >= 500:
            raise BackendUnavailable(f"{self.name} at {url}: HTTP {response.status_code}: {preview(response.text)}")
        if response.status_code >= 400:
            raise BackendRejected(f"{self.name} at {url}: HTTP {response.status_code}: {preview(response.text)}")
        try:
            return response.json()
        except ValueError:
            raise BackendProtocolError(f"{self.name} at {url}: answer is not JSON: {preview(response.text)}") from None


def preview(text: str, limit: int = BODY_PREVIEW) -> str:
    """`text` on one line, cut to `limit` characters: for log lines and events, never the whole body."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
