"""Ollama's native chat API (`POST /api/chat`), with `format` set to the plan's JSON schema.

Ollama constrains decoding to a schema given in `format` (since 0.5), which is what makes a
1-2 B model produce a valid plan nearly every time.
"""

import base64
from collections.abc import Mapping
from typing import Any

import httpx

from services.llm_planner.backends.base import BackendProtocolError, BackendRejected, ChatBackend, JsonMode, preview
from services.llm_planner.prompt import ChatMessage


class OllamaBackend(ChatBackend):
    name = "ollama"

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        model: str,
        *,
        temperature: float,
        max_tokens: int,
        json_mode: JsonMode = "schema",
    ) -> None:
        super().__init__(client, base_url, model)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.json_mode = json_mode

    def request_body(self, messages: list[ChatMessage], schema: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [ollama_message(m) for m in messages],
            "stream": False,
            "options": {"temperature": self.temperature, "num_predict": self.max_tokens},
        }
        if schema is not None and self.json_mode in ("schema", "json_with_schema"):  # one way to send a schema
            body["format"] = schema
        elif schema is not None and self.json_mode == "json":
            body["format"] = "json"
        return body

    async def chat(
        self, messages: list[ChatMessage], schema: dict[str, Any] | None, extra: Mapping[str, Any] | None = None
    ) -> str:
        try:
            data = await self.post_json("/api/chat", self.request_body(messages, schema) | dict(extra or {}))
        except BackendRejected as exc:
            if "not found" in str(exc):
                raise BackendRejected(f"{exc} (is the model pulled? `ollama pull {self.model}`)") from None
            raise
        try:
            content = data["message"]["content"]
        except (KeyError, TypeError):
            raise BackendProtocolError(f"ollama: no message.content in {preview(str(data))}") from None
        if not isinstance(content, str):
            raise BackendProtocolError(f"ollama: message.content is {type(content).__name__}, not text")
        return content


def ollama_message(message: ChatMessage) -> dict[str, Any]:
    """A turn as `/api/chat` takes it: pictures as base64 in the message's `images`."""
    out: dict[str, Any] = {"role": message["role"], "content": message["content"]}
    if message.get("images"):
        out["images"] = [base64.b64encode(png).decode("ascii") for png in message["images"]]
    return out
