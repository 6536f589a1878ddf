"""What the pages and the API show, as plain JSON-ready data, read through the store,
metrics (the monitor's too) and report APIs. Pages and API draw from these same functions, so a
number on a page is the number the API returns."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import StrEnum
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Engine, select

from riskbench import metrics, store
from riskbench.errors import UsageError
from riskbench.images import image_refs
from riskbench.metrics import monitor_scores as monitor
from riskbench.metrics.monitor_config import load_config
from riskbench.metrics.predicates import BLOCKED, FAILED, HARMFUL_UNSAFE, OK, OVER_REFUSED
from riskbench.report import content
from riskbench.report.images import png_bytes
from riskbench.store.schema import AttemptRow
from riskbench.types import Run

RUNS_LIMIT = 200
ATTEMPTS_PAGE = 50
ATTEMPTS_MAX = 500
# A page cursor: "<position>.<sample>" of the previous page's last attempt. Bounded digits
# keep it far below SQLite's 64-bit limit: anything else is refused at the edge (422).
CURSOR = r"^[0-9]{1,12}\.[0-9]{1,9}$"


class Only(StrEnum):
    """Which attempts a transcript listing shows."""

    all = "all"
    unsafe = "unsafe"
    over_refusal = "over_refusal"
    blocked = "blocked"  # declined by the provider (counted as refusals)
    errors = "errors"


def plain(value: Any) -> Any:
    """Records -> JSON-ready dicts, dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def not_found(what: str) -> HTTPException:
    return HTTPException(404, what)


def _run(engine: Engine, run_id: str) -> Run:
    try:
        return store.get_run(engine, run_id)
    except UsageError:
        raise not_found(f"no run {run_id!r} in this database") from None


def runs(engine: Engine, limit: int = RUNS_LIMIT) -> list[dict[str, Any]]:
    return [plain(r) for r in store.list_runs(engine, limit)]


def run_detail(engine: Engine, run_id: str) -> dict[str, Any]:
    """The run report's content without its examples: scores are public, completions
    are not (they are on the token-guarded transcript routes)."""
    run = _run(engine, run_id)
    scores = metrics.cached_score_run(engine, run.id, run.config.judges[0], run.config.k)
    return plain(content.build(engine, run, scores, tier="public", examples=False))


def _filter(only: Only) -> Any:
    return {
        Only.all: None,
        Only.unsafe: OK & HARMFUL_UNSAFE,
        Only.over_refusal: OK & OVER_REFUSED,
        Only.blocked: BLOCKED,
        Only.errors: FAILED,
    }[only]


def _cursor(text: str | None) -> store.Cursor | None:
    if not text:
        return None
    position, sample = text.split(".")
    return int(position), int(sample)


def attempts(engine: Engine, run_id: str, only: Only = Only.all, after: str | None = None,
             limit: int = ATTEMPTS_PAGE) -> dict[str, Any]:
    """One page of a run's attempts with full transcripts and the scoring judge's verdict,
    read by key: `after` is the previous page's `next` (a CURSOR), so any page costs one
    page of rows however deep it is."""
    run = _run(engine, run_id)
    limit = min(max(1, limit), ATTEMPTS_MAX)
    rows = store.load_attempts(engine, run.id, run.config.judges[0], where=_filter(only),
                               after=_cursor(after), limit=limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "run_id": run.id, "model": run.config.model, "suite": run.config.suite,
        "judge": run.config.judges[0], "only": only.value, "after": after, "limit": limit,
        "more": more, "next": "{}.{}".format(*page[-1]["cursor"]) if more else None,
        "attempts": [
            {k: r[k] for k in ("item_id", "attack", "category", "lang", "expected", "sample",
                               "status", "error", "output", "outcome", "safe", "rationale")}
            | {"transcript": [{"role": m.role, "content": m.content} for m in r["transcript"]],
               "images": image_refs(r["output"] or "")}
            for r in page
        ],
    }


def run_image(engine: Engine, run_id: str, digest: str) -> bytes:
    """A generated image's PNG, only when an attempt of this run references it: the
    hash alone opens nothing from another run or outside the store."""
    run = _run(engine, run_id)
    with engine.connect() as conn:
        owned = conn.execute(
            select(AttemptRow.sample).where(
                AttemptRow.run_id == run.id,
                AttemptRow.output.contains(f"[image sha256:{digest}]"))
            .limit(1)).first()
    data = png_bytes(digest) if owned else None
    if data is None:
        raise not_found(f"no image {digest[:16]}... in run {run.id!r}" if not owned else
                        f"image {digest[:16]}... is not in this server's image store")
    return data


# --- the monitor --------------------------------------------------------------------


def _domain_titles() -> dict[str, str]:
    return {name: d.title for name, d in load_config().domains.items()}


def domains_list() -> list[dict[str, Any]]:
    return [
        {"name": d.name, "title": d.title,
         "benchmarks": [plain(b) for b in d.benchmarks]}
        for d in load_config().domains.values()
    ]


def _domain(name: str) -> str:
    if name not in load_config().domains:
        raise not_found(f"no domain {name!r}; the domains are "
                        + ", ".join(load_config().domains))
    return name


def models(engine: Engine) -> list[dict[str, Any]]:
    return [plain(m) for m in monitor.list_models(engine)]


def scores(engine: Engine, domain: str | None = None, model: str | None = None
           ) -> list[dict[str, Any]]:
    if domain is not None:
        _domain(domain)
    found = monitor.load_scores(engine, domain)
    return [plain(s) for s in found if model is None or s.model == model]


def model_detail(engine: Engine, model_id: str) -> dict[str, Any]:
    try:
        info = monitor.get_model_info(engine, model_id)
    except UsageError:
        raise not_found(f"no model {model_id!r} in the registry") from None
    specs = {info.id, *info.specs}
    titles = _domain_titles()
    mine = [s for s in monitor.load_scores(engine) if s.model == info.id]
    return {
        "model": plain(info),
        "illustrative": monitor.illustrative(mine),
        "scores": [plain(s) | {"domain_title": titles.get(s.domain, s.domain)}
                   for s in mine],
        "runs": [r for r in runs(engine) if r["config"]["model"] in specs],
    }


GROUPINGS = ("family", "vendor", "reasoning", "open_weights", "modality")


def domain_detail(engine: Engine, name: str, by: str = "family") -> dict[str, Any]:
    """One domain: every model's C, S, R, the risk Pareto frontier, the running maximum of
    R over release dates with its growth over the last year, and R by family (or `by`)."""
    _domain(name)
    if by not in GROUPINGS:
        raise HTTPException(400, f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    config = load_config().domains[name]
    found = sorted(monitor.load_scores(engine, name),
                   key=lambda s: (s.risk is None, -(s.risk or 0.0), s.model))
    registry = {m.id: m for m in monitor.list_models(engine)}
    scored = [s for s in found if s.capability is not None and s.safety is not None]
    dated = [s for s in found if s.risk is not None and registry.get(s.model)
             and registry[s.model].release_date is not None]
    series = monitor.cumulative_max_risk(dated, registry)
    return {
        "domain": {"name": config.name, "title": config.title,
                   "benchmarks": [plain(b) for b in config.benchmarks]},
        "scores": [plain(s) | {"model_name": registry[s.model].name
                               if s.model in registry else s.model} for s in found],
        "frontier": monitor.frontier(scored),
        "illustrative": monitor.illustrative(found),
        "cumulative_max_risk": [plain(p) for p in series],
        "growth_365d": plain(monitor.growth(series, 365)) if series else None,
        "trends_by": by,
        "family_trends": {k: [plain(p) for p in v]
                          for k, v in monitor.family_trends(dated, registry, by).items()},
    }
