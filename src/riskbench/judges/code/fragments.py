"""Make code fragments parseable without moving their lines.

Benchmark snippets and model replies are often windows cut out of a file: they start inside
a function, a class body, a call's arguments, a docstring or a block comment, and end with
blocks still open. A parser then gives up on much of the text and the AST rules see nothing.
`variants` returns the texts to scan for one snippet: the snippet itself, and, when it looks
cut, copies with the missing context added around it (openers on the first line, closers at
the end; for Python, enclosing `if 1:` lines before it, counted in the line offset). Findings
of all variants are merged by (rule, line), so a repair can only add what the text holds.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings

_PAIRS = {")": "(", "]": "[", "}": "{"}
_CLOSE = {v: k for k, v in _PAIRS.items()}


def _scan_brackets(code: str, language: str, start_in_comment: bool = False
                   ) -> tuple[list[str], list[str]]:
    """(closers met with no opener, in order; openers still open at the end), skipping
    strings and comments."""
    hash_comment = language in ("python", "php", "bash")
    slash_comment = language not in ("python", "bash")
    quotes = {"python": "'\"", "javascript": "'\"`", "typescript": "'\"`", "go": "\"`",
              "php": "'\"", "bash": "'\""}.get(language, "\"")
    char_quote = language in ("c", "cpp", "java", "csharp", "go", "rust")
    unmatched: list[str] = []
    stack: list[str] = []
    i, n = 0, len(code)
    if start_in_comment:
        end = code.find("*/")
        i = n if end < 0 else end + 2
    while i < n:
        ch = code[i]
        two = code[i:i + 2]
        if slash_comment and two == "/*":
            end = code.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if (slash_comment and two == "//") or (hash_comment and ch == "#"):
            end = code.find("\n", i)
            i = n if end < 0 else end
            continue
        if language == "python" and code[i:i + 3] in ("'''", '"""'):
            end = code.find(code[i:i + 3], i + 3)
            i = n if end < 0 else end + 3
            continue
        if ch in quotes:
            j = i + 1
            while j < n and code[j] != ch:
                if code[j] == "\\":
                    j += 1
                elif code[j] == "\n" and ch not in "`" and language != "php":
                    break
                j += 1
            i = j + 1
            continue
        if char_quote and ch == "'":
            match = re.match(r"'(?:\\.[^']{0,8}|[^\\'\n])'", code[i:i + 12])
            i += len(match.group(0)) if match else 1
            continue
        if ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            if stack and stack[-1] == _PAIRS[ch]:
                stack.pop()
            elif stack:  # mismatched: drop back to the matching opener if there is one
                while stack and stack[-1] != _PAIRS[ch]:
                    stack.pop()
                if stack:
                    stack.pop()
            else:
                unmatched.append(ch)
        i += 1
    return unmatched, stack


def _starts_in_block_comment(code: str) -> bool:
    end = code.find("*/")
    start = code.find("/*")
    return end >= 0 and (start < 0 or end < start)


# language -> (context that holds statements, its closer, opener for the outermost '}' when
# the fragment starts among declarations (a class or impl body), or '')
_CONTEXTS: dict[str, tuple[str, str, str]] = {
    "c": ("void __rb(void) {", "}", "struct __rb {"),
    "cpp": ("void __rb() {", "}", "class __rb { public:"),
    "java": ("class __rb { void __rb() {", "}}", "class __rb {"),
    "csharp": ("class __rb { void __rb() {", "}}", "class __rb {"),
    "javascript": ("function __rb() {", "}", "class __rb {"),
    "typescript": ("function __rb() {", "}", "class __rb {"),
    "rust": ("fn __rb() {", "}", "impl __rb {"),
    "go": ("func __rb() {", "}", ""),
}
# languages whose rules are all regular expressions: no repair needed
_REGEX_ONLY = {"rust"}
# languages whose files cannot hold bare statements at the top level
_NEEDS_CONTEXT = {"c", "cpp", "java", "csharp", "rust", "go"}


def _openers(closers: list[str], outer_curly: str = "") -> str:
    """Text opening what `closers` close, outermost first; the outermost '}' may get a
    declaration context instead of a bare block."""
    out = []
    first_curly = True
    for ch in reversed(closers):
        if ch == "}":
            out.append(outer_curly if first_curly and outer_curly else "{")
            first_curly = False
        elif ch == ")":
            out.append("__rb(")
        else:
            out.append("__rb[")
    return " ".join(out)


def _c_like_variants(language: str, code: str) -> list[str]:
    in_comment = _starts_in_block_comment(code)
    closers, still_open = _scan_brackets(code, language, in_comment)
    head = "/* " if in_comment else ""
    tail = "".join(_CLOSE[ch] for ch in reversed(still_open))
    broken = bool(in_comment or closers or still_open)
    out = []
    statements, statements_end, declarations = _CONTEXTS.get(language, ("", "", ""))
    if broken and not statements:
        # the fragment's own level, made whole (where no function body can hold it: the
        # body below reads the same lines and more, so the own-level copy found nothing
        # extra on CyberSecEval's snippets and cost a fifth of the files)
        out.append(f"{head}{_openers(closers)} {code}\n{tail}")
    if statements and (broken or language in _NEEDS_CONTEXT):
        # ... inside a function body
        out.append(f"{head}{statements} {_openers(closers)} {code}\n{tail}{statements_end}")
    if declarations and "}" in closers:
        # ... inside a class/struct/impl body
        out.append(f"{head}{_openers(closers, declarations)} {code}\n{tail}")
    return out


_PY2 = [
    (re.compile(r"^(\s*)print\s+(?![\s(=.,)])(.*?)(,?)\s*$", re.MULTILINE), r"\1print(\2)"),
    (re.compile(r"^(\s*)exec\s+(?!\()(.*?)\s*$", re.MULTILINE), r"\1exec(\2)"),
    (re.compile(r"^(\s*except\s+(?:[\w.]+|\([^)]*\)))\s*,\s*(\w+)\s*:", re.MULTILINE),
     r"\1 as \2:"),
    (re.compile(r"(?<![\w.])0(\d+)(?![\d.xXoObBeEjJ])"), r"0o\1"),
    (re.compile(r"\b(u|ur|b)(['\"])", re.IGNORECASE), r"\2"),
]


def _parse(text: str) -> ast.Module:
    """ast.parse without the SyntaxWarnings (invalid escapes...) that old code is full of."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _py3(text: str) -> str:
    """Python 2 statements rewritten for Python 3's parser (same lines)."""
    for pattern, repl in _PY2:
        text = pattern.sub(repl, text)
    return text


def _python_parse_score(text: str) -> tuple[int, int]:
    """How far Python's own parser gets: (1, number of AST nodes) when the text parses, so
    the reading that keeps more of the text as code wins over one that swallows it into a
    string; else (0, the line of the first syntax error). Python 2 statements are rewritten
    first (same lines)."""
    try:
        tree = _parse(_py3(text))
    except SyntaxError as error:
        return 0, error.lineno or 0
    except (ValueError, RecursionError, MemoryError):
        return 0, 0
    return 1, sum(1 for _ in ast.walk(tree))


def _python_indent_wrapper(lines: list[str]) -> list[str]:
    """`if 1:` lines that give a fragment starting at a deeper indentation than later lines
    an enclosing block for each shallower level."""
    body = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        return []
    first = len(body[0]) - len(body[0].lstrip())
    levels = sorted({len(line) - len(line.lstrip()) for line in body[1:]} | {0})
    wrapper = []
    for level in levels:
        if level >= first:
            continue
        # the first line at this level may continue a try (except/finally) or an if (else)
        opener = "if 1:"
        for line in body[1:]:
            if len(line) - len(line.lstrip()) == level:
                if re.match(r"\s*(except\b|finally\s*:)", line):
                    opener = "try:"
                break
        wrapper.append(" " * level + opener)
    return wrapper


_OPENER_LINE = re.compile(r"on line (\d+)")
_TRY = re.compile(r"^([ \t]*)try\s*:\s*(#.*)?$")


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _python_finish(text: str, rounds: int = 6) -> str:
    """Lines appended (never inserted) where a fragment stops inside something: a block with
    no body yet, a try with no except, a triple-quoted string; a last statement cut in half
    is blanked. Earlier lines keep their numbers."""
    for _ in range(rounds):
        try:
            _parse(_py3(text))
            return text
        except SyntaxError as error:
            msg, lineno = error.msg or "", error.lineno or 0
        except (ValueError, RecursionError, MemoryError):
            return text
        lines = text.split("\n")
        opener = _OPENER_LINE.search(msg)
        if "expected an indented block" in msg and opener:
            head = lines[int(opener.group(1)) - 1] if int(opener.group(1)) <= len(lines) else ""
            text += "\n" + _indent(head) + "    pass"
        elif "expected 'except' or 'finally'" in msg:
            for line in reversed(lines[:lineno]):
                match = _TRY.match(line)
                if match:
                    text += f"\n{match.group(1)}except Exception:\n{match.group(1)}    pass"
                    break
            else:
                return text
        elif "unterminated triple-quoted" in msg and 0 < lineno <= len(lines):
            opened = lines[lineno - 1]
            quotes = [q for q in ('"""', "'''") if q in opened]
            if not quotes:
                return text
            text += "\n" + min(quotes, key=opened.index)
        elif lineno >= len([line for line in lines if line.strip()]) and lines:
            last = max(i for i, line in enumerate(lines) if line.strip()) if text.strip() else 0
            if last == 0:
                return text
            lines[last] = ""
            text = "\n".join(lines)
        else:
            return text
    return text


def python_repair(code: str) -> tuple[str, int]:
    """The best-parsing repair of a Python fragment and the number of lines put before it."""
    lines = [re.sub(r"^[ \t]+", lambda m: m.group(0).expandtabs(8), line)
             for line in code.split("\n")]
    text = textwrap.dedent("\n".join(lines))
    candidates: list[tuple[str, int]] = []
    quote_starts = [""]
    for quote in ("'''", '"""'):
        if quote in text:  # the fragment may start inside a docstring
            quote_starts.append(quote)
    for quote in quote_starts:
        body = quote + text
        closers, still_open = _scan_brackets(body, "python")
        opened = "".join({")": "_(", "]": "_[", "}": "{"}[ch] for ch in reversed(closers))
        tail = "".join(_CLOSE[ch] for ch in reversed(still_open))
        first, _, rest = body.partition("\n")
        indent = len(first) - len(first.lstrip())
        fixed = first[:indent] + opened + first[indent:] + ("\n" + rest if rest else "")
        if tail:
            fixed += "\n" + tail
        wrapper = _python_indent_wrapper(fixed.split("\n"))
        candidates.append((_python_finish("\n".join([*wrapper, fixed])), len(wrapper)))
    best = max(candidates, key=lambda c: (*_python_parse_score(c[0]), -c[1]))
    return best


def prepare(language: str, code: str) -> str:
    """The snippet as written to disk for its own scan (same lines)."""
    if language == "php":
        opening, closing = code.find("<?"), code.find("?>")
        if opening < 0 or 0 <= closing < opening:
            return "<?php " + code
    return code


def variants(language: str, code: str) -> list[tuple[str, int]]:
    """(text, number of lines added before the snippet) for every text to scan: the snippet
    itself first, then its repaired copies."""
    out = [(prepare(language, code), 0)]
    if language == "python":
        repaired = python_repair(code)
        if repaired[0] != code:
            out.append(repaired)
    elif language in _CONTEXTS and language not in _REGEX_ONLY:
        out.extend((text, 0) for text in _c_like_variants(language, code))
    return out
