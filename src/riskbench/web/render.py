"""Jinja2 with autoescape on for every template and string: model output reaches the
page as text. Nothing a template prints is marked safe except SVG built by
`report/svg.py`, which escapes its own labels."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from riskbench.report.templating import environment
from riskbench.version import __version__
from riskbench.web.auth import guard_of

_env = environment("riskbench.web")


def render(request: Request, template: str, *, status_code: int = 200,
           headers: dict[str, Any] | None = None, **context: Any) -> HTMLResponse:
    guard = guard_of(request)
    html = _env.get_template(template).render(
        **context,
        version=__version__,
        restricted_on=guard.enabled,
        signed_in=guard.authorised(request),
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
