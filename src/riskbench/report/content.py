"""What a run report says, as plain data; every renderer draws from this one dict."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from riskbench.metrics import RunScores
from riskbench.metrics.predicates import BLOCKED, FAILED, HARMFUL_UNSAFE, OK, OVER_REFUSED
from riskbench.metrics.run_scores import NO_CARD
from riskbench.models import metadata_for
from riskbench.report import agent_harm, agents, images, searches
from riskbench.report.headline import beside_secure_at_k, headline, metric_labels
from riskbench.store import spread_attempts
from riskbench.store.runs import now
from riskbench.taxonomy import category_label, code_scenarios, languages, programming_languages
from riskbench.types import Run, Score
from riskbench.version import __version__

TIERS = ("public", "restricted")
# What each tier's reader is told first. The restricted tier holds model outputs and the
# prompts that drew them, working jailbreaks and harmful completions among them.
TIER_NOTES = {
    "restricted": "RESTRICTED: this report holds harmful model outputs and the jailbreak "
                  "prompts that drew them. Do not publish or forward it; share the public "
                  "tier (report.html / report.md / report.json) instead.",
    "public": "Public tier: every number of the run; for harmful requests not answered "
              "safely the prompt, the response and the judge's rationale are withheld "
              "(the restricted tier, report-restricted.*, has them).",
}
METRICS = ("safety_rate", "secure_at_k", "refusal_rate", "attack_success_rate",
           "undetermined_rate", "evasive_rate", "over_refusal_rate", "undetermined_benign_rate",
           "insecure_code_rate", "pass_rate")
EXAMPLES = 25
GROUPS = ("category", "lang", "direct_vs_attacked", "family", "attack", "scenario",
          "prog_lang")
OPTIONAL_GROUPS = ("scenario", "prog_lang")
TITLES = {"category": "By risk category", "lang": "By language",
          "direct_vs_attacked": "Direct vs attacked", "family": "By attack family",
          "attack": "By attack", "scenario": "By coding scenario",
          "prog_lang": "By programming language"}


def _score(s: Score | None) -> dict[str, Any] | None:
    if s is None or s.value is None:
        return None
    return {"value": s.value, "low": s.low, "high": s.high, "n": s.n, **dict(s.extra)}


def _blocked(s: Score | None) -> dict[str, Any]:
    """Provider blocks of a row: their count over every attempt of the row."""
    return {"count": int(s.value or 0) if s else 0, "n": s.n if s else 0}


def _corrected(s: Score | None) -> dict[str, Any] | None:
    """The corrected safety rate, kept when it has no value so the reason
    ("no card: not corrected") is shown rather than the cell silently left empty."""
    if s is None:
        return None
    return {"value": s.value, "low": s.low, "high": s.high, "n": s.n, **dict(s.extra)}


def _correction(judge: str, scores: RunScores) -> dict[str, Any]:
    """Which card corrected the run's rates, or why none did."""
    overall = scores.get("corrected_safety_rate")
    extra = dict(overall.extra) if overall else {"card": None, "note": NO_CARD}
    return {"judge": judge, "card": extra.get("card"), "card_n": extra.get("card_n"),
            "card_version": extra.get("card_version"), "card_data": extra.get("card_data"),
            "sensitivity": extra.get("sensitivity"), "specificity": extra.get("specificity"),
            "note": extra.get("note")}


def _examples(engine: Engine, run: Run, judge: str, where: Any, tier: str) -> list[dict]:
    """Up to EXAMPLES attempts spread over the run, shown by category, item and attack."""
    rows = sorted(spread_attempts(engine, run.id, judge, where=where, limit=EXAMPLES),
                  key=lambda r: (r["category"], r["item_id"], r["attack"], r["sample"]))
    out = []
    for r in rows:
        prompt = next((m.content for m in reversed(r["transcript"]) if m.role == "user"), "")
        output = r["output"]
        rationale = r["rationale"]
        pictures = images.entries(output, tier)  # from the reference, before withholding
        if tier == "public" and r["expected"] == "refuse" and r["safe"] is not True:
            # the attack may have worked: its prompt is a working jailbreak, the output
            # harmful, and a judge's rationale may quote either
            output = f"[withheld in the public tier: {len(output)} characters]"
            prompt = f"[withheld in the public tier: {len(prompt)} characters]"
            rationale = "[withheld in the public tier]"
        out.append({k: r[k] for k in ("item_id", "attack", "category", "lang", "sample",
                                      "outcome", "status", "error")}
                   | {"prompt": prompt, "output": output, "rationale": rationale}
                   | ({"images": pictures} if pictures else {}))
    return out


def _language_gap(scores: RunScores) -> list[dict[str, Any]]:
    """Safety rate per language minus English's, with its 95 % interval; empty unless
    the run has English and another language."""
    return [{"lang": s.key, "label": languages().get(s.key, s.key), "gap": s.value,
             "low": s.low, "high": s.high, "n": s.n, "rate": s.extra["rate"],
             "base_rate": s.extra["base_rate"], "base_n": s.extra["base_n"]}
            for s in scores.scores if s.metric == "safety_gap_to_en"]


def build(engine: Engine, run: Run, scores: RunScores, tier: str = "restricted",
          examples: bool = True) -> dict[str, Any]:
    """The report's content; `examples=False` leaves out the example completions (and
    the queries that find them), e.g. for the dashboard's public run page."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS}")
    judge = scores.judge
    tables = {}
    for group in GROUPS:
        rows = []
        table = scores.table(group)
        if group in OPTIONAL_GROUPS and all(row["key"] == "" for row in table):
            continue  # suites without code scenarios or languages
        for row in table:
            entry = {"key": row["key"], **{m: _score(row.get(m)) for m in METRICS},
                     "blocked": _blocked(row.get("blocked")),
                     "corrected_safety_rate": _corrected(row.get("corrected_safety_rate"))}
            if group == "category":
                entry["label"] = category_label(row["key"])
            elif group == "scenario":
                entry["label"] = code_scenarios().get(row["key"], {}).get("label", row["key"])
            elif group == "prog_lang":
                entry["label"] = programming_languages().get(row["key"], row["key"])
            elif group == "lang":
                entry["label"] = languages().get(row["key"], row["key"])
            rows.append(entry)
        tables[group] = rows
    return {
        "riskbench_version": __version__,
        "generated_at": now(),
        "tier": tier,
        "tier_note": TIER_NOTES[tier],
        "run": {"id": run.id, "status": run.status, "created_at": run.created_at,
                "finished_at": run.finished_at, "n_cases": run.n_cases,
                "config": run.config.to_json()},
        "model": metadata_for(run.config.model),
        "judge": judge,
        "k": scores.k,
        "counts": scores.counts,
        "exclude_blocked": scores.exclude_blocked,
        "summary": {m: _score(scores.get(m)) for m in METRICS}
        | {"corrected_safety_rate": _corrected(scores.get("corrected_safety_rate"))},
        "correction": _correction(judge, scores),
        "headline": headline(scores),
        "benchmark": [
            {"metric": m, "label": label, **score}
            for m, label in metric_labels(run.config.suite).items()
            if (score := _score(scores.get(m))) is not None
        ],
        "beside_secure_at_k": [
            {"metric": m, **names, **score}
            for m, names in beside_secure_at_k(judge).items()
            if (score := _score(scores.get(m))) is not None
        ],
        "tables": tables,
        "titles": {group: TITLES[group] for group in tables},
        "language_gap": _language_gap(scores),
        "agents": agents.section(engine, run, scores.k, tier),
        "agent_harm": agent_harm.section(engine, run, tier),
        "searches": searches.section(engine, run, judge),
    } | ({"examples": _all_examples(engine, run, judge, tier)} if examples else {})


def _all_examples(engine: Engine, run: Run, judge: str, tier: str) -> dict[str, list]:
    return {
        "unsafe": _examples(engine, run, judge, HARMFUL_UNSAFE & OK, tier),
        "over_refusal": _examples(engine, run, judge, OVER_REFUSED & OK, tier),
        "blocked": _examples(engine, run, judge, BLOCKED, tier),
        "errors": _examples(engine, run, judge, FAILED, tier),
    }
