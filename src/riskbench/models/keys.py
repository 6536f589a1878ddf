"""API keys: read from the environment only, and scrubbed from every text riskbench keeps
or prints, because providers echo them back (`invalid key: Bearer sk-...`) in error
bodies that would otherwise land in the store and in published reports.

Providers read their key through `api_key(NAME)`, which also names the variable as one to
scrub; `scrub` replaces the current value of every such variable, and any bearer token,
wherever it appears. One scrubber: adapters apply it where they build error messages, the
engine and the store where errors are kept, the CLI before it prints an error.
"""

from __future__ import annotations

import os
import re

# Variables whose values are secrets even before a provider asked for them.
KEY_VARIABLES: set[str] = {"OPENAI_API_KEY", "OPENAI_COMPATIBLE_API_KEY"}
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_SHORTEST_KEY = 8  # shorter values would redact ordinary words; no real key is this short


def api_key(variable: str) -> str | None:
    """The key in `variable` (None when unset or empty), remembered for scrubbing."""
    KEY_VARIABLES.add(variable)
    return os.environ.get(variable) or None


def scrub(text: str) -> str:
    """`text` with every held key value and bearer token replaced by a placeholder."""
    if not text:
        return text
    for variable in sorted(KEY_VARIABLES):
        value = os.environ.get(variable, "").strip()
        if len(value) >= _SHORTEST_KEY and value in text:
            text = text.replace(value, f"[{variable} redacted]")
    return _BEARER.sub(r"\1[redacted]", text)
