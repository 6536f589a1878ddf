"""Stage 7b (after metrics): regulatory compliance. A framework's clauses, thresholds and
evidence mappings are package data (`data/`); `compliance_table` reads the store and
turns stored runs into a clause-by-clause table, `write_compliance` writes it out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from riskbench.atomic import write_atomic
from riskbench.errors import UsageError
from riskbench.metrics.compliance import ClauseResult, ComplianceTable, compliance_table
from riskbench.report.compliance import to_html, to_json, to_markdown
from riskbench.store import connect
from riskbench.taxonomy.frameworks import (
    Clause,
    Framework,
    Selector,
    frameworks,
    get_framework,
)


def evaluate_compliance(framework: str, run_ids: Sequence[str], db_url: str | None = None,
                        judge: str | None = None, exclude_blocked: bool = False
                        ) -> ComplianceTable:
    """`run_ids` may hold 'latest'. The framework is checked before the store is opened,
    so a typo costs nothing. Provider blocks count as refusals unless `exclude_blocked`."""
    spec = get_framework(framework)
    if not run_ids:
        raise UsageError("give one or more run ids or --latest (`riskbench runs` lists them)")
    return compliance_table(connect(db_url), spec, run_ids, judge, exclude_blocked)


def write_compliance(table: ComplianceTable, out_dir: Path) -> dict[str, Path]:
    """compliance-<framework>.{md,html,json}; each file is written whole or not at all."""
    stem = f"compliance-{table.framework.id}"
    paths = {"markdown": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html",
             "json": out_dir / f"{stem}.json"}
    texts = {"markdown": to_markdown(table), "html": to_html(table), "json": to_json(table)}
    for kind, path in paths.items():
        write_atomic(path, texts[kind])
    return paths


__all__ = ["Clause", "ClauseResult", "ComplianceTable", "Framework", "Selector",
           "compliance_table", "evaluate_compliance", "frameworks", "get_framework",
           "write_compliance"]
