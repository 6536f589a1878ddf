"""Campaigns: a spec run over several models, each model x suite stored as an ordinary
run; this module only records which run belongs to which campaign."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select

from riskbench.errors import UsageError
from riskbench.store.runs import new_run_id, now
from riskbench.store.schema import CampaignRow, CampaignRunRow, RunRow


@dataclass(frozen=True)
class CampaignRun:
    label: str
    suite: str
    run_id: str
    status: str


def create_campaign(engine: Engine, name: str, spec: dict[str, Any]) -> str:
    campaign_id = "c" + new_run_id()
    with engine.begin() as conn:
        conn.execute(insert(CampaignRow), [{"id": campaign_id, "name": name, "spec": spec,
                                            "created_at": now()}])
    return campaign_id


def add_campaign_run(engine: Engine, campaign_id: str, label: str, suite: str,
                     run_id: str, position: int) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CampaignRunRow), [{"campaign_id": campaign_id, "label": label,
                                               "suite": suite, "run_id": run_id,
                                               "position": position}])


def get_campaign(engine: Engine, campaign_id: str) -> tuple[str, str, dict[str, Any]]:
    """(id, name, spec) of a campaign ('latest' for the newest), or a UsageError."""
    with engine.connect() as conn:
        query = select(CampaignRow)
        query = query.order_by(CampaignRow.created_at.desc(), CampaignRow.id.desc()) \
            if campaign_id == "latest" else query.where(CampaignRow.id == campaign_id)
        row = conn.execute(query.limit(1)).first()
    if row is None:
        raise UsageError(f"no campaign {campaign_id!r} in this database; `riskbench campaign "
                         "SPEC` starts one and prints its id")
    return row.id, row.name, dict(row.spec)


def campaign_runs(engine: Engine, campaign_id: str) -> list[CampaignRun]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(CampaignRunRow.label, CampaignRunRow.suite, CampaignRunRow.run_id,
                   RunRow.status)
            .join(RunRow, RunRow.id == CampaignRunRow.run_id)
            .where(CampaignRunRow.campaign_id == campaign_id)
            .order_by(CampaignRunRow.position))
        return [CampaignRun(r.label, r.suite, r.run_id, r.status) for r in rows]


def list_campaigns(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first: id, name, created_at and the runs of each campaign in spec order."""
    with engine.connect() as conn:
        heads = conn.execute(select(CampaignRow.id, CampaignRow.name, CampaignRow.created_at)
                             .order_by(CampaignRow.created_at.desc(), CampaignRow.id.desc())
                             .limit(limit)).all()
    return [{"id": h.id, "name": h.name, "created_at": h.created_at,
             "runs": [{"label": r.label, "suite": r.suite, "run_id": r.run_id,
                       "status": r.status} for r in campaign_runs(engine, h.id)]}
            for h in heads]
