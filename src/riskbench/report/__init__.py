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


def write_reports(engine: Engine, run: Run, scores: RunScores, out_dir: Path,
                  tier: str = "restricted") -> dict[str, Path]:
    data = content.build(engine, run, scores, tier)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "report.html", "markdown": out_dir / "report.md",
             "json": out_dir / "report.json"}
    shown = strip_controls_deep(data)  # no ESC/BEL in a page; JSON keeps the stored text
    write_atomic(paths["html"], html.render(shown))
    write_atomic(paths["markdown"], markdown.render(shown))
    write_atomic(paths["json"], json.dumps(data, indent=2, ensure_ascii=False))
    return paths


__all__ = ["write_comparison", "write_reports"]
