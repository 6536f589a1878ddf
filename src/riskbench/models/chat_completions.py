"""Any server speaking the OpenAI chat-completions protocol: OpenAI itself, vLLM, Ollama,
DeepSeek, Qwen and the rest, over httpx.

Requests go through `models.http`, a minimal keep-alive HTTP/1.1 client on asyncio
streams: httpx's client and transport cost several times an attempt's whole CPU budget at
hundreds of requests in flight (docs/performance.md); its exceptions stay the vocabulary.

Keys come from the environment only and are sent only to the endpoint they belong to:
`openai:` reads OPENAI_API_KEY, `openai-compatible:` reads OPENAI_COMPATIBLE_API_KEY, so
an OpenAI key never leaks to a third-party URL.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Sequence
from email.utils import parsedate_to_datetime
from time import time
from typing import TypeVar

import httpx

from riskbench.errors import (
    BlockedError,
    CredentialsRejected,
    ModelError,
    TransientModelError,
    UsageError,
)
from riskbench.jsonl import dumps
from riskbench.models.base import ModelDefaults, providers
from riskbench.models.http import ConnectionPool, Response
from riskbench.models.keys import api_key, scrub
from riskbench.types import (
    Generation,
    Message,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
    message_images,
)

_SPEC = re.compile(r"^(https?://[^/:]+(?::\d+)?(?:/[^:]*)?):(.+)$")


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


R = TypeVar("R", httpx.Response, Response)


async def send(base_url: str, request: Awaitable[R], key_variable: str = "") -> R:
    """The response of an API request; transport failures, rate limits and server errors
    become TransientModelError (retried by the engine, honouring Retry-After); a refused
    key (401/403) is CredentialsRejected, which stops the run."""
    try:
        response = await request
    except httpx.TimeoutException as exc:
        raise TransientModelError(f"time-out talking to {base_url}") from exc
    except httpx.TransportError as exc:
        raise TransientModelError(f"connection error: {exc.__class__.__name__}") from exc
    status = response.status_code
    if status in (401, 403):
        raise CredentialsRejected(rejected_key_message(base_url, status, key_variable))
    if status == 429 or status >= 500:
        raise TransientModelError(
            f"HTTP {status}", retry_after_seconds(response.headers.get("retry-after")))
    return response


def rejected_key_message(base_url: str, status: int, key_variable: str) -> str:
    fix = f"set {key_variable} to a valid key" if key_variable else "check the API key"
    return f"{base_url} rejected the API key (HTTP {status}); {fix}"


def _wire(message: Message) -> dict[str, object]:
    """A message as the protocol wants it: plain text content, or for a message with
    images the content-parts form (a text part, then one image_url part per image)."""
    if isinstance(message, ToolCallMessage):
        return {"role": "assistant", "content": message.content or None, "tool_calls": [
            {"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls]}
    if isinstance(message, ToolResultMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id,
                "content": message.content}
    images = message_images(message)
    if not images:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, object]] = [{"type": "text", "text": message.content}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return {"role": message.role, "content": parts}


def _arguments(value: object) -> str:
    """A call's arguments as JSON text (the protocol sends a string; some servers an
    object); kept as sent, so a malformed call reaches the agent loop as it was."""
    if value is None:
        return "{}"
    return value if isinstance(value, str) else json.dumps(value)


class ChatCompletionsModel:
    defaults = ModelDefaults(concurrency=64, timeout_s=120.0)
    native_tools = True  # sends `tools`, reads `tool_calls` (generate_tools)

    def __init__(self, spec: str, base_url: str, model: str, api_key: str | None,
                 key_variable: str = "") -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.key_variable = key_variable
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        try:
            self._pool = ConnectionPool(
                self.base_url,
                httpx.create_ssl_context() if self.base_url.startswith("https:") else None)
        except ValueError:
            raise UsageError(f"bad base URL {self.base_url!r} in {spec!r}; "
                             "write http(s)://host[:port]/path") from None

    async def _request(self, method: str, path: str, body: bytes = b"",
                       timeout: float | None = 600.0) -> Response:
        return await self._pool.request(method, path, self._headers, body, timeout=timeout,
                                        connect_timeout=min(timeout or 30.0, 30.0))

    async def check(self) -> None:
        try:
            response = await self._request("GET", "/models", timeout=10.0)
        except httpx.HTTPError as exc:
            raise UsageError(scrub(
                f"cannot reach {self.base_url} ({exc.__class__.__name__}: {exc}); "
                "start the server or fix the URL in --model"
            )) from None
        if response.status_code in (401, 403):
            raise CredentialsRejected(rejected_key_message(
                self.base_url, response.status_code, self.key_variable))

    async def generate(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int,
        tools: Sequence[dict[str, object]] = (),
    ) -> Generation:
        payload: dict[str, object] = {
            "model": self.model,
            "messages": [_wire(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
        }
        if tools:
            payload["tools"] = list(tools)
        # no time-out of its own: the engine's executor bounds every model call
        response = await send(self.base_url, self._request(
            "POST", "/chat/completions", dumps(payload), timeout=None), self.key_variable)
        return self._parse(response)

    async def generate_tools(
        self, messages: Sequence[Message], tools: Sequence[dict[str, object]], *,
        max_tokens: int, temperature: float, seed: int,
    ) -> Generation:
        """One reply that may call the `tools` (chat-completions function tools)."""
        return await self.generate(messages, max_tokens=max_tokens, temperature=temperature,
                                   seed=seed, tools=tools)

    def _parse(self, response: Response) -> Generation:
        status = response.status_code
        if status >= 400:
            body = response.text[:300]
            if "content_filter" in body or "content_policy" in body:
                raise BlockedError(f"HTTP {status}: blocked by the provider's filter")
            raise ModelError(scrub(f"HTTP {status}: {body}"))
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
            calls = tuple(
                ToolCall(str(c.get("id") or f"call_{i}"), str(c["function"]["name"]),
                         _arguments(c["function"].get("arguments")))
                for i, c in enumerate(choice["message"].get("tool_calls") or ()))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelError(f"malformed chat-completions response: {exc!r}") from exc
        finish = choice.get("finish_reason") or ""
        if finish == "content_filter":
            raise BlockedError("finish_reason content_filter")
        usage = data.get("usage") or {}
        return Generation(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            finish_reason=finish,
            tool_calls=calls,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


@providers.register("openai-compatible")
def openai_compatible(rest: str) -> ChatCompletionsModel:
    match = _SPEC.match(rest)
    if not match:
        raise UsageError(
            f"bad model spec 'openai-compatible:{rest}'; "
            "write openai-compatible:<base_url>:<model>, e.g. "
            "openai-compatible:http://127.0.0.1:8000/v1:my-model"
        )
    base_url, model = match.groups()
    return ChatCompletionsModel(f"openai-compatible:{rest}", base_url, model,
                                api_key("OPENAI_COMPATIBLE_API_KEY"), "OPENAI_COMPATIBLE_API_KEY")


@providers.register("openai")
def openai(rest: str) -> ChatCompletionsModel:
    key = api_key("OPENAI_API_KEY")
    if not key:
        raise UsageError(
            "OPENAI_API_KEY is not set; export it in the environment "
            "(riskbench never reads keys from files or stores them)"
        )
    base = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
    return ChatCompletionsModel(f"openai:{rest}", base, rest, key, "OPENAI_API_KEY")
