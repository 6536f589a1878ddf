"""Who may read model completions: holders of one shared token.

The token arrives as `Authorization: Bearer <token>` (API clients), from the login form,
or once as `?token=` on a page; the last two set an HttpOnly, SameSite=Strict cookie and
redirect to a URL without the token. The cookie holds an HMAC of the token, not the token.
Every comparison is constant-time (`hmac.compare_digest`), so response timing says nothing
about how much of a guess was right. Without a configured token restricted pages are
refused, never opened.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import HTTPException, Request, Response

COOKIE = "riskbench_session"
COOKIE_MAX_AGE_S = 12 * 3600
NOT_CONFIGURED = ("restricted pages are off: this server has no token; restart it with "
                  "`riskbench serve --token ...` or RISKBENCH_TOKEN set")
NEEDS_TOKEN = "this page shows model completions; give the dashboard token"


@dataclass(frozen=True)
class TokenGuard:
    token: str | None

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def check_token(self, given: str | None) -> bool:
        if not self.token or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    def session_value(self) -> str:
        """What the cookie carries: derived from the token, useless as a token itself."""
        if not self.token:
            raise ValueError("no token configured")
        return hmac.new(self.token.encode("utf-8"), b"riskbench dashboard session",
                        hashlib.sha256).hexdigest()

    def check_session(self, value: str | None) -> bool:
        if not self.token or value is None:
            return False
        return hmac.compare_digest(value.encode("utf-8"), self.session_value().encode("utf-8"))

    def authorised(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.check_token(value.strip()):
            return True
        return self.check_session(request.cookies.get(COOKIE))


class LoginRedirect(Exception):
    """A valid `?token=` on a page: set the cookie and go to the same URL without it."""

    def __init__(self, location: str, session: str) -> None:
        super().__init__(location)
        self.location = location
        self.session = session


def guard_of(request: Request) -> TokenGuard:
    guard: TokenGuard = request.app.state.guard
    return guard


def require_token(request: Request) -> None:
    """Dependency of every route that returns model completions."""
    guard = guard_of(request)
    if not guard.enabled:
        raise HTTPException(403, NOT_CONFIGURED)
    given = request.query_params.get("token")
    if given is not None and not request.url.path.startswith("/api/"):
        if guard.check_token(given):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            location = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            raise LoginRedirect(location, guard.session_value())
        raise HTTPException(401, "wrong token", headers={"WWW-Authenticate": "Bearer"})
    if not guard.authorised(request):
        raise HTTPException(401, NEEDS_TOKEN, headers={"WWW-Authenticate": "Bearer"})


def safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def set_session_cookie(request: Request, response: Response, session: str) -> None:
    response.set_cookie(COOKIE, session, max_age=COOKIE_MAX_AGE_S, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
