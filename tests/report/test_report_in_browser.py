"""The HTML report in a real browser (Debian's Chromium driven by Playwright): hostile
model output is shown as text and never runs."""

import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from helpers.chat_server import ServerThread
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import RunConfig

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_hostile_output_renders_as_text_and_no_script_runs(tmp_path: Path,
                                                          chat_server: ServerThread) -> None:
    result = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:xss", limit=4),
                      RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}",
                                 report_dir=tmp_path / "report"))
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(result.reports["html"].as_uri())
        page.wait_for_timeout(300)
        shown = page.locator("table.examples pre").all_inner_texts()
        injected = page.evaluate("document.querySelectorAll('script, img').length")
        title = page.locator("h1").inner_text()
        browser.close()
    assert dialogs == []
    assert injected == 0
    assert any("<script>alert('pwned')</script>" in text for text in shown)
    assert "openai-compatible" in title


def test_multilingual_report_renders_arabic_right_to_left(tmp_path: Path) -> None:
    """A run of the multilingual suite: the Arabic prompt cell is laid out right to left
    (dir="auto", lang="ar"), English cells stay left to right, and the gap-to-English
    table is there. The screenshot is left in the test's folder for a person to look at."""
    result = evaluate(RunConfig(model="scripted:comply", suite="multilingual"),
                      RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}",
                                 report_dir=tmp_path / "report"))
    shot = tmp_path / "multilingual-report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(result.reports["html"].as_uri())
        arabic = page.locator('table.examples td[lang="ar"]').first
        english = page.locator('table.examples td[lang="en"]').first
        direction = arabic.evaluate("cell => getComputedStyle(cell).direction")
        inner = arabic.locator("pre").evaluate("pre => getComputedStyle(pre).direction")
        text = arabic.inner_text()
        english_direction = english.evaluate("cell => getComputedStyle(cell).direction")
        gap_rows = page.locator("table.gap tr").count()
        arabic.scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    assert (direction, inner, english_direction) == ("rtl", "rtl", "ltr")
    report = json.loads(result.reports["json"].read_text(encoding="utf-8"))
    prompts = [e["prompt"] for kind in report["examples"].values() for e in kind
               if e["lang"] == "ar"]
    assert prompts and prompts[0].strip() in text  # the Arabic shown as written, not mangled
    assert "ا" in text  # an Arabic letter (alef), not mojibake
    assert gap_rows == 1 + 11
    assert shot.stat().st_size > 10_000
