"""Stage 8: reports (HTML, Markdown, JSON) written from the store alone."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from riskbench.atomic import write_atomic
from riskbench.escaping import strip_controls_deep
from riskbench.metrics import RunScores
from riskbench.report import content, html, markdown
from riskbench.report.comparison import write_comparison
from riskbench.types import Run

TIER_FILES = {"public": "report", "restricted": "report-restricted"}


def write_reports(engine: Engine, run: Run, scores: RunScores, out_dir: Path,
                  tier: str = "both") -> dict[str, Path]:
    """The run's reports in HTML, Markdown and JSON, for `tier` public, restricted or both
    (the default): public as report.*, restricted as report-restricted.* under a banner.
    Keys "html", "markdown", "json" name the restricted files when there are any (the
    full record), the public ones otherwise; "public html" etc. the public ones."""
    tiers = ("restricted", "public") if tier == "both" else (tier,)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for each in tiers:
        data = content.build(engine, run, scores, each)
        stem = out_dir / TIER_FILES[each]
        files = {"html": stem.with_suffix(".html"), "markdown": stem.with_suffix(".md"),
                 "json": stem.with_suffix(".json")}
        shown = strip_controls_deep(data)  # no ESC/BEL in a page; JSON keeps the stored text
        write_atomic(files["html"], html.render(shown))
        write_atomic(files["markdown"], markdown.render(shown))
        write_atomic(files["json"], json.dumps(data, indent=2, ensure_ascii=False))
        for kind, path in files.items():
            paths.setdefault(kind, path)
            if each == "public" and len(tiers) > 1:
                paths[f"public {kind}"] = path
    return paths


__all__ = ["write_comparison", "write_reports"]
