"""`riskbench serve` on 127.0.0.1, opened in Debian's Chromium (driven by Playwright): the
domain chart and its frontier are drawn, transcripts ask for the token, and model output
never runs as script."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from helpers import dashboard
from helpers.chat_server import free_port

TOKEN = "tok-browser-5d41402abc4b2a76b9719d911017c592"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """The real command in a subprocess; yields (base URL, run id, its log file)."""
    tmp = tmp_path_factory.mktemp("serve")
    stored = dashboard.stored(f"sqlite:///{tmp / 'riskbench.db'}", tmp)
    port = free_port()
    log = tmp / "serve.log"
    env = {**os.environ, "RISKBENCH_TOKEN": TOKEN}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "riskbench.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--db", stored.db_url],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/runs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"riskbench serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield base, stored.run_id, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dashboard_in_chromium(server: tuple[str, str, Path]) -> None:
    base, run_id, log = server
    dialogs: list[str] = []
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console.append(m.text))

        page.goto(f"{base}/domain/cyber")
        scatter = page.locator("#scatter svg")
        points = scatter.locator("circle.point").count()
        on_frontier = scatter.locator("circle.on-frontier").count()
        frontier_line = scatter.locator("polyline.frontier").get_attribute("points") or ""
        scatter_box = scatter.bounding_box()
        trend_points = page.locator("#trend svg circle.trend-point").count()
        cummax_lines = page.locator("#trend svg polyline.cummax").count()
        styled = page.evaluate("getComputedStyle(document.body).maxWidth")

        response = page.goto(f"{base}/run/{run_id}/transcripts")
        asked_status = response.status if response else None
        asks_token = page.locator("input[type=password][name=token]").count()
        page.fill("input[name=token]", TOKEN)
        page.click("form.login button[type=submit]")
        page.wait_for_url(f"{base}/run/{run_id}/transcripts")
        page.wait_for_timeout(300)
        shown = page.locator("pre.completion").all_inner_texts()
        injected = page.evaluate("document.querySelectorAll('main script, main img').length")
        pwned = page.evaluate("document.body.dataset.pwned === undefined")
        html = page.content()
        browser.close()

    assert points == len(dashboard.MODELS)
    assert on_frontier == len(dashboard.FRONTIER)
    assert len(frontier_line.split()) == len(dashboard.FRONTIER)
    assert scatter_box is not None and scatter_box["width"] > 300
    assert trend_points == len(dashboard.MODELS) and cummax_lines == 1
    assert styled == "1150px"  # the stylesheet loads under the Content-Security-Policy

    assert asked_status == 401 and asks_token == 1
    assert dashboard.SCRIPT in shown and dashboard.IMG in shown
    assert injected == 0
    assert pwned is True
    assert dialogs == []
    assert not [m for m in console if "Content Security Policy" in m]
    assert TOKEN not in html
    assert TOKEN not in log.read_text()
