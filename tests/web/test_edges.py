"""The dashboard's edges: out-of-range offsets and pages are refused with 4xx and the
security headers, deep pages are read with OFFSET/LIMIT in SQL, and an unexpected
failure still answers with the headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from helpers.dashboard import Stored
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


@pytest.mark.parametrize("value", [str(2**63), str(2**64), "1" + "0" * 40, "-1", "1e3", "x"])
def test_huge_or_bad_offsets_are_4xx_with_headers(client: TestClient, stored: Stored,
                                                  value: str) -> None:
    assert_guarded(client.get(f"/api/runs/{stored.run_id}/attempts?offset={value}",
                              headers=AUTH))
    assert_guarded(client.get(f"/run/{stored.run_id}/transcripts?page={value}",
                              headers=AUTH))


def test_deep_pages_are_read_with_offset_and_limit_in_sql(client: TestClient,
                                                          stored: Stored) -> None:
    seen: list[tuple[str, object]] = []

    def record(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        if "FROM attempts" in statement:
            seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        deep = client.get(f"/api/runs/{stored.run_id}/attempts?offset=900000000&limit=5",
                          headers=AUTH)
        first = client.get(f"/api/runs/{stored.run_id}/attempts?offset=0&limit=1",
                           headers=AUTH)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert deep.status_code == 200 and deep.json()["attempts"] == []
    assert deep.json()["more"] is False
    statement, params = seen[0]
    assert "LIMIT" in statement and "OFFSET" in statement
    assert 900000000 in params and 6 in params  # type: ignore[operator]
    assert len(first.json()["attempts"]) == 1 and first.json()["more"] is True


def test_an_unexpected_error_still_carries_the_headers(stored: Stored) -> None:
    app = create_app(stored.db_url, TOKEN)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/boom")
    assert response.status_code == 500 and "boom" not in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
