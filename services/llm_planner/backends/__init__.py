"""Model back ends behind one interface (`ChatBackend`), chosen from the settings by `make_backend`."""

import httpx

from services.llm_planner.backends.base import (
    BackendError,
    BackendProtocolError,
    BackendRejected,
    BackendTimeout,
    BackendUnavailable,
    ChatBackend,
)
from services.llm_planner.backends.ollama import OllamaBackend
from services.llm_planner.backends.openai_compat import OpenAIBackend
from services.llm_planner.settings import PlannerSettings

__all__ = [
    "BackendError",
    "BackendProtocolError",
    "BackendRejected",
    "BackendTimeout",
    "BackendUnavailable",
    "ChatBackend",
    "OllamaBackend",
    "OpenAIBackend",
    "make_backend",
]


def make_backend(settings: PlannerSettings) -> ChatBackend:
    """The back end the settings name, with its own HTTP client (closed by `aclose`)."""
    timeout = httpx.Timeout(settings.llm_timeout_s, connect=min(settings.llm_connect_timeout_s, settings.llm_timeout_s))
    # One host, a handful of concurrent requests: keep-alive saves a handshake per plan.
    limits = httpx.Limits(max_connections=settings.concurrency * 2, max_keepalive_connections=settings.concurrency)
    client = httpx.AsyncClient(timeout=timeout, limits=limits)
    common = {
        "temperature": settings.llm_temperature,
        "max_tokens": settings.max_tokens(),
        "json_mode": settings.llm_json_mode,
    }
    base_url = settings.http_url()
    if settings.backend_name() == "ollama":
        return OllamaBackend(client, base_url, settings.llm_model, **common)
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAIBackend(client, base_url, settings.llm_model, api_key=api_key, **common)
