"""Chart labels never overlap, measured in Chromium (getBBox of every rendered label),
and axes fit the data: the worked example of docs/monitor.md, whose o1 / o3-mini /
claude-3.5-sonnet and llama-3.1-405b / qwen2.5-72b sit a point or two apart, drawn by the
static monitor report and by the dashboard's domain page. Both show the ILLUSTRATIVE
banner, since the example's scores are invented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, sync_playwright

from riskbench import store
from riskbench.metrics.monitor_config import load_config
from riskbench.pipeline import monitor
from riskbench.report.monitor import write_monitor_report
from riskbench.report.svg import date_axis, nice_axis, place_labels
from riskbench.web.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CLOSE = {"o1", "o3-mini", "claude-3.5-sonnet", "llama-3.1-405b", "qwen2.5-72b"}

# every label of every chart on the page: (chart index, text, x0, y0, x1, y1) in page px
BOXES = """() => [...document.querySelectorAll('svg')].flatMap((svg, i) =>
  [...svg.querySelectorAll('text.label')].map(t => {
    const r = t.getBoundingClientRect();
    return [i, t.textContent, r.left, r.top, r.right, r.bottom];
  }))"""


def _overlaps(boxes: list[list]) -> list[tuple[str, str]]:
    found = []
    for n, a in enumerate(boxes):
        for b in boxes[n + 1:]:
            if a[0] == b[0] and a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]:
                found.append((a[1], b[1]))
    return found


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    tmp = tmp_path_factory.mktemp("example")
    db_url = f"sqlite:///{tmp / 'monitor.db'}"
    db = store.connect(db_url)
    monitor.import_models(db, EXAMPLES / "monitor_models.yaml")
    monitor.import_scores(db, EXAMPLES / "monitor_scores.csv")
    monitor.compute_scores(db)
    paths = write_monitor_report(monitor.list_models(db), monitor.load_scores(db),
                                 load_config(), tmp / "report")
    return db_url, paths["html"]


def _measure(page: Page) -> tuple[list[list], list[str]]:
    boxes = page.evaluate(BOXES)
    ticks = page.evaluate("() => [...document.querySelectorAll('svg text.tick')]"
                          ".map(t => t.textContent)")
    return boxes, ticks


def test_monitor_report_labels_do_not_overlap(example: tuple[str, Path]) -> None:
    _, html = example
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(html.as_uri())
        boxes, ticks = _measure(page)
        banner = page.locator("p.note").first.inner_text()
        cyber_timeline_dates = page.evaluate(
            "() => [...document.querySelectorAll('svg')][1].querySelectorAll('text.tick')"
            ".length")
        browser.close()
    labels = {b[1] for b in boxes}
    assert labels >= CLOSE  # the close models are all labelled ...
    assert _overlaps(boxes) == []  # ... and no two labels of one chart overlap
    assert "ILLUSTRATIVE" in banner
    assert cyber_timeline_dates > 2 + 3  # y ticks plus more than two date ticks
    cyber_scatter_y = ticks[:ticks.index("30")]  # y ticks come first, then x from 30
    assert cyber_scatter_y == ["40", "60", "80", "100"]  # S runs 44-93: not from 0


def test_dashboard_frontier_labels_do_not_overlap(example: tuple[str, Path]) -> None:
    db_url, _ = example
    with TestClient(create_app(db_url, "t" * 32)) as client:
        page_html = client.get("/domain/cyber").text
        overview = client.get("/").text
    assert "ILLUSTRATIVE" in page_html and "ILLUSTRATIVE" in overview
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_content(page_html)
        boxes = page.evaluate(BOXES)
        scatter_ticks = page.evaluate(
            "() => [...document.querySelectorAll('#scatter svg text.tick')]"
            ".map(t => Number(t.textContent))")
        banner = page.locator("p.note.illustrative").inner_text()
        browser.close()
    scatter = [b for b in boxes if b[0] == 0]
    assert CLOSE - {"llama-3.1-405b", "qwen2.5-72b"} <= {b[1] for b in scatter}
    assert _overlaps(boxes) == []
    assert "ILLUSTRATIVE" in banner
    # cyber S runs 44-93 and C 34-52: neither axis spans the fixed 0-100 any more
    assert min(scatter_ticks) > 0 and max(scatter_ticks) - min(scatter_ticks) < 100


def test_axes_fit_the_data_on_nice_ticks() -> None:
    low, high, ticks = nice_axis([62.0, 71.5, 78.0])
    assert 50 <= low < 62 and 78 < high <= 90 and len(ticks) >= 4
    assert all(re.fullmatch(r"\d+(\.5)?", f"{t:g}") for t in ticks)
    assert nice_axis([99.0, 100.0])[1] == 100  # never past the scale's end
    assert nice_axis([])[:2] == (0.0, 100.0)
    from datetime import date
    for days in ([date(2024, 5, 1), date(2024, 6, 1)], [date(2024, 1, 1)] * 2,
                 [date(2023, 3, 1), date(2025, 12, 1)]):
        _, _, dates = date_axis(days)
        assert 3 <= len(dates) <= 7, dates


def test_a_crowd_of_labels_never_overlaps() -> None:
    """Forty models on nearly one spot: every label that is drawn has a box of its own
    (estimated as the kit does); the ones with no room are left to their tooltips."""
    from riskbench.report.svg import FONT, text_width

    anchors = [(300 + i % 3, 200 + i % 4, f"model-{i:02d}-with-a-long-name") for i in range(40)]
    spots = place_labels(anchors)
    boxes = []
    for (_, _, text), spot in zip(anchors, spots, strict=True):
        if spot is None:
            continue
        x, y, side, _ = spot
        width = text_width(text)
        x0 = x if side == "start" else x - width
        boxes.append([0, text, x0, y - FONT, x0 + width, y + 0.3 * FONT])
    assert len(boxes) >= 20
    assert _overlaps(boxes) == []
