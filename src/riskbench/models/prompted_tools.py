"""`prompted-tools:<spec>`: any model, told to use the prompted tool path.

An agent run sends a model with native tool calls (`native_tools`, the chat-completions
adapters) its tools in the protocol's `tools` field; every other model gets them
described in its system prompt and writes its calls as text (engine/agent_loop.py). This
wrapper makes a native model take the prompted path too, for servers that accept `tools`
but do not honour them, and to compare the two paths on one model.
"""

from __future__ import annotations

from collections.abc import Sequence

from riskbench.models.base import providers
from riskbench.types import Generation, Message


class PromptedTools:
    native_tools = False

    def __init__(self, inner: object) -> None:
        from riskbench.models.base import Model

        assert isinstance(inner, Model)
        self.inner = inner
        self.spec = f"prompted-tools:{inner.spec}"
        self.defaults = inner.defaults

    async def generate(self, messages: Sequence[Message], *, max_tokens: int,
                       temperature: float, seed: int) -> Generation:
        return await self.inner.generate(messages, max_tokens=max_tokens,
                                         temperature=temperature, seed=seed)

    async def check(self) -> None:
        await self.inner.check()

    async def aclose(self) -> None:
        await self.inner.aclose()


@providers.register("prompted-tools")
def prompted_tools(rest: str) -> PromptedTools:
    from riskbench.models import get_model

    return PromptedTools(get_model(rest))
