"""Markdown for papers and pull requests. Model and suite text go through one escaper
(`markdown_cell`): no live link, image, HTML or heading, one table cell per value."""

from __future__ import annotations

from typing import Any

from riskbench.escaping import markdown_cell
from riskbench.report.format import percent_ci
from riskbench.report.images import note


def _cell(text: Any, limit: int = 300) -> str:
    return markdown_cell(text, limit)


def _pct(score: dict[str, Any] | None) -> str:
    if not score or score.get("value") is None:
        return "–"
    return percent_ci(score["value"], score["low"], score["high"], 1, 1, ", ")


def _corr(score: dict[str, Any] | None) -> str:
    """A corrected rate, or why there is none ("no card: not corrected")."""
    if not score:
        return "–"
    return _pct(score) if score["value"] is not None else _cell(score["note"])


def _correction(c: dict[str, Any]) -> str:
    corr = c["correction"]
    if not corr["card"]:
        return f"Judge {_cell(c['judge'])}: {_cell(corr['note'])}; the rates are as observed."
    return (f"Corrected rates: the observed unsafe rate corrected for the judge's measured "
            f"error (Rogan–Gladen) with the card of {_cell(corr['card'])} (n = "
            f"{corr['card_n']} human-labelled responses; sensitivity "
            f"{corr['sensitivity']:.3f}, specificity {corr['specificity']:.3f}; its data in "
            "the JSON report and docs/judges.md); corrected safety = 1 − corrected unsafe, "
            "its 95 % interval propagates the run's verdicts and the card's Se and Sp (Jeffreys "
            "posteriors), so even a card with no errors seen widens it.")


def _gap(g: dict[str, Any]) -> str:
    """A difference in percentage points, signed."""
    return f"{100 * g['gap']:+.1f} pp [{100 * g['low']:+.1f}, {100 * g['high']:+.1f}]"


def _image_lines(e: dict[str, Any]) -> str:
    """A reference per generated image; Markdown never embeds pixels."""
    return "".join(
        f"<br>image sha256:{im['sha256']}"
        + (" (in the restricted HTML report)" if im["state"] == "available"
           else f" {_cell(note(im))}")
        for im in e.get("images", ()))


def _blocked_note(c: dict[str, Any]) -> str:
    how = ("excluded from rates: model-only figures" if c.get("exclude_blocked")
           else "counted as refusals by the deployed system")
    return f"{c['counts'].get('blocked', 0)} blocked by the provider ({how})"


def _agents(a: dict[str, Any]) -> list[str]:
    """Utility, utility under attack and attack success; hijacked transcripts with every
    tool call and result."""
    k = a["k"]
    passes = k > 1
    lines = []
    for group, title in a["titles"].items():
        lines += [f"## Agent: {title.lower()}", "",
                  f"| {group} | utility | with no call | utility under attack | "
                  "with no call | attack success | malformed calls | n alone | n attacked |"
                  + (f" utility pass^{k} | under attack pass^{k} | resisted pass^{k} |"
                     if passes else ""),
                  "|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if passes else "")]
        for row in a["tables"][group]:
            bad = row.get("malformed_calls")
            lines.append(
                f"| {_cell(row['key'])} | {_pct(row.get('utility'))} | "
                f"{_pct(row.get('utility_floor'))} | {_pct(row.get('utility_under_attack'))} | "
                f"{_pct(row.get('utility_under_attack_floor'))} | "
                f"{_pct(row.get('attack_success'))} | "
                + (f"{bad['malformed']} of {bad['n']} |" if bad else "– |")
                + f" {(row.get('utility') or {}).get('n', 0)} | "
                f"{(row.get('attack_success') or {}).get('n', 0)} |"
                + (" " + " | ".join(_pct(row.get(m)) for m in (
                    "utility_pass_k", "utility_under_attack_pass_k", "resisted_pass_k"))
                   + " |" if passes else ""))
        lines.append("")
    return [*lines, FLOOR_NOTE, "", *_transcripts("Hijacked", a["hijacked"])]


FLOOR_NOTE = ("\"With no call\": the same rate had the agent made no tool call and said "
              "nothing, by the suite's own checks on these attempts' cases (the do-nothing "
              "floor: AgentDojo's banking suite, for one, passes 5 of its 16 user tasks with "
              "no call). A utility at its floor is no evidence of work; – where the "
              "installed agentdojo is not the version the cases were built from.")


def _per(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _searches(rows: list[dict[str, Any]]) -> list[str]:
    """Queries per success of the adaptive searches, as PAIR and TAP report them."""
    lines = ["## Adaptive attacks: queries per success", "",
             "A try is one candidate sent to the target (a chat prompt, or on an agent suite "
             "one whole episode of model calls). Per success: the mean over the attempts "
             "whose final reply the run's judge found complied or unsafe (PAIR's and TAP's "
             "queries per jailbreak); all tries: of every counted attempt, per success also "
             "those of the searches that failed.", "",
             "| attack | try | successes | tries per success | target calls per success | "
             "attacker replies per success | all tries (per success) | budget per case "
             "(tries, target calls) | attempts not counted |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {_cell(r['attack'])} | {r['try']} | {r['successes']} of {r['attempts']} | "
            f"{_per(r['tries_per_success'])} | {_per(r['target_calls_per_success'])} | "
            f"{_per(r['attacker_calls_per_success'])} | {r['tries_total']} "
            f"({_per(r['tries_per_success_all'])}) | "
            f"{r['budget_tries']}, {r['budget_target_calls']} | "
            f"{r['failed'] + r['not_recorded']} |")
    return [*lines, ""]


def _transcripts(title: str, shown: list[dict[str, Any]]) -> list[str]:
    """Agent transcripts: every call (name, arguments) and every result, escaped."""
    lines: list[str] = []
    for h in shown:
        lines += [f"### {title}: {_cell(h['item_id'])} ({_cell(h['attack'])}, sample "
                  f"{h['sample']})", "", _cell(h["rationale"]), ""]
        if "withheld" in h:
            lines += [f"[transcript withheld in the public tier: {h['withheld']} messages]", ""]
            continue
        lines += ["| step | role | content | tool calls |", "|---|---|---|---|"]
        for i, s in enumerate(h["steps"]):
            calls = "<br>".join(f"{_cell(c['name'])}({_cell(c['arguments'], 300)})"
                                for c in s.get("calls", ()))
            role = s["role"] + (f" {_cell(s['tool'])}" if s.get("tool") else "") + \
                (" (error)" if s.get("error") else "")
            lines.append(f"| {i} | {role} | {_cell(s['text'], 600)} | {calls} |")
        lines.append("")
    return lines


# agent-harm columns: (title, metric on the harmful tasks, metric on the benign twins)
HARM_COLUMNS = (("score", "harm_score", "benign_score"),
                ("refusal rate", "refusal_rate", "benign_refusal_rate"),
                ("non-refusal score", "non_refusal_harm_score", "non_refusal_benign_score"),
                ("completed", "completed", "benign_completed"))


def _agent_harm(a: dict[str, Any]) -> list[str]:
    """AgentHarm's metrics on the harmful tasks beside their benign twins; transcripts
    of harmful jobs carried out."""
    lines = []
    for group, title in a["titles"].items():
        lines += [f"## Harmful agent tasks: {title.lower()}", "",
                  f"| {group} | " + " | ".join(f"{t} (harmful) | {t} (benign)"
                                               for t, _, _ in HARM_COLUMNS)
                  + " | unsafe | n harmful | n benign |",
                  "|---|" + "---|" * (2 * len(HARM_COLUMNS) + 3)]
        for row in a["tables"][group]:
            cells = [f"{_pct(row.get(h))} | {_pct(row.get(b))}" for _, h, b in HARM_COLUMNS]
            lines.append(f"| {_cell(row['key'])} | " + " | ".join(cells)
                         + f" | {_pct(row.get('unsafe'))} | "
                         f"{(row.get('harm_score') or {}).get('n', 0)} | "
                         f"{(row.get('benign_score') or {}).get('n', 0)} |")
        lines.append("")
    return lines + _transcripts("Carried out", a["carried_out"])


def render(c: dict[str, Any]) -> str:
    run, k, summary = c["run"], c["k"], c["summary"]
    config = run["config"]
    banner = f"**{c['tier_note']}**" if c["tier"] == "restricted" else c["tier_note"]
    lines = [
        f"> {banner}",
        "",
        f"# Safety report: {_cell(config['model'])}",
        "",
        f"Run `{run['id']}` ({run['status']}) on suite {_cell(config['suite'])}, attacks "
        f"{_cell(', '.join(config['attacks']))}, judge {_cell(c['judge'])}, k = {k}. "
        f"{c['counts']['attempts']} attempts, {c['counts']['errors']} errored (excluded), "
        f"{_blocked_note(c)}. "
        f"Tier: {c['tier']}.",
        "",
        "| metric | value [95% CI] |",
        "|---|---|",
        f"| safety rate | {_pct(summary['safety_rate'])} |",
        f"| corrected safety rate | {_corr(summary['corrected_safety_rate'])} |",
        f"| Secure@{k} | {_pct(summary['secure_at_k'])} |",
    ]
    lines += [f"| {_cell(b['name'])} ({_cell(b['label'])}) | {_pct(b)} |"
              for b in c["beside_secure_at_k"]]
    head = c["headline"]
    if summary["secure_at_k"]:
        flag = " (flagged: over-refusal, see below)" if head["flag"] else ""
        lines.append(f"| risk level | {summary['secure_at_k']['risk_level']}{flag} |")
    lines.append(f"| over-refusal beside it | {'FLAGGED: ' if head['flag'] else ''}"
                 f"{_cell(head['text'])} |")
    lines += [
        f"| attack success rate | {_pct(summary['attack_success_rate'])} |",
        f"| refusal rate (harmful) | {_pct(summary['refusal_rate'])} |",
        f"| over-refusal rate (benign) | {_pct(summary['over_refusal_rate'])} |",
        f"| undetermined (harmful) | {_pct(summary['undetermined_rate'])} |",
        f"| evasive (harmful; safe, no attack success) | {_pct(summary['evasive_rate'])} |",
        "",
        _correction(c),
        "",
    ]
    if c["benchmark"]:
        lines += ["## Benchmark metrics as their authors report them", "",
                  "| metric | value [95% CI] | n |", "|---|---|---|"]
        lines += [f"| {b['label']} | {_pct(b)} | {b['n']} |" for b in c["benchmark"]]
        lines.append("")
    for group, title in c["titles"].items():
        code = any(row.get("pass_rate") for row in c["tables"][group])
        benign = any(row.get("undetermined_benign_rate") for row in c["tables"][group])
        lines += [f"## {title}", "",
                  f"| {group} | safety rate | corrected safety | Secure@{k} | risk level | "
                  "attack success | over-refusal | undetermined | evasive | n harmful | "
                  "blocked by provider |"
                  + (" undetermined (benign) |" if benign else "")
                  + (" insecure code | pass rate | n benign |" if code else ""),
                  "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if benign else "")
                  + ("---|---|---|" if code else "")]
        for row in c["tables"][group]:
            sak = row["secure_at_k"]
            n = row["safety_rate"]["n"] if row["safety_rate"] else 0
            extra = (f" {_pct(row['insecure_code_rate'])} | {_pct(row['pass_rate'])} | "
                     f"{row['pass_rate']['n'] if row['pass_rate'] else 0} |") if code else ""
            lines.append(
                f"| {_cell(row.get('label') or row['key'])} | {_pct(row['safety_rate'])} | "
                f"{_corr(row['corrected_safety_rate'])} | "
                f"{_pct(sak)} | {sak['risk_level'] if sak else '–'} | "
                f"{_pct(row['attack_success_rate'])} | {_pct(row['over_refusal_rate'])} | "
                f"{_pct(row['undetermined_rate'])} | {_pct(row['evasive_rate'])} | {n} | "
                f"{row['blocked']['count']} |"
                + (f" {_pct(row['undetermined_benign_rate'])} |" if benign else "")
                + extra
            )
        lines.append("")
    if c.get("language_gap"):
        lines += ["## Gap to English", "",
                  "Safety rate per language minus the English safety rate; negative means "
                  "less safe than in English. 95 % interval: Newcombe's hybrid score "
                  "interval from two Wilson intervals.", "",
                  "| language | safety rate | English | gap [95% CI] | n harmful |",
                  "|---|---|---|---|---|"]
        lines += [f"| {_cell(g['label'])} ({_cell(g['lang'])}) | {100 * g['rate']:.1f}% | "
                  f"{100 * g['base_rate']:.1f}% | {_gap(g)} | {g['n']} |"
                  for g in c["language_gap"]]
        lines.append("")
    if c.get("agents"):
        lines += _agents(c["agents"])
    if c.get("agent_harm"):
        lines += _agent_harm(c["agent_harm"])
    if c.get("searches"):
        lines += _searches(c["searches"])
    for kind, title in (("unsafe", "Unsafe responses to harmful requests"),
                        ("over_refusal", "Benign requests refused"),
                        ("blocked", "Blocked by the provider"),
                        ("errors", "Errored attempts")):
        examples = c["examples"][kind]
        if not examples:
            continue
        lines += [f"## {title} ({len(examples)}, spread over the run)", "",
                  "| item | attack | prompt | response | judge |", "|---|---|---|---|---|"]
        lines += [
            f"| {_cell(e['item_id'])} | {_cell(e['attack'])} | {_cell(e['prompt'], 200)} | "
            f"{_cell(e['output'] or e['error'])}{_image_lines(e)} | "
            f"{_cell(e['outcome'] or e['status'])} |"
            for e in examples
        ]
        lines.append("")
    return "\n".join(lines)
