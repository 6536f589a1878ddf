"""The FastAPI app: JSON API under /api, server-rendered pages elsewhere.

Every response carries a Content-Security-Policy that allows no script at all (the pages
need none: charts are SVG drawn on the server), the stylesheet from this server only, no
framing and no referrer, so even an unescaped completion could not run or leak a URL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from riskbench import store
from riskbench.version import __version__
from riskbench.web import api, pages
from riskbench.web.auth import LoginRedirect, TokenGuard, safe_next, set_session_cookie
from riskbench.web.render import render

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(db_url: str | None = None, token: str | None = None) -> FastAPI:
    """The dashboard over the store at `db_url`; `token` unlocks the pages and routes
    that show model completions (None: they stay locked)."""
    engine = store.connect(db_url)
    app = FastAPI(
        title="riskbench dashboard API",
        version=__version__,
        description="Runs, run scores, the model registry and per-domain capability, "
                    "safety and risk scores. Routes returning model completions need "
                    "`Authorization: Bearer <token>`.",
        docs_url=None, redoc_url=None,  # the interactive docs would need scripts
        openapi_url="/openapi.json",
    )
    app.state.engine = engine
    app.state.guard = TokenGuard(token or None)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("riskbench.web", "static")]), name="static")

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]
                               ) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith(("/run/", "/api/runs/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRedirect)
    async def login_redirect(request: Request, exc: LoginRedirect) -> Response:
        response = RedirectResponse(exc.location, status_code=303)
        set_session_cookie(request, response, exc.session)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers: dict[str, Any] = dict(exc.headers or {})
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)
        if exc.status_code == 401:
            return render(request, "login.html.j2", status_code=401, headers=headers,
                          next=safe_next(request.url.path), message=exc.detail)
        return render(request, "error.html.j2", status_code=exc.status_code, headers=headers,
                      status=exc.status_code, message=exc.detail)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """Runs outside the middleware stack, so it sets the security headers itself."""
        return JSONResponse({"detail": "internal error"}, 500, headers=HEADERS)

    return app

