"""Stage 6: the database (SQLite by default, PostgreSQL by URL).

The names load on first use (PEP 562): `riskbench runs` reads a SQLite store through
`store.listing` and the stdlib driver, without importing SQLAlchemy (half its start-up)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    **{name: "riskbench.store.campaigns" for name in (
        "CampaignRun", "add_campaign_run", "campaign_runs", "create_campaign",
        "get_campaign", "list_campaigns")},
    "connect": "riskbench.store.database",
    "DEFAULT_URL": "riskbench.store.driver", "resolve_url": "riskbench.store.driver",
    "list_runs_at": "riskbench.store.listing",
    **{name: "riskbench.store.runs" for name in (
        "AttemptWriter", "Cursor", "create_run", "done_keys", "forget_failed", "get_run",
        "list_runs", "load_attempts", "load_cases", "raise_if_all_failed", "set_status",
        "spread_attempts")},
}
_MODULES = ("campaigns", "case_counts", "database", "driver", "listing", "monitor", "runs",
            "schema", "score_cache")

if TYPE_CHECKING:
    from riskbench.store.campaigns import (
        CampaignRun,
        add_campaign_run,
        campaign_runs,
        create_campaign,
        get_campaign,
        list_campaigns,
    )
    from riskbench.store.database import connect
    from riskbench.store.driver import DEFAULT_URL, resolve_url
    from riskbench.store.listing import list_runs_at
    from riskbench.store.runs import (
        AttemptWriter,
        Cursor,
        create_run,
        done_keys,
        forget_failed,
        get_run,
        list_runs,
        load_attempts,
        load_cases,
        raise_if_all_failed,
        set_status,
        spread_attempts,
    )


def __getattr__(name: str) -> Any:
    if name in _MODULES:  # `store.runs.now()` before anything imported the module
        return importlib.import_module(f"riskbench.store.{name}")
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'riskbench.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_URL",
    "AttemptWriter",
    "CampaignRun",
    "Cursor",
    "add_campaign_run",
    "campaign_runs",
    "connect",
    "create_campaign",
    "create_run",
    "done_keys",
    "forget_failed",
    "get_campaign",
    "get_run",
    "list_campaigns",
    "list_runs",
    "list_runs_at",
    "load_attempts",
    "load_cases",
    "raise_if_all_failed",
    "resolve_url",
    "set_status",
    "spread_attempts",
]
