"""The dashboard's edges: malformed page cursors are refused with 4xx and the security
headers, transcript pages are read by key (every attempt once, no OFFSET), and an
unexpected failure still answers with the headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from helpers.dashboard import Stored
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import RunConfig
from riskbench.web import create_app

TOKEN = "tok-edges-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(stored: Stored) -> Iterator[TestClient]:
    with TestClient(create_app(stored.db_url, TOKEN), raise_server_exceptions=False) as c:
        yield c


def assert_guarded(response) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("value", [str(2**63), "1" + "0" * 40, "-1.0", "1e3", "x", "1.",
                                   ".1", "1.2.3", f"{2**63}.0"])
def test_bad_cursors_are_4xx_with_headers(client: TestClient, stored: Stored,
                                          value: str) -> None:
    assert_guarded(client.get(f"/api/runs/{stored.run_id}/attempts?after={value}",
                              headers=AUTH))
    assert_guarded(client.get(f"/run/{stored.run_id}/transcripts?after={value}",
                              headers=AUTH))


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A run of 6 cases x k = 3 whose model alternates refusals and compliance."""
    tmp = tmp_path_factory.mktemp("paged")
    db = f"sqlite:///{tmp / 'r.db'}"
    result = evaluate(RunConfig(model="scripted:alternate", suite="starter", limit=6, k=3),
                      RunOptions(db_url=db, report_dir=tmp / "rep", use_cache=False))
    return db, result.run.id


@pytest.mark.parametrize("only", ["all", "unsafe"])
def test_keyset_pages_return_every_attempt_once(paged: tuple[str, str], only: str) -> None:
    db, run_id = paged
    seen: list[tuple[str, tuple]] = []

    def record(_c: object, _cur: object, statement: str, params: tuple, *_: object) -> None:
        if "FROM run_cases" in statement:
            seen.append((statement, params))

    keys: list[tuple[str, str, int]] = []
    pages = 0
    with TestClient(create_app(db, TOKEN)) as c:
        everything = c.get(f"/api/runs/{run_id}/attempts?only={only}&limit=500",
                           headers=AUTH).json()
        event.listen(Engine, "before_cursor_execute", record)
        try:
            url = f"/api/runs/{run_id}/attempts?only={only}&limit=4"
            page = c.get(url, headers=AUTH).json()
            while True:
                pages += 1
                keys += [(a["item_id"], a["attack"], a["sample"]) for a in page["attempts"]]
                assert page["more"] == (page["next"] is not None)
                if not page["next"]:
                    break
                page = c.get(f"{url}&after={page['next']}", headers=AUTH).json()
            html = c.get(f"/run/{run_id}/transcripts?only={only}", headers=AUTH).text
        finally:
            event.remove(Engine, "before_cursor_execute", record)
    expected = [(a["item_id"], a["attack"], a["sample"]) for a in everything["attempts"]]
    assert keys == expected and len(set(keys)) == len(keys)  # each once, in order
    if only == "all":
        assert len(keys) == 6 * 3 and pages == 5
    else:
        assert 0 < len(keys) < 6 * 3 and everything["next"] is None
    # deeper pages start at their key; SQLite's dialect writes "OFFSET ?" with 0
    assert len(seen) == pages + 1
    assert all("run_cases.position >=" in statement for statement, _ in seen[1:pages])
    assert all(params[-1] == 0 for statement, params in seen if "OFFSET" in statement)
    assert ("next →" in html) == (len(keys) > 50)


def test_an_unexpected_error_still_carries_the_headers(stored: Stored) -> None:
    app = create_app(stored.db_url, TOKEN)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/boom")
    assert response.status_code == 500 and "boom" not in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
