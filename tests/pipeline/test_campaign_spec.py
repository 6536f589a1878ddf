"""Campaign specs: every mistake of a file on its own line, exit 2, nothing written or sent;
command-line values override the file's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench.errors import UsageError
from riskbench.pipeline.campaign_spec import ModelSpec, load_spec, parse_spec, with_overrides


def test_a_good_spec_parses_into_typed_records() -> None:
    spec = parse_spec({"name": "n", "suite": "starter", "k": 3, "seed": 4, "limit": 8,
                       "attacks": "direct, roleplay", "judge_model": "scripted:refuse",
                       "sampling": {"temperature": 0.5, "max_tokens": 64},
                       "models": [{"model": "openai:gpt-x", "name": "x", "concurrency": 2,
                                   "rpm": 60, "timeout": 30, "api_key_env": "MY_KEY"}]},
                      environ={"MY_KEY": "sk-secret"})
    assert spec.models == (ModelSpec("openai:gpt-x", "x", 2, 60.0, 30.0, "MY_KEY"),)
    assert spec.suites == ("starter",) and spec.attacks == ("direct", "roleplay")
    assert (spec.k, spec.seed, spec.limit, spec.sampling.temperature) == (3, 4, 8, 0.5)
    assert "sk-secret" not in str(spec.to_json())  # the key's name is kept, never its value


def test_every_mistake_gets_its_own_line() -> None:
    with pytest.raises(UsageError) as caught:
        parse_spec({"suites": ["starter"], "k": "three", "modles": 1,
                    "models": [{"model": "openai:gpt-x", "rpm": "fast",
                                "api_key_env": "UNSET_KEY"},
                               {"name": "no-model"}],
                    "sampling": {"temp": 1}}, environ={})
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 5, lines
    text = "\n".join(lines)
    assert "spec: k: expected an integer, got 'three'" in text
    assert "spec: modles: unknown key" in text
    assert "spec: models[0].rpm: expected a number, got 'fast'" in text
    assert "spec: models[1].model: missing; it is required" in text
    assert "spec: sampling.temp: unknown key" in text


def test_a_missing_key_variable_and_bad_limits_are_reported() -> None:
    with pytest.raises(UsageError) as caught:
        parse_spec({"k": 0, "models": [{"model": "openai:a", "api_key_env": "NOPE"},
                                       {"model": "scripted:refuse", "concurrency": 0},
                                       {"model": "scripted:comply", "api_key_env": "K"}]},
                   environ={"K": "x"})
    text = str(caught.value)
    assert "models[0].api_key_env: $NOPE is not set; export it" in text
    assert "models[1].concurrency: must be above 0" in text
    assert "models[2].api_key_env: provider 'scripted' takes no key" in text
    assert "k: must be at least 1" in text


def test_command_line_values_override_the_file() -> None:
    spec = parse_spec({"k": 2, "models": [{"model": "scripted:refuse"}]})
    changed = with_overrides(spec, k=5, limit=None, temperature=0.0)
    assert (changed.k, changed.limit, changed.sampling.temperature) == (5, None, 0.0)


def test_bad_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("models: [\n  - a\n")
    with pytest.raises(UsageError, match=r"not valid YAML at line \d+"):
        load_spec(path)


def test_cli_rejects_a_bad_spec_with_exit_2_before_anything_is_written(tmp_path: Path
                                                                       ) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("models:\n  - {model: 'scripted:refuse', timeout: soon}\nsuite: starter\n"
                    "judges: [refusal]\nextra: 1\n")
    db = tmp_path / "r.db"
    done = subprocess.run([sys.executable, "-m", "riskbench.cli", "campaign", str(spec),
                           "--db", f"sqlite:///{db}"], cwd=tmp_path, env=cli_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "models[0].timeout: expected a number, got 'soon'" in done.stderr
    assert "extra: unknown key" in done.stderr
    assert "Traceback" not in done.stderr
    assert not db.exists() and not (tmp_path / "reports").exists()


def test_a_spec_names_its_executor() -> None:
    """The same file runs locally or on Ray; an unknown executor is a mistake of the file."""
    from riskbench.pipeline.campaign_spec import parse_spec

    spec = parse_spec({"models": [{"model": "scripted:refuse"}], "executor": "ray",
                       "ray_address": "10.0.0.5:6379"}, environ={})
    assert (spec.executor, spec.ray_address) == ("ray", "10.0.0.5:6379")
    assert parse_spec({"models": [{"model": "scripted:refuse"}]}, environ={}).executor == \
        "local"
    with pytest.raises(UsageError, match="executor: 'spark' is not local or ray"):
        parse_spec({"models": [{"model": "scripted:refuse"}], "executor": "spark"}, environ={})
