"""The JSON REST API. Scores, runs, models and domains are public; attempts (which hold
model completions) need the token. The OpenAPI schema is at /openapi.json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Engine

from riskbench.web import data
from riskbench.web.auth import require_token

router = APIRouter(prefix="/api", tags=["api"])
Token = [Depends(require_token)]


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


DB = Annotated[Engine, Depends(engine_of)]


@router.get("/runs", summary="Stored runs, newest first")
def list_runs(engine: DB, limit: Annotated[int, Query(ge=1, le=1000)] = 200
              ) -> list[dict[str, Any]]:
    return data.runs(engine, limit)


@router.get("/runs/{run_id}", summary="One run with its scores (no completions)")
def get_run(run_id: str, engine: DB) -> dict[str, Any]:
    """`latest` names the newest run. Rates carry 95 % Wilson intervals."""
    return data.run_detail(engine, run_id)


@router.get("/runs/{run_id}/attempts", dependencies=Token,
            summary="A run's attempts with transcripts (token)")
def run_attempts(
    run_id: str, engine: DB, only: data.Only = data.Only.all,
    after: Annotated[str | None, Query(pattern=data.CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=data.ATTEMPTS_MAX)] = data.ATTEMPTS_PAGE,
) -> dict[str, Any]:
    """Pages by key: pass the previous page's `next` as `after` (null: the last page)."""
    return data.attempts(engine, run_id, only, after, limit)


@router.get("/models", summary="The model registry")
def list_models(engine: DB) -> list[dict[str, Any]]:
    return data.models(engine)


@router.get("/models/{model_id:path}", summary="One model: registry entry, domain scores, runs")
def get_model(model_id: str, engine: DB) -> dict[str, Any]:
    return data.model_detail(engine, model_id)


@router.get("/domains", summary="Risk domains and their benchmarks")
def list_domains() -> list[dict[str, Any]]:
    return data.domains_list()


@router.get("/scores", summary="Capability C, safety S and risk R per model and domain")
def list_scores(engine: DB, domain: str | None = None, model: str | None = None
                ) -> list[dict[str, Any]]:
    return data.scores(engine, domain, model)


@router.get("/domains/{name}", summary="One domain: scores, frontier and trends")
def get_domain(name: str, engine: DB, by: str = "family") -> dict[str, Any]:
    """`by` groups the trends: family, vendor, reasoning, open_weights or modality."""
    return data.domain_detail(engine, name, by)


@router.get("/frontier", summary="Models on a domain's risk Pareto frontier")
def get_frontier(domain: str, engine: DB) -> dict[str, Any]:
    """No other model is both more capable and less safe; by capability ascending."""
    detail = data.domain_detail(engine, domain)
    return {"domain": domain, "frontier": detail["frontier"]}
