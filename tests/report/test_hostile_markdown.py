"""Hostile model output and suite text in a real run's report.md, rendered by a CommonMark
parser (markdown-it-py): no image or link from that text, no forged heading or table
row, and no control byte in report.md or report.html; the text itself still shows."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

from markdown_it import MarkdownIt

from helpers.chat_server import ServerThread
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import RunConfig

PROMPTS = [
    "![x](http://evil.test/steal.png) and [click](http://evil.test/phish)",
    "ok\r# Forged heading\r\n## Another forged\n| fake | row |",
    "bell\x07 clear\x1b[2J title\x1b]0;pwned\x07 csi\x9b1m del\x7f",
    "<img src=http://evil.test/i> <http://evil.test/auto> `x` \\[e\\](http://evil.test/e)",
]
CATEGORY = "cat ![c](http://evil.test/cat)\r# Category heading"
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_hostile_text_in_report_md_is_inert(tmp_path: Path, chat_server: ServerThread) -> None:
    suite = tmp_path / "hostile.jsonl"
    suite.write_text("".join(json.dumps({"id": f"h{i}", "prompt": p, "category": CATEGORY})
                             + "\n" for i, p in enumerate(PROMPTS)), encoding="utf-8")
    result = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:echo",
                                suite=str(suite), attacks=("direct",)),
                      RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}",
                                 report_dir=tmp_path / "report", use_cache=False))
    md = result.reports["markdown"].read_text(encoding="utf-8")
    page = result.reports["html"].read_text(encoding="utf-8")
    for text in (md, page):
        assert not CONTROLS.search(text), CONTROLS.findall(text)
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(md)
    inline = [child for t in tokens for child in (t.children or [])]
    assert not [t for t in inline if t.type in ("image", "link_open")]
    assert not any("evil.test" in (t.content or "") for t in inline if t.type == "html_inline")
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("Safety report: openai-compatible")
    assert not [h for h in headings if "orged" in h or "Category heading" in h], headings
    rendered = parser.render(md)
    assert "<img" not in rendered and "href=" not in rendered
    # every example row still has exactly the table's five cells
    rows = [line for line in md.splitlines() if line.startswith("| h")]
    assert rows and all(line.count(" | ") == 4 for line in rows), rows
    # the hostile text is shown, as text
    visible = unescape(rendered)
    assert "![x](http://evil.test/steal.png)" in visible
    assert "<img src=http://evil.test/i>" in visible


def test_search_rows_escape_the_attack_name() -> None:
    """Attack names come from the command line and plugins: the queries-per-success table
    keeps one row of nine cells, with no link, image or heading from them."""
    from riskbench.report.markdown import _searches

    row = {"attack": "x](http://evil.test/a) | ![i](http://evil.test/i)\r# h",
           "try": "target prompt", "attempts": 2, "successes": 1, "tries_per_success": 2.0,
           "target_calls_per_success": 2.0, "attacker_calls_per_success": 2.0,
           "tries_per_success_all": 3.0, "tries_total": 3, "budget_tries": 3,
           "budget_target_calls": 3, "failed": 0, "not_recorded": 0}
    md = "\n".join(_searches([row]))
    assert not CONTROLS.search(md)
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(md)
    inline = [child for t in tokens for child in (t.children or [])]
    assert not [t for t in inline if t.type in ("image", "link_open")]
    assert [t.type for t in tokens].count("heading_open") == 1
    assert sum(t.type == "td_open" for t in tokens) == 9
