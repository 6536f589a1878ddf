"""The one Jinja2 environment factory, for report and web: autoescape on for every
template and string, so model output reaches a page as text.

Compiled templates are kept in Jinja2's per-user bytecode cache (a 0700 folder of this
user under the temp folder, keyed by each template's source): compiling the report's
template took 0.6 s of CPU in every `riskbench report` and on every dashboard start.
Where no such folder can be had, templates are compiled as before."""

from __future__ import annotations

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    select_autoescape,
)


def _bytecode_cache() -> BytecodeCache | None:
    try:
        return FileSystemBytecodeCache()
    except (RuntimeError, OSError):  # no private temp folder for this user
        return None


def environment(package: str) -> Environment:
    """Templates from `package`'s templates/ folder."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
