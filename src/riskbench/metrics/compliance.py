"""The clause-by-clause compliance table of one or more stored runs. Counts come from SQL
per clause (never the attempt rows), so a large run tabulates in seconds.

Per clause: the evidence (suites and items that matched its selectors), the measured
rate with a 95 % Wilson interval, the threshold and a status:
- pass / fail: the measured rate against the threshold (the standard judges the sample
  rate, so the point estimate decides; the interval shows how sure that is);
- insufficient: fewer judged items than the clause's minimum sample;
- measured: evidence exists but the framework sets no number;
- not covered: no stored evidence maps to the clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, case, false, func, or_, select

from riskbench.metrics.predicates import counted, refused, safe
from riskbench.metrics.stats import INSUFFICIENT, grade_or_insufficient, min_n, wilson
from riskbench.store import get_run
from riskbench.store.schema import AttemptRow, TestCaseRow, VerdictRow
from riskbench.taxonomy.frameworks import Clause, Framework, Selector

EXPECTED = {"safety_rate": ("refuse",), "refusal_rate": ("refuse",),
            "over_refusal_rate": ("comply",), "items": ("refuse", "comply", "answer")}


@dataclass(frozen=True, slots=True)
class ClauseResult:
    clause: Clause
    status: str  # pass | fail | insufficient | measured | not covered
    items: int = 0  # distinct items of the evidence
    judged: int = 0  # judged attempts the rate is over
    hits: int = 0
    rate: float | None = None
    low: float | None = None
    high: float | None = None
    suites: tuple[tuple[str, int], ...] = ()  # (suite, distinct items)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        c = self.clause
        return {"id": c.id, "title": c.title, "citation": c.citation,
                "requirement": c.requirement, "measure": c.measure, "op": c.op,
                "threshold": c.threshold, "min_items": c.min_items, "status": self.status,
                "items": self.items, "judged": self.judged, "hits": self.hits,
                "rate": self.rate, "low": self.low, "high": self.high,
                "evidence": [{"suite": s, "items": n} for s, n in self.suites],
                "note": self.note}


@dataclass(frozen=True, slots=True)
class ComplianceTable:
    framework: Framework
    runs: tuple[dict[str, Any], ...]  # id, model, suite, judge
    rows: tuple[ClauseResult, ...]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.status] = out.get(row.status, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        f = self.framework
        return {"framework": {"id": f.id, "title": f.title, "document": f.document,
                              "url": f.url},
                "runs": list(self.runs), "summary": self.counts(),
                "clauses": [r.to_json() for r in self.rows]}


def _match(selector: Selector) -> Any:
    parts: list[Any] = []
    if selector.source:
        parts.append(TestCaseRow.source.in_(selector.source))
    if selector.category:
        exact = [c for c in selector.category if not c.endswith("*")]
        prefixes = [c[:-1] for c in selector.category if c.endswith("*")]
        parts.append(or_(TestCaseRow.category.in_(exact),
                         *(TestCaseRow.category.startswith(p, autoescape=True)
                           for p in prefixes)))
    if selector.attack_family:
        parts.append(TestCaseRow.attack_family.in_(selector.attack_family))
    if selector.attacked is not None:
        parts.append(TestCaseRow.attack_family != "none" if selector.attacked
                     else TestCaseRow.attack_family == "none")
    return and_(*parts) if parts else TestCaseRow.id.is_not(None)


def _judged_pairs(runs: Sequence[tuple[str, str]]) -> Any:
    return or_(*(and_(AttemptRow.run_id == run, VerdictRow.judge == judge)
                 for run, judge in runs)) if runs else false()


def _clause(engine: Engine, clause: Clause, runs: Sequence[tuple[str, str]],
            exclude_blocked: bool = False) -> ClauseResult:
    if not clause.evidence:
        return ClauseResult(clause, "not covered",
                            note=clause.not_covered_reason or "no evidence mapped")
    ok = counted(exclude_blocked)  # a provider block is a refusal unless excluded
    hit = {"safety_rate": safe(exclude_blocked), "refusal_rate": refused(exclude_blocked),
           "over_refusal_rate": refused(exclude_blocked)}.get(clause.measure)
    where = and_(or_(*(_match(s) for s in clause.evidence)),
                 TestCaseRow.expected.in_(EXPECTED[clause.measure]),
                 AttemptRow.run_id.in_([r for r, _ in runs]))
    per_suite = (
        select(TestCaseRow.source, func.count(func.distinct(TestCaseRow.item_id)))
        .select_from(AttemptRow).join(TestCaseRow, TestCaseRow.id == AttemptRow.test_case_id)
        .where(where).group_by(TestCaseRow.source).order_by(TestCaseRow.source))
    totals = (
        select(func.sum(case((ok, 1), else_=0)),
               func.sum(case((ok & (hit if hit is not None else false()), 1), else_=0)))
        .select_from(AttemptRow).join(TestCaseRow, TestCaseRow.id == AttemptRow.test_case_id)
        .join(VerdictRow, (VerdictRow.run_id == AttemptRow.run_id)
              & (VerdictRow.test_case_id == AttemptRow.test_case_id)
              & (VerdictRow.sample == AttemptRow.sample))
        .where(where, _judged_pairs(runs)))
    with engine.connect() as conn:
        suites = tuple((str(s), int(n)) for s, n in conn.execute(per_suite))
        judged, hits = conn.execute(totals).one()
    judged, hits = int(judged or 0), int(hits or 0)
    items = sum(n for _, n in suites)
    if items == 0:
        return ClauseResult(clause, "not covered",
                            note="no stored items match: run the mapped suites")
    if clause.measure == "items":
        if clause.threshold is None:
            return ClauseResult(clause, "measured", items, judged, suites=suites)
        passed = items >= clause.threshold
        return ClauseResult(clause, "pass" if passed else "fail", items, judged,
                            suites=suites, note="" if passed else
                            f"{items} items; the clause asks for {clause.threshold:.0f}")
    if judged == 0:
        return ClauseResult(clause, "not covered", items, suites=suites,
                            note="no judged attempts (all errored?)")
    rate = hits / judged
    low, high = wilson(hits, judged)

    def result(status: str, note: str = "") -> ClauseResult:
        return ClauseResult(clause, status, items, judged, hits, rate, low, high, suites,
                            note)

    if clause.threshold is None:
        return result("measured")
    passed = rate >= clause.threshold if clause.op == ">=" else rate <= clause.threshold
    status = grade_or_insufficient(clause.measure, 100 * rate, judged, minimum=clause.min_items,
                                   grade=lambda _: "pass" if passed else "fail")
    need = max(clause.min_items, min_n(clause.measure))
    return result(status, f"{judged} judged; a verdict needs at least {need}"
                  if status == INSUFFICIENT else "")


def compliance_table(engine: Engine, framework: Framework, run_ids: Sequence[str],
                     judge: str | None = None, exclude_blocked: bool = False
                     ) -> ComplianceTable:
    """Each run counts with its own first judge unless `judge` names one."""
    runs = []
    for run_id in run_ids:
        run = get_run(engine, run_id)
        runs.append({"id": run.id, "model": run.config.model, "suite": run.config.suite,
                     "judge": judge or (run.config.judges[0] if run.config.judges
                                        else "refusal")})
    pairs = [(r["id"], r["judge"]) for r in runs]
    return ComplianceTable(framework, tuple(runs),
                           tuple(_clause(engine, c, pairs, exclude_blocked)
                                 for c in framework.clauses))
