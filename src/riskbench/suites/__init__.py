"""Stage 1: benchmark definitions, handing on `Item`s."""

from pathlib import Path
from urllib.parse import parse_qsl

from riskbench.suites import agent_harm as _agent_harm  # noqa: F401  (registers)
from riskbench.suites import agentdojo as _agentdojo  # noqa: F401  (registers)
from riskbench.suites import code_safety as _code_safety  # noqa: F401  (registers)
from riskbench.suites import image_generation as _image_generation  # noqa: F401
from riskbench.suites import multilingual as _multilingual  # noqa: F401  (registers)
from riskbench.suites import public as _public  # noqa: F401  (registers the formats)
from riskbench.suites import starter as _starter  # noqa: F401  (registers)
from riskbench.suites import tc260 as _tc260  # noqa: F401  (registers)
from riskbench.suites.base import Suite, builders, formats, suites
from riskbench.suites.files import load_suite_file


def load_suite(name_or_path: str) -> Suite:
    """A registered suite by name, a public format as FORMAT:PATH[?k=v&...] (or FORMAT
    alone to fetch the upstream file), or a JSONL / YAML file of items by path."""
    if name_or_path in suites.names():
        return suites.get(name_or_path)()
    fmt, sep, rest = name_or_path.partition(":")
    if fmt in formats.names() and (sep or rest == ""):
        path_text, _, query = rest.partition("?")
        options = dict(parse_qsl(query, keep_blank_values=True))
        return formats.get(fmt)(Path(path_text) if path_text else None, options)
    if any(ch in name_or_path for ch in "/\\.") or Path(name_or_path).exists():
        return load_suite_file(Path(name_or_path))
    return suites.get(name_or_path)()  # raises the 'unknown suite' error


__all__ = ["Suite", "builders", "formats", "load_suite", "suites"]
