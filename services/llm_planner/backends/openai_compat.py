"""The OpenAI-compatible chat-completions API: llama.cpp server, vLLM, LM Studio, hosted endpoints.

`base_url` is what the official `openai` client calls `base_url` (it ends in `/v1`); a bare
host gets `/v1` appended. The plan's schema goes in `response_format` as `json_schema`; a
server that rejects that (older llama.cpp builds, some proxies; llama-cpp-python's server with
HTTP 500 and a validation message naming `response_format`) is asked again with the schema in
JSON mode (`{"type": "json_object", "schema": ...}`, which both llama.cpp's server and
llama-cpp-python's turn into a grammar), then in plain JSON mode, then with no constraint. Each
step down is logged once and remembered for the rest of the run. Any status code counts when
the error names the format: a 500 that does is not the host being down.
"""

import base64
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.llm_planner.backends.base import BackendProtocolError, ChatBackend, FormatRejected, JsonMode, preview
from services.llm_planner.prompt import ChatMessage

log = logging.getLogger(__name__)

STEP_DOWN: dict[JsonMode, JsonMode] = {"schema": "json_with_schema", "json_with_schema": "json", "json": "none"}


class OpenAIBackend(ChatBackend):
    name = "openai"
    format_words = ("response_format", "json_schema", "json_object")

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        model: str,
        *,
        temperature: float,
        max_tokens: int,
        api_key: str | None = None,
        json_mode: JsonMode = "schema",
    ) -> None:
        if urlsplit(base_url).path.strip("/") == "":
            base_url = base_url.rstrip("/") + "/v1"
        super().__init__(client, base_url, model)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.json_mode: JsonMode = json_mode
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def request_body(self, messages: list[ChatMessage], schema: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [openai_message(m) for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        if schema is not None and self.json_mode == "schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "plan", "schema": schema, "strict": True},
            }
        elif schema is not None and self.json_mode == "json_with_schema":
            body["response_format"] = {"type": "json_object", "schema": schema}
        elif schema is not None and self.json_mode == "json":
            body["response_format"] = {"type": "json_object"}
        return body

    async def chat(
        self, messages: list[ChatMessage], schema: dict[str, Any] | None, extra: Mapping[str, Any] | None = None
    ) -> str:
        while True:
            try:
                body = self.request_body(messages, schema) | dict(extra or {})
                data = await self.post_json("/chat/completions", body, self.headers)
                break
            except FormatRejected as exc:
                if schema is None or self.json_mode not in STEP_DOWN:
                    raise
                lower = STEP_DOWN[self.json_mode]
                log.warning(
                    "%s rejected response_format %r; using %r from now on: %s",
                    self.base_url,
                    self.json_mode,
                    lower,
                    exc,
                )
                self.json_mode = lower
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendProtocolError(f"openai: no choices[0].message.content in {preview(str(data))}") from None
        if not isinstance(content, str):
            refusal = choice["message"].get("refusal") if isinstance(choice.get("message"), dict) else None
            raise BackendProtocolError(f"openai: no text in the answer (refusal: {refusal!r})")
        return content


def openai_message(message: ChatMessage) -> dict[str, Any]:
    """A turn as `/chat/completions` takes it: with pictures, the content is a list of parts, the text and each
    picture as a `data:` URL (detail `low`: the Game Boy's 160x144 screen has no more to show)."""
    if not message.get("images"):
        return {"role": message["role"], "content": message["content"]}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message["content"]}]
    for png in message["images"]:
        url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": "low"}})
    return {"role": message["role"], "content": parts}
