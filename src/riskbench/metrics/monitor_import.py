"""Benchmark scores measured elsewhere, as CSV: one row per model x benchmark.

Lines starting with # are comments. Columns: model (a registry id or one of its specs),
benchmark (a benchmark name of the domain config), score (in the benchmark kind's unit:
percent for rates and accuracies, 0-1 for a StrongREJECT score), and optionally n (items
behind a rate, for its Wilson interval), source (where the number comes from) and date
(when it was measured).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from riskbench.errors import UsageError
from riskbench.metrics.monitor import raw_range
from riskbench.metrics.monitor_config import MonitorConfig
from riskbench.store.runs import now
from riskbench.types import ImportedScore, ModelInfo

REQUIRED = ("model", "benchmark", "score")
OPTIONAL = ("n", "source", "date")


def read_scores(path: Path, config: MonitorConfig, source: str | None,
                models: Sequence[ModelInfo]) -> list[ImportedScore]:
    """Every row checked, or a UsageError naming the first bad one (nothing stored)."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give a CSV with columns model, benchmark, "
                         "score")
    kinds = {b.name: b.kind for d in config.domains.values() for b in d.benchmarks}
    ids = {m.id: m.id for m in models} | {s: m.id for m in models for s in m.specs}
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    kept = [(n, line) for n, line in enumerate(lines, start=1)  # '#' lines are comments
            if line.strip() and not line.lstrip().startswith("#")]
    try:
        reader = csv.DictReader([line for _, line in kept], strict=True)
        rows = list(reader)
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise UsageError(f"{path}: not valid CSV ({exc}); fix the quoting") from None
    if not rows:
        raise UsageError(f"{path}: no rows; give a header model,benchmark,score and one row "
                         "per score")
    lacking = [c for c in REQUIRED if c not in header]
    if lacking:
        raise UsageError(f"{path}: column {lacking[0]!r} is missing; the header needs "
                         "model, benchmark, score (optional n, source, date)")
    at = now()
    out: list[ImportedScore] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(rows, start=1):
        if None in raw or any(v is None for v in raw.values()):
            raise UsageError(f"{path}:{kept[index][0]}: the row's field count differs from "
                             "the header's; quote values that contain commas")
        row = {k.strip(): v.strip() for k, v in raw.items()}
        where = f"{path}:{kept[index][0]}"
        model = ids.get(row["model"])
        if model is None:
            raise UsageError(f"{where}: model {row['model']!r} is not in the registry; add "
                             "it with `riskbench models add` or `riskbench models import`")
        bench = row["benchmark"]
        if bench not in kinds:
            raise UsageError(f"{where}: unknown benchmark {bench!r}; use one of the domain "
                             f"config's: {', '.join(sorted(kinds))}")
        try:
            score = float(row["score"])
        except ValueError:
            raise UsageError(f"{where}: score {row['score']!r} is not a number") from None
        low, high = raw_range(kinds[bench])
        if not math.isfinite(score) or not low <= score <= high:
            unit = "a StrongREJECT score" if high == 1 else "a percentage"
            raise UsageError(f"{where}: score {score:g} for {bench} must be {unit} between "
                             f"{low:g} and {high:g}")
        n = None
        if row.get("n"):
            if not row["n"].isdigit() or int(row["n"]) < 1:
                raise UsageError(f"{where}: n must be a positive whole number, not "
                                 f"{row['n']!r}")
            n = int(row["n"])
        if (model, bench) in seen:
            raise UsageError(f"{where}: a second score for {model} x {bench}; keep one row")
        seen.add((model, bench))
        out.append(ImportedScore(model, bench, score, n, row.get("source") or source
                                 or path.name, str(path.resolve()), at, row.get("date", "")))
    return out
