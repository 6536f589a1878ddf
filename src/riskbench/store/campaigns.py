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
