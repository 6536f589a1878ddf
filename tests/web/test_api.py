"""The dashboard through FastAPI's test client: scores are public, completions need the
token, model output is escaped on every page, the token never reaches HTML."""

from __future__ import annotations

import hmac
import re
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from helpers.dashboard import FRONTIER, IMG, MODELS, SCRIPT, Stored
from riskbench import cli
from riskbench.web import create_app
from riskbench.web.auth import COOKIE

TOKEN = "tok-9f1c2e7a5b3d4c6e8f0a1b2c3d4e5f60"


@pytest.fixture
def client(stored: Stored) -> Iterator[TestClient]:
    with TestClient(create_app(stored.db_url, TOKEN)) as c:
        yield c


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_scores_and_runs_are_public(client: TestClient, stored: Stored) -> None:
    runs = client.get("/api/runs").json()
    assert stored.run_id in [r["id"] for r in runs]
    detail = client.get(f"/api/runs/{stored.run_id}").json()
    # scripted:echo repeats both harmful prompts: nothing refused, safety rate 0 of 2
    assert detail["summary"]["safety_rate"]["value"] == 0.0
    assert detail["summary"]["safety_rate"]["n"] == 2
    assert "examples" not in detail
    assert SCRIPT not in client.get(f"/api/runs/{stored.run_id}").text

    scores = {s["model"]: s for s in client.get("/api/scores?domain=cyber").json()}
    for model_id, _, _, _, c, s in MODELS:
        assert scores[model_id]["capability"] == pytest.approx(c)
        assert scores[model_id]["safety"] == pytest.approx(s)
    assert client.get("/api/frontier?domain=cyber").json()["frontier"] == FRONTIER
    assert {m["id"] for m in client.get("/api/models").json()} == {m[0] for m in MODELS}
    assert "cyber" in [d["name"] for d in client.get("/api/domains").json()]
    model = client.get("/api/models/complier").json()
    assert [r["config"]["model"] for r in model["runs"]] == ["scripted:comply"]


def test_attempts_need_the_token(client: TestClient, stored: Stored) -> None:
    url = f"/api/runs/{stored.run_id}/attempts"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer("tok-wrong")).status_code == 401
    assert client.get(url, headers=bearer(TOKEN[:-1])).status_code == 401
    assert client.get(f"{url}?token={TOKEN}").status_code == 401  # API: header only
    response = client.get(url, headers=bearer())
    assert response.status_code == 200
    outputs = {a["output"] for a in response.json()["attempts"]}
    assert outputs == {SCRIPT, IMG}  # JSON carries the text as it is
    assert response.headers["cache-control"] == "no-store"
    unsafe = client.get(f"{url}?only=unsafe&limit=1", headers=bearer()).json()
    assert len(unsafe["attempts"]) == 1 and unsafe["more"] is True


def test_without_a_configured_token_restricted_routes_are_refused(stored: Stored) -> None:
    with TestClient(create_app(stored.db_url, None)) as c:
        api = c.get(f"/api/runs/{stored.run_id}/attempts", headers=bearer(""))
        assert api.status_code == 403
        assert "--token" in api.json()["detail"]
        page = c.get(f"/run/{stored.run_id}/transcripts?token=")
        assert page.status_code == 403
        assert "restricted pages are off" in page.text
        assert c.post("/login", data={"token": ""}).status_code == 403
        assert c.get("/").status_code == 200


def test_token_is_compared_in_constant_time(client: TestClient, stored: Stored,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    url = f"/api/runs/{stored.run_id}/attempts"
    assert client.get(url, headers=bearer("tok-guess")).status_code == 401
    assert (b"tok-guess", TOKEN.encode()) in calls
    calls.clear()
    assert client.get(url, headers=bearer()).status_code == 200
    assert (TOKEN.encode(), TOKEN.encode()) in calls


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/attempts", "/api/models",
            "/api/models/{model_id}", "/api/domains", "/api/domains/{name}", "/api/scores",
            "/api/frontier"} <= paths
    assert not any(p.startswith(("/run/", "/domain/", "/login")) for p in paths)
    assert client.get("/docs").status_code == 404  # Swagger UI would need scripts


def test_hostile_output_is_escaped_on_the_transcript_page(client: TestClient,
                                                          stored: Stored) -> None:
    page = client.get(f"/run/{stored.run_id}/transcripts", headers=bearer())
    assert page.status_code == 200
    html = page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=" in html
    assert "&lt;b id=pwned&gt;item&lt;/b&gt;" in html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b id=pwned>" not in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "unsafe-inline" not in csp


def test_every_public_page_escapes_names(client: TestClient, stored: Stored) -> None:
    """Registry names are data too: "<i>model</i>" must come out as text."""
    for url in ("/", "/domain/cyber", "/model/complier", f"/run/{stored.run_id}"):
        html = client.get(url).text
        assert "<i>model</i>" not in html, url
        assert "<script" not in html.lower(), url
    assert "&lt;i&gt;model&lt;/i&gt;" in client.get("/domain/cyber").text


def test_token_never_appears_in_html(client: TestClient, stored: Stored) -> None:
    url = f"/run/{stored.run_id}/transcripts"
    first = client.get(f"{url}?token={TOKEN}&only=unsafe", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"{url}?only=unsafe"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert TOKEN not in cookie
    pages = [client.get(f"{url}?only=unsafe"), client.get("/"), client.get("/login"),
             client.get(f"/run/{stored.run_id}"), client.get("/domain/cyber"),
             client.post("/login", data={"token": TOKEN + "x", "next": "/"}),
             client.get(f"{url}?token={TOKEN}x")]
    assert pages[0].status_code == 200 and "signed in" in pages[0].text
    assert [p.status_code for p in pages[-2:]] == [401, 401]
    for page in pages:
        assert TOKEN not in page.text


def test_login_form_sets_the_cookie_and_only_redirects_within_the_site(
        client: TestClient, stored: Stored) -> None:
    target = f"/run/{stored.run_id}/transcripts"
    asked = client.get(target)
    assert asked.status_code == 401
    assert 'type="password"' in asked.text and f'value="{target}"' in asked.text
    wrong = client.post("/login", data={"token": "nope", "next": target})
    assert wrong.status_code == 401 and "wrong token" in wrong.text
    ok = client.post("/login", data={"token": TOKEN, "next": target}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == target
    assert client.cookies.get(COOKIE)
    assert client.get(target).status_code == 200
    away = client.post("/login", data={"token": TOKEN, "next": "//evil.example/x"},
                       follow_redirects=False)
    assert away.headers["location"] == "/"
    client.post("/logout")
    assert client.get(target).status_code == 401


def test_unknown_things_are_404(client: TestClient) -> None:
    page = client.get("/run/<img src=x onerror=alert(1)>")
    assert page.status_code == 404
    assert "no run &#39;&lt;img src=x onerror=alert(1)&gt;&#39;" in page.text
    assert "<img" not in page.text
    for url in ("/api/runs/nope", "/api/runs/nope/attempts", "/api/models/nope",
                "/api/domains/nope", "/api/scores?domain=nope", "/api/frontier?domain=nope"):
        response = client.get(url, headers=bearer())
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/json", url
    for url in ("/model/nope", "/domain/nope", "/nothing-here"):
        assert client.get(url).status_code == 404, url
    assert client.get("/domain/cyber?by=colour").status_code == 400


def test_pages_carry_a_strict_policy_and_no_scripts(client: TestClient, stored: Stored
                                                    ) -> None:
    for url in ("/", "/domain/cyber", "/model/top", f"/run/{stored.run_id}", "/login"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert not re.search(r"<script|\son\w+=", page.text, re.IGNORECASE), url


def test_serve_without_the_web_extra_prints_the_install_hint(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    monkeypatch.setattr(sys, "argv", ["riskbench", "serve"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0
    assert "pip install -e '.[web]'" in message
