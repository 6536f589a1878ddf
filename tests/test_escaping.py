"""The escapers every output format shares: hostile text stays inert and readable."""

import csv
import io
from html import unescape

import pytest
from markdown_it import MarkdownIt

from riskbench.escaping import (
    csv_text,
    markdown_cell,
    strip_controls,
    terminal_markup,
    terminal_text,
)

HOSTILE = ["![x](http://evil.test/steal.png)", "[click](http://evil.test/p)",
           "<img src=http://evil.test/i>", "<http://evil.test/auto>", "x\r# Forged",
           "a | b", "`code` *em* _u_ \\[esc\\](http://evil.test/e)", "&lt;script&gt;"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_cell_is_literal_text_in_a_table(text: str) -> None:
    md = f"| h |\n|---|\n| {markdown_cell(text)} |\n"
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in html and "<a " not in html and "<h1" not in html
    assert html.count("<td>") == 1  # the pipe did not split the cell
    cell = html.split("<td>")[1].split("</td>")[0]
    assert unescape(cell.replace("<br>", "\n")) == text.replace("\r", "\n")


def test_controls_become_visible_replacement_characters() -> None:
    assert strip_controls("a\x1b[2Jb\x07c\x00d\x9be\tf\ng\r\nh\ri") == \
        "a\ufffd[2Jb\ufffdc\ufffdd\ufffde\tf\ng\nh\ni"


def test_terminal_helpers_keep_markup_and_escapes_inert() -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, width=200, record=True,
                      highlight=False)
    console.print(terminal_text("[/] [link=http://evil.test]x[/link] \x1b]0;t\x07"))
    console.print(f"[bold]{terminal_markup('[/] [red]x')}[/]")
    raw = console.file.getvalue()  # type: ignore[attr-defined]
    shown = console.export_text()
    assert "[/] [link=http://evil.test]x[/link]" in shown and "[/] [red]x" in shown
    assert "\x1b]" not in raw and "\x07" not in raw


def test_csv_cells_never_start_a_formula() -> None:
    rows = [["=1+1", "+A1", "-cmd", "@SUM(A1)", "\tx", "\rx", -1.5, "-2.5", "ok"]]
    got = next(csv.reader(io.StringIO(csv_text(rows))))
    assert got == ["'=1+1", "'+A1", "'-cmd", "'@SUM(A1)", "'\tx", "'\nx", "-1.5", "-2.5", "ok"]
