"""Generated images on the dashboard: only behind the token, only hashes an attempt of
that run references, served as a PNG nobody caches or sniffs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from helpers.image_run import ImageRun, image_run
from riskbench.images import store_image
from riskbench.web.app import create_app

TOKEN = "image-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageRun]:
    with image_run(tmp_path_factory.mktemp("t2i-web"), limit=2) as run:
        yield run


@pytest.fixture
def client(made: ImageRun, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("RISKBENCH_IMAGES", str(made.images))
    with TestClient(create_app(made.db_url, TOKEN)) as c:
        yield c


def _url(made: ImageRun, sha: str) -> str:
    return f"/run/{made.result.run.id}/images/{sha}"


def test_image_route_needs_the_token(made: ImageRun, client: TestClient) -> None:
    assert client.get(_url(made, made.shas[0])).status_code == 401
    wrong = client.get(_url(made, made.shas[0]), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and b"PNG" not in wrong.content
    with TestClient(create_app(made.db_url, None)) as locked:
        assert locked.get(_url(made, made.shas[0]), headers=BEARER).status_code == 403


def test_image_route_serves_the_png(made: ImageRun, client: TestClient) -> None:
    got = client.get(_url(made, made.shas[0]), headers=BEARER)
    assert got.status_code == 200 and got.content.startswith(b"\x89PNG")
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"
    assert got.content == (made.images / f"{made.shas[0]}.png").read_bytes()


def test_only_this_runs_hashes_and_well_formed_ones(made: ImageRun,
                                                    client: TestClient) -> None:
    # stored in the same image store, but no attempt of the run references it
    other = store_image(b"\x89PNG\r\n\x1a\n another picture", made.images)[14:-1]
    assert client.get(_url(made, other), headers=BEARER).status_code == 404
    assert client.get(f"/run/no-such-run/images/{made.shas[0]}",
                      headers=BEARER).status_code == 404
    assert client.get(_url(made, made.shas[0].upper()), headers=BEARER).status_code == 422
    for bad in (made.shas[0][:-1], "..%2F..%2Fetc%2Fpasswd", made.shas[0] + ".png"):
        assert client.get(_url(made, bad), headers=BEARER).status_code in (404, 422)


def test_transcript_page_links_the_images_public_pages_do_not(made: ImageRun,
                                                              client: TestClient) -> None:
    page = client.get(f"/run/{made.result.run.id}/transcripts", headers=BEARER)
    assert page.status_code == 200
    for sha in made.shas:
        assert f'src="{_url(made, sha)}"' in page.text
    assert "img-src 'self'" in page.headers["content-security-policy"]
    public = client.get(f"/run/{made.result.run.id}")
    assert public.status_code == 200 and "/images/" not in public.text
