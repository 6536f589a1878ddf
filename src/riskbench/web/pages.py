"""Server-rendered pages: overview, domain, model and run are public; transcripts need
the token. No page carries a script; every value from the store is escaped."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, RedirectResponse

from riskbench.metrics.monitor_scores import illustrative, load_scores
from riskbench.report import svg
from riskbench.web import data
from riskbench.web.api import DB
from riskbench.web.auth import (
    COOKIE,
    NOT_CONFIGURED,
    guard_of,
    require_token,
    safe_next,
    set_session_cookie,
)
from riskbench.web.render import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
LOGIN_BODY_MAX = 4096
SHA256 = r"^[0-9a-f]{64}$"


@router.get("/")
def overview(request: Request, engine: DB) -> Response:
    all_scores = data.scores(engine)
    domains = [d | {"n_scored": sum(1 for s in all_scores if s["domain"] == d["name"]
                                    and s["risk"] is not None)}
               for d in data.domains_list()]
    return render(request, "overview.html.j2", domains=domains, models=data.models(engine),
                  runs=data.runs(engine, 20), illustrative=illustrative(load_scores(engine)))


def _when(text: str) -> date:
    return date.fromisoformat(text)


@router.get("/domain/{name}")
def domain(name: str, request: Request, engine: DB, by: str = "family") -> Response:
    d = data.domain_detail(engine, name, by)
    points = [svg.Point(s["capability"], s["safety"], s["model"],
                           f"{s['model_name']}: C = {s['capability']:.1f}, "
                           f"S = {s['safety']:.1f}, R = {s['risk']:.1f}"
                           if s["risk"] is not None else s["model_name"])
              for s in d["scores"] if s["capability"] is not None and s["safety"] is not None]
    scatter = svg.scatter(points, d["frontier"],
                          f"{d['domain']['title']}: capability vs safety, risk frontier")
    trend = svg.family_lines(
        {family: [(_when(p["release_date"]), p["risk"], p["model"])
                  for p in series if p["risk"] is not None]
         for family, series in sorted(d["family_trends"].items())},
        f"{d['domain']['title']}: risk by release date, by {by.replace('_', ' ')}",
        "risk R (0-100)",
        [(_when(p["release_date"]), p["cummax"], p["leader"])
         for p in d["cumulative_max_risk"]],
    )
    return render(request, "domain.html.j2", **d, scatter=scatter, trend=trend,
                  groupings=data.GROUPINGS)


@router.get("/model/{model_id:path}")
def model(model_id: str, request: Request, engine: DB) -> Response:
    return render(request, "model.html.j2", **data.model_detail(engine, model_id))


@router.get("/run/{run_id}")
def run(run_id: str, request: Request, engine: DB) -> Response:
    detail = data.run_detail(engine, run_id)
    chart = svg.bar(detail["tables"].get("category", []), "safety_rate",
                      "Safety rate by category")
    return render(request, "run.html.j2", **detail, chart=chart)


@router.get("/run/{run_id}/transcripts", dependencies=[Depends(require_token)])
def transcripts(run_id: str, request: Request, engine: DB,
                only: data.Only = data.Only.all,
                after: Annotated[str | None, Query(pattern=data.CURSOR)] = None
                ) -> Response:
    found = data.attempts(engine, run_id, only, after)
    first = f"{request.url.path}?{urlencode({'only': only.value})}"
    return render(request, "transcripts.html.j2", **found,
                  first_page=first if after else None,
                  next_page=f"{first}&{urlencode({'after': found['next']})}"
                  if found["next"] else None,
                  filters=[o.value for o in data.Only])


@router.get("/run/{run_id}/images/{sha}", dependencies=[Depends(require_token)])
def run_image(run_id: str, sha: Annotated[str, FastAPIPath(pattern=SHA256)],
              engine: DB) -> Response:
    """A generated image of this run, for the transcript page: never cached, never
    sniffed as anything but a PNG."""
    return Response(data.run_image(engine, run_id, sha), media_type="image/png",
                    headers={"X-Content-Type-Options": "nosniff",
                             "Cache-Control": "no-store"})


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if not guard_of(request).enabled:
        raise HTTPException(403, NOT_CONFIGURED)
    return render(request, "login.html.j2", next=safe_next(next), message="")


@router.post("/login")
async def login(request: Request) -> Response:
    """The form posts the token (never in a URL); a right one sets the session cookie."""
    guard = guard_of(request)
    if not guard.enabled:
        raise HTTPException(403, NOT_CONFIGURED)
    body = await request.body()
    if len(body) > LOGIN_BODY_MAX:
        raise HTTPException(413, "login form too large")
    form = parse_qs(body.decode("utf-8", "replace"))
    target = safe_next((form.get("next") or ["/"])[0])
    if not guard.check_token(next(iter(form.get("token", [])), None)):
        return render(request, "login.html.j2", status_code=401, next=target,
                      message="wrong token")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, guard.session_value())
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
