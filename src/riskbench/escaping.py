"""Model output, suite text and user data are hostile: one escaper per output format.

- `strip_controls`: C0/C1 control characters (ESC, BEL, ...) become U+FFFD, so terminal
  escape sequences never reach a file or a screen, and CR never ends a line; tab and
  newline stay.
- `markdown_cell`: text as inert Markdown inside one table cell (or any inline spot):
  every character Markdown or HTML would act on is a character reference, so
  `![x](http://host/steal)` stays text, a newline is `<br>`, a pipe cannot end the cell.
- `terminal_text` / `terminal_markup`: data for Rich, as a Text (never parsed as markup)
  or escaped for use inside a markup string.
- `csv_text`: CSV whose text cells cannot start a spreadsheet formula (OWASP's guard: a
  leading = + - @ tab or CR gets a `'`); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MARKDOWN = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]()!#~|{}$^'"}
_MARKDOWN |= {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
              ord("\n"): "<br>"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def strip_controls(text: str) -> str:
    """`text` with CR/CRLF as newlines and every other control but tab and newline
    replaced by U+FFFD (visible, so a reader sees that something was there)."""
    return _CONTROLS.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def strip_controls_deep(value: Any) -> Any:
    """The same for every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, Mapping):
        return {k: strip_controls_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_controls_deep(v) for v in value]
    return value


def markdown_cell(value: Any, limit: int | None = None) -> str:
    """`value` as literal text in Markdown, on one line, cut at `limit` characters."""
    text = strip_controls(str(value if value is not None else ""))
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return text.translate(_MARKDOWN)


def terminal_text(value: Any) -> Text:
    """`value` for Rich as plain text: markup, links and escape sequences stay inert."""
    from rich.text import Text

    return Text(strip_controls(str(value)))


def terminal_markup(value: Any) -> str:
    """`value` escaped for a Rich markup string (`f"[bold]{terminal_markup(x)}[/]"`)."""
    from rich.markup import escape

    return escape(strip_controls(str(value)))


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        text = "'" + text
    return strip_controls(text)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """CSV (one header row, then data), every cell through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()
