"""The one Jinja2 environment factory, for report and web: autoescape on for every
template and string, so model output reaches a page as text."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape


def environment(package: str) -> Environment:
    """Templates from `package`'s templates/ folder."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
