"""Per-test-case counts kept by the database as attempts and verdicts are written, so a
run's scores group one row per test case (and judge) instead of walking every attempt
and verdict: a million attempts score in about a second.

`case_counts` holds, per run, judge and test case: with judge '' the case's attempts by
status; with a judge's name, over the case's replies (status `ok`) that this judge
decided, the verdicts per outcome, the safe ones, and for the outcomes other than
undetermined their number, score sum and partial refusals (a compliance scored within
the band of `case_counts_band`). Raw counts only: what they mean for a metric is
metrics' business (metrics/run_scores.py).

Triggers keep it exact whoever writes (the run's writer, a Ray worker, a resume, a
retry of errors, a hand-made fix). An insert adds its row's counts (an attempt's own,
and an attempt-verdict pair's when the second of the two arrives); a delete or an
update recounts the test cases it touched from the attempts and verdicts themselves,
so cascades and their order cannot leave a count behind. SQLite: per row. PostgreSQL:
per statement over the statement's transition tables.

Additive: two tables and their triggers, filled from the stored attempts (about half a
minute per million attempts). Chained after 0005; re-chain after any revision merged
before it.

Revision ID: 0006
Revises: 0005
"""

from importlib.resources import files

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OUTCOMES = ("safe", "unsafe", "refusal", "compliance", "correct", "incorrect",
            "undetermined", "evasive")
COLUMNS = ("n", "ok", "blocked", "failed", "safe", *(f"o_{o}" for o in OUTCOMES),
           "decided", "score_sum", "partial")
KEY = ("run_id", "judge", "test_case_id")


def upgrade() -> None:
    op.create_table(
        "case_counts",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("judge", sa.String(128), primary_key=True),
        sa.Column("test_case_id", sa.String(32), primary_key=True),
        *[sa.Column(c, sa.Float if c == "score_sum" else sa.Integer, nullable=False)
          for c in COLUMNS],
    )
    op.create_table(
        "case_counts_band",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("low", sa.Float, nullable=False),
        sa.Column("high", sa.Float, nullable=False),
    )
    # read by path: files("riskbench.judges") would import the judges' package (every
    # judge, numpy) into each command that creates a store, `riskbench runs` included
    scores = files("riskbench").joinpath("judges", "data", "refusal_scores.yaml")
    data = yaml.safe_load(scores.read_text("utf-8"))
    low, high = data["partial_band"]
    op.execute(f"INSERT INTO case_counts_band (id, low, high) VALUES (1, {float(low)!r}, "
               f"{float(high)!r})")
    op.execute(recount(""))
    for statement in trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def _attempt(a: str, agg: bool) -> list[str]:
    """The counts of attempt `a` in its case's '' row (summed when `agg`)."""
    def one(expr: str) -> str:
        return f"SUM({expr})" if agg else expr
    zeros = ["0"] * (len(COLUMNS) - 4 - 2) + ["0.0", "0"]
    return [one("1"), one(f"CASE WHEN {a}.status = 'ok' THEN 1 ELSE 0 END"),
            one(f"CASE WHEN {a}.status = 'blocked' THEN 1 ELSE 0 END"),
            one(f"CASE WHEN {a}.status NOT IN ('ok', 'blocked') THEN 1 ELSE 0 END"), *zeros]


BAND = "(SELECT low FROM case_counts_band WHERE id = 1) AND " \
       "(SELECT high FROM case_counts_band WHERE id = 1)"


def _pair(v: str, agg: bool) -> list[str]:
    """The counts of verdict `v` on a reply in its judge's row (summed when `agg`)."""
    def one(expr: str) -> str:
        return f"SUM({expr})" if agg else expr

    def when(cond: str, then: str = "1", other: str = "0") -> str:
        return one(f"CASE WHEN {cond} THEN {then} ELSE {other} END")
    decided = f"{v}.outcome <> 'undetermined'"
    return [one("1"), "0", "0", "0", when(f"{v}.safe"),
            *[when(f"{v}.outcome = '{o}'") for o in OUTCOMES], when(decided),
            when(decided, f"{v}.score", "0.0"),
            when(f"{v}.outcome = 'compliance' AND {v}.score BETWEEN {BAND}")]


def _upsert(select: str) -> str:
    added = ", ".join(f"{c} = case_counts.{c} + excluded.{c}" for c in COLUMNS)
    return (f"INSERT INTO case_counts ({', '.join(KEY + COLUMNS)}) {select} "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {added}")


SAME_ATTEMPT = "v.run_id = a.run_id AND v.test_case_id = a.test_case_id " \
               "AND v.sample = a.sample"


def recount(cases: str) -> str:
    """Counts of the test cases whose attempts `a` match `cases` (all when empty), from
    the attempts and verdicts themselves: the fill and the recount after a delete."""
    where = f" AND {cases}" if cases else ""
    return (
        f"INSERT INTO case_counts ({', '.join(KEY + COLUMNS)}) "
        f"SELECT a.run_id, '', a.test_case_id, {', '.join(_attempt('a', True))} "
        f"FROM attempts a WHERE 1 = 1{where} GROUP BY a.run_id, a.test_case_id "
        f"UNION ALL SELECT a.run_id, v.judge, a.test_case_id, {', '.join(_pair('v', True))} "
        f"FROM attempts a JOIN verdicts v ON {SAME_ATTEMPT} WHERE a.status = 'ok'{where} "
        "GROUP BY a.run_id, v.judge, a.test_case_id")


def _sqlite_recount(row: str) -> list[str]:
    cases = f"a.run_id = {row}.run_id AND a.test_case_id = {row}.test_case_id"
    return [f"DELETE FROM case_counts WHERE run_id = {row}.run_id "
            f"AND test_case_id = {row}.test_case_id", recount(cases)]


def trigger_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return _sqlite_ddl()
    if dialect == "postgresql":
        return _postgresql_ddl()
    return []


def _sqlite_ddl() -> list[str]:
    attempt_new = (f"VALUES (NEW.run_id, '', NEW.test_case_id, "
                   f"{', '.join(_attempt('NEW', False))})")
    # a reply's verdicts already stored (only where foreign keys are not enforced)
    pairs_of_new_attempt = (f"SELECT NEW.run_id, v.judge, NEW.test_case_id, "
                            f"{', '.join(_pair('v', False))} FROM verdicts v "
                            "WHERE v.run_id = NEW.run_id AND v.test_case_id = "
                            "NEW.test_case_id AND v.sample = NEW.sample AND NEW.status = 'ok'")
    pair_of_new_verdict = (f"SELECT NEW.run_id, NEW.judge, NEW.test_case_id, "
                           f"{', '.join(_pair('NEW', False))} FROM attempts a "
                           "WHERE a.run_id = NEW.run_id AND a.test_case_id = "
                           "NEW.test_case_id AND a.sample = NEW.sample AND a.status = 'ok'")
    bodies = {
        ("attempts", "insert"): [_upsert(attempt_new), _upsert(pairs_of_new_attempt)],
        ("verdicts", "insert"): [_upsert(pair_of_new_verdict)],
        ("attempts", "delete"): _sqlite_recount("OLD"),
        ("verdicts", "delete"): _sqlite_recount("OLD"),
        ("attempts", "update"): _sqlite_recount("OLD") + _sqlite_recount("NEW"),
        ("verdicts", "update"): _sqlite_recount("OLD") + _sqlite_recount("NEW"),
    }
    return [f"CREATE TRIGGER case_counts_{table}_{op_} AFTER {op_.upper()}"
            f"{COUNTED[table] if op_ == 'update' else ''} ON {table} "
            f"BEGIN {'; '.join(body)}; END" for (table, op_), body in bodies.items()]


# the columns an update must change to change a count (SQLite names them; PostgreSQL's
# statement triggers with transition tables cannot)
COUNTED = {"attempts": " OF run_id, test_case_id, sample, status",
           "verdicts": " OF run_id, test_case_id, sample, judge, outcome, score, safe"}


def _postgresql_ddl() -> list[str]:
    attempts_added = (f"SELECT a.run_id, '', a.test_case_id, {', '.join(_attempt('a', True))} "
                      "FROM new_rows a GROUP BY a.run_id, a.test_case_id")
    pairs_of_new_attempts = (f"SELECT a.run_id, v.judge, a.test_case_id, "
                             f"{', '.join(_pair('v', True))} FROM new_rows a JOIN verdicts v "
                             f"ON {SAME_ATTEMPT} WHERE a.status = 'ok' "
                             "GROUP BY a.run_id, v.judge, a.test_case_id")
    pairs_of_new_verdicts = (f"SELECT a.run_id, v.judge, a.test_case_id, "
                             f"{', '.join(_pair('v', True))} FROM new_rows v JOIN attempts a "
                             f"ON {SAME_ATTEMPT} WHERE a.status = 'ok' "
                             "GROUP BY a.run_id, v.judge, a.test_case_id")
    touched = {
        "old": "SELECT run_id, test_case_id FROM old_rows",
        "both": "SELECT run_id, test_case_id FROM old_rows "
                "UNION SELECT run_id, test_case_id FROM new_rows",
    }
    functions = {
        "attempts_insert": [_upsert(attempts_added), _upsert(pairs_of_new_attempts)],
        "verdicts_insert": [_upsert(pairs_of_new_verdicts)],
        **{f"recount_{which}": [
            f"DELETE FROM case_counts WHERE (run_id, test_case_id) IN ({cases})",
            recount(f"(a.run_id, a.test_case_id) IN ({cases})")]
           for which, cases in touched.items()},
    }
    out = [f"CREATE FUNCTION riskbench_case_counts_{name}() RETURNS trigger AS $$ BEGIN "
           f"{'; '.join(body)}; RETURN NULL; END $$ LANGUAGE plpgsql"
           for name, body in functions.items()]
    for table in ("attempts", "verdicts"):
        for op_, refs, function in (
                ("insert", "NEW TABLE AS new_rows", f"{table}_insert"),
                ("delete", "OLD TABLE AS old_rows", "recount_old"),
                ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "recount_both")):
            out.append(f"CREATE TRIGGER case_counts_{table}_{op_} AFTER {op_.upper()} "
                       f"ON {table} REFERENCING {refs} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION riskbench_case_counts_{function}()")
    return out


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("attempts", "verdicts"):
        for op_ in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS case_counts_{table}_{op_}"
                       + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        for name in ("attempts_insert", "verdicts_insert", "recount_old", "recount_both"):
            op.execute(f"DROP FUNCTION IF EXISTS riskbench_case_counts_{name}()")
    op.drop_table("case_counts_band")
    op.drop_table("case_counts")
