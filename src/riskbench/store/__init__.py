"""Stage 6: the database (SQLite by default, PostgreSQL by URL)."""

from riskbench.store.campaigns import (
    CampaignRun,
    add_campaign_run,
    campaign_runs,
    create_campaign,
    get_campaign,
    list_campaigns,
)
from riskbench.store.database import DEFAULT_URL, connect, resolve_url
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
    "load_attempts",
    "load_cases",
    "raise_if_all_failed",
    "resolve_url",
    "set_status",
    "spread_attempts",
]
