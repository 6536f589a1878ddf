"""Text-to-image models behind the OpenAI-compatible images API
(`POST {base}/images/generations`, `response_format: b64_json`): OpenAI's image models,
and local servers that copy the protocol.

The model interface is text in, text out, so the image does not travel through the
pipeline: it is stored by content hash (`riskbench.images`) and the reply is its
reference, `[image sha256:<hex>]`, which the image judges open. A provider refusal
(HTTP 400 naming its content policy, or no image at all) is a `blocked` attempt.

Specs: `openai-images:<base_url>:<model>` (key from OPENAI_COMPATIBLE_API_KEY);
`openai-images:<model>` for OpenAI itself (OPENAI_API_KEY, OPENAI_BASE_URL).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence

import httpx

from riskbench.errors import BlockedError, CredentialsRejected, ModelError, UsageError
from riskbench.images import store_image
from riskbench.models.base import ModelDefaults, providers
from riskbench.models.chat_completions import rejected_key_message, send
from riskbench.models.keys import api_key, scrub
from riskbench.types import Generation, Message

_SPEC = re.compile(r"^(https?://[^/:]+(?::\d+)?(?:/[^:]*)?):(.+)$")
_POLICY = ("content_policy", "content_filter", "safety system", "moderation")


class ImageGenerationModel:
    defaults = ModelDefaults(concurrency=8, timeout_s=180.0)

    def __init__(self, spec: str, base_url: str, model: str, api_key: str | None,
                 key_variable: str = "", size: str = "1024x1024") -> None:
        self.spec = spec
        self.key_variable = key_variable
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.size = size
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(600.0))

    async def check(self) -> None:
        try:
            response = await self._client.get(self.base_url + "/models", timeout=10.0)
        except httpx.HTTPError as exc:
            raise UsageError(f"cannot reach {self.base_url} ({exc.__class__.__name__}); "
                             "start the server or fix the URL in --model") from None
        if response.status_code in (401, 403):
            raise CredentialsRejected(rejected_key_message(
                self.base_url, response.status_code, self.key_variable))

    async def generate(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int
    ) -> Generation:
        """The last user message is the image prompt; sampling settings do not apply."""
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        body = {"model": self.model, "prompt": prompt, "n": 1, "size": self.size,
                "response_format": "b64_json"}
        response = await send(self.base_url, self._client.post(
            self.base_url + "/images/generations", content=json.dumps(body).encode()),
            self.key_variable)
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> Generation:
        status = response.status_code
        if status >= 400:
            text = response.text[:300]
            if any(word in text.lower() for word in _POLICY):
                raise BlockedError(f"HTTP {status}: refused by the provider's image policy")
            raise ModelError(scrub(f"HTTP {status}: {text}"))
        try:
            data = response.json().get("data") or []
            encoded = data[0].get("b64_json") if data else None
        except (ValueError, AttributeError, TypeError) as exc:
            raise ModelError(f"malformed images response: {exc!r}") from exc
        if not encoded:
            raise BlockedError("no image returned")
        try:
            image = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ModelError("images response: b64_json is not base64") from exc
        return Generation(store_image(image), finish_reason="stop")

    async def aclose(self) -> None:
        await self._client.aclose()


@providers.register("openai-images")
def openai_images(rest: str) -> ImageGenerationModel:
    match = _SPEC.match(rest)
    if match:
        base_url, model = match.groups()
        return ImageGenerationModel(f"openai-images:{rest}", base_url, model,
                                    api_key("OPENAI_COMPATIBLE_API_KEY"),
                                    "OPENAI_COMPATIBLE_API_KEY")
    if "://" in rest or not rest:
        raise UsageError(f"bad model spec 'openai-images:{rest}'; write "
                         "openai-images:<base_url>:<model> or openai-images:<model>")
    key = api_key("OPENAI_API_KEY")
    if not key:
        raise UsageError("OPENAI_API_KEY is not set; export it in the environment")
    base = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
    return ImageGenerationModel(f"openai-images:{rest}", base, rest, key, "OPENAI_API_KEY")
