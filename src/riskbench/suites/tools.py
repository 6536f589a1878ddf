"""What every agent environment shares: the outcome of one tool call, and the reading of
a call's raw arguments (a model's text: it may not be JSON, or not an object)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from riskbench.types import ToolCall

# errors raised before a tool starts (AgentDojo's names for the last two)
MALFORMED = ("MalformedCall", "ToolNotFoundError", "ValidationError")


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    text: str
    error: str | None  # the error text the model is shown, "Type: message"

    @property
    def malformed(self) -> bool:
        """A call the tool could not even start: no or unknown tool, arguments that are
        not a JSON object or fail its schema (a tool's own failure, like an unknown IBAN,
        is not malformed)."""
        return self.error is not None and self.error.split(":")[0] in MALFORMED


def call_arguments(call: ToolCall) -> dict[str, Any] | ToolOutcome:
    """The call's arguments as an object, or the MalformedCall error to show the model
    (such a call is never executed)."""
    if not call.name:
        return ToolOutcome("", "MalformedCall: the call names no tool")
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError as exc:
        return ToolOutcome("", f"MalformedCall: the arguments are not valid JSON ({exc})")
    if not isinstance(arguments, dict):
        return ToolOutcome("", "MalformedCall: the arguments must be a JSON object")
    return arguments
