"""Under ~20 % injected faults (429 with Retry-After, 503, a reset mid-body, a hang past
the time-out, malformed JSON, empty `choices`, content_filter) a run stores exactly
n x k attempts, none twice, and no failed attempt is counted safe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers.fault_server import FAULTS, FaultServer
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import RunConfig

N, K = 30, 3


def test_faulty_endpoint_stores_every_attempt_once(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with FaultServer(fault_rate=0.2, seed=7, hang_s=2.0) as server:
        result = evaluate(
            RunConfig(model=f"openai-compatible:{server.url}:m", attacks=("direct",), k=K,
                      limit=N),
            RunOptions(db_url=f"sqlite:///{db}", report_dir=tmp_path / "rep", use_cache=False,
                       concurrency=16, timeout_s=0.5, retries=6, backoff_base_s=0.01))
        served = dict(server.served)
    assert set(FAULTS) <= set(served), served  # every kind of fault really happened
    assert 0.1 < sum(served[f] for f in FAULTS) / sum(served.values()) < 0.3
    with sqlite3.connect(db) as conn:
        total, distinct = conn.execute(
            "select count(*), count(distinct test_case_id || '/' || sample) from attempts"
        ).fetchone()
        statuses = dict(conn.execute("select status, count(*) from attempts group by status"))
        failed_but_safe = conn.execute(
            "select count(*) from attempts a join verdicts v using (run_id, test_case_id, "
            "sample) where a.status != 'ok' and v.safe = 1").fetchone()[0]
    assert total == distinct == N * K
    # the faults that are not retried are exactly the failed attempts; the retried ones
    # (429, 503, reset, hang) all recovered within the retries
    assert statuses.get("error", 0) == served["malformed"] + served["empty-choices"]
    assert statuses.get("blocked", 0) == served["content-filter"]
    assert failed_but_safe == 0
    assert result.scores.counts["attempts"] == N * K
