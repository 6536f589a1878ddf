"""A run of an API model registers the providers only up to its own: it does not import
the embedded model's module (and torch, ~2 s of CPU per command on these machines)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from riskbench.errors import UsageError
from riskbench.models import get_model


def test_an_api_model_does_not_import_the_embedded_model() -> None:
    code = ("import sys; from riskbench.models import get_model; "
            "get_model('openai-compatible:http://127.0.0.1:9/v1:m'); "
            "print('torch' in sys.modules, 'riskbench.models.local' in sys.modules); "
            "get_model('scripted:refuse'); "  # the last provider module still registers
            "from riskbench.models import providers; "
            "print(' '.join(sorted(providers.names())))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    first, names = result.stdout.splitlines()
    assert first == "False False"
    assert {"local", "hf", "openai", "openai-compatible", "scripted"} <= set(names.split())


def test_an_unknown_provider_lists_every_provider() -> None:
    with pytest.raises(UsageError) as error:
        get_model("nosuch:thing")
    assert "openai-compatible" in str(error.value) and "local" in str(error.value)
