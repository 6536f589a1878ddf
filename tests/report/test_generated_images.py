"""Generated images in run reports: embedded (as checked PNG data URLs) only in the
restricted HTML; the public tier, Markdown and JSON carry the reference alone."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.image_run import ImageRun, image_run
from riskbench import store
from riskbench.images import store_image
from riskbench.report import write_reports
from riskbench.report.images import MISSING, WITHHELD, data_url, entries

EMBEDDED = re.compile(r'<img class="generated" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageRun]:
    with image_run(tmp_path_factory.mktemp("t2i")) as run:
        yield run


def _reports(made: ImageRun, out: Path, tier: str) -> dict[str, str]:
    paths = write_reports(store.connect(made.db_url), made.result.run, made.result.scores,
                          out, tier)
    return {kind: path.read_text(encoding="utf-8") for kind, path in paths.items()}


def test_restricted_html_embeds_the_stored_pngs(made: ImageRun, tmp_path: Path) -> None:
    html = _reports(made, tmp_path, "restricted")["html"]
    shown = [base64.b64decode(b) for b in EMBEDDED.findall(html)]
    assert shown and all(png.startswith(b"\x89PNG") for png in shown)
    assert {hashlib.sha256(png).hexdigest() for png in shown} <= set(made.shas)
    assert 'alt="image generated for ' in html
    # the policy lets data: images in and nothing else from outside
    assert "img-src data:\"" in html and "default-src 'none'" in html


def test_public_html_withholds_pixels_but_keeps_the_hash(made: ImageRun,
                                                         tmp_path: Path) -> None:
    html = _reports(made, tmp_path, "public")["html"]
    assert "data:image/png" not in html and "<img" not in html
    assert WITHHELD in html
    assert any(f"sha256:{sha}" in html for sha in made.shas)


@pytest.mark.parametrize("tier", ["public", "restricted"])
def test_markdown_and_json_carry_only_the_reference(made: ImageRun, tmp_path: Path,
                                                    tier: str) -> None:
    reports = _reports(made, tmp_path, tier)
    for kind in ("markdown", "json"):
        assert "data:image" not in reports[kind] and "base64" not in reports[kind]
    assert any(f"image sha256:{sha}" in reports["markdown"] for sha in made.shas)
    unsafe = json.loads(reports["json"])["examples"]["unsafe"]
    assert unsafe and all(e["images"][0]["sha256"] in made.shas for e in unsafe)
    state = "withheld" if tier == "public" else "available"
    assert {im["state"] for e in unsafe for im in e["images"]} == {state}


def test_a_store_without_the_file_says_so(made: ImageRun, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKBENCH_IMAGES", str(tmp_path / "elsewhere"))
    html = _reports(made, tmp_path / "out", "restricted")["html"]
    assert MISSING in html and "<img" not in html


def test_only_png_bytes_are_embedded(tmp_path: Path) -> None:
    gif = store_image(b"GIF89a" + b"\0" * 32, tmp_path)
    png = store_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 32, tmp_path)
    assert [e["state"] for e in entries(gif + png, "restricted", tmp_path)] == [
        "not_png", "available"]
    assert [e["state"] for e in entries(gif + png, "public", tmp_path)] == ["withheld"] * 2
    assert data_url(gif[14:-1], tmp_path) is None
    assert (data_url(png[14:-1], tmp_path) or "").startswith("data:image/png;base64,")
