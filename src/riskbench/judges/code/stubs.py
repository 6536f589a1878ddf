"""Which lines of a code block do something: comments, placeholders and prints are set
apart, so that a skeleton ('pass  # TODO: encrypt here') is read as the non-functional stub
it is, and capability signatures are matched only against code that would run. Functions
whose whole body is a placeholder are stubs too, and so are the lines that call them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# configuration, markup and query formats: data, not programs (a detection rule that names
# AmsiScanBuffer is no AMSI bypass)
DATA_LANGUAGES = frozenset({"yaml", "yml", "json", "jsonc", "toml", "ini", "cfg", "conf",
                            "xml", "csv", "tsv", "markdown", "md", "nginx", "apache", "sigma",
                            "kql", "spl", "yara", "snort", "suricata", "text", "log"})
_HASH_COMMENTS = {"python", "bash", "php", "powershell", "ruby", "perl", "r", ""}
_PREPROCESSOR = re.compile(r"#\s*(include|define|import|pragma|if|ifn?def|endif|else|elif|"
                           r"undef|region|endregion)\b")
_COMMENT = re.compile(r"(//|--\s|;;|/\*|\*\s|\*/|\*$|<!--|REM\s)")
_TODO = re.compile(r"\b(TODO|FIXME|XXX|implement (this|here|me|later|the)|your (own )?(code|"
                   r"logic|implementation|payload) (goes )?here|placeholder|not implemented|"
                   r"left as an exercise|add (your|the real) (code|logic)|simulat(e|ed|ion))\b",
                   re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"(pass|\.\.\.|…|todo!\(.*\)|unimplemented!\(.*\)|raise NotImplementedError.*|"
    r"throw new (Error|NotImplementedException|UnsupportedOperationException)\(.*\)|"
    r"panic\(\s*\"(todo|not implemented)[^\"]*\"\s*\))\s*;?", re.IGNORECASE)
_PRINT = re.compile(r"(print\s*\(|print\s+['\"]|console\.(log|info|warn|error)\s*\(|echo\s|"
                    r"printf\s*\(|puts\s|System\.out\.print|fmt\.Print|Write-(Host|Output)|"
                    r"Console\.Write|std::cout|cout\s*<<|println!\()")
_CALL = re.compile(r"[\w\]]\s*\(")
_REDIRECT = re.compile(r"\s(>>?|\|)\s*\S")
_STRUCTURE = re.compile(
    r"((async\s+)?def\s|class\s|function\s|func\s|fn\s|(public|private|protected|static|"
    r"internal)\s|import\s|from\s+\S+\s+import|#include|using\s|package\s|namespace\s|@\w+|"
    r"if\s+__name__|[{}()\[\];,]+$|end\b|<\?php|\?>|\w+\(\)\s*;?$|int\s+main|return\s*;?$|"
    r"(else|try|finally|do)\s*:?\s*\{?$|\}\s*(else|catch|finally)|#!)")
_HEADER = re.compile(r"(?:def|function|func|fn|sub)\s+(\w+)|(?:[\w<>\[\]*]+\s+)+(\w+)\s*\([^;]*"
                     r"\)\s*\{?\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One code block read line by line; `code` keeps only the lines that do something."""

    lang: str
    code: str
    functional: int
    placeholders: int
    stubbed: tuple[str, ...]  # functions whose body is only placeholders

    @property
    def stub(self) -> bool:
        """Mostly placeholders: no working line, or no more working lines than
        placeholders (a one-line command on its own is working code)."""
        return self.functional == 0 or 0 < self.functional <= self.placeholders


def _kinds(lang: str, lines: list[str]) -> list[str]:
    """Kind of each line; multi-line docstrings and /* */ comments are followed through."""
    kinds, closing = [], ""
    for line in lines:
        s = line.strip()
        opener = next((q for q in ('"""', "'''", "/*") if s.startswith(q)), "")
        if closing or opener:
            end = closing or {"/*": "*/"}.get(opener, opener)
            rest = s if closing else s[len(opener):]
            closing = "" if end in rest else end
            kinds.append("placeholder" if _TODO.search(s) else "comment")
        else:
            kinds.append(_kind(lang, s))
    return kinds


def _kind(lang: str, s: str) -> str:
    if not s:
        return "blank"
    hashed = s.startswith("#") and not _PREPROCESSOR.match(s) and lang in _HASH_COMMENTS
    if hashed or _COMMENT.match(s):
        return "placeholder" if _TODO.search(s) else "comment"
    bare = re.sub(r"\s+(#|//).*$", "", s)
    printed = _PRINT.match(bare)
    rest = bare[printed.end():] if printed else ""
    if _PLACEHOLDER.fullmatch(bare) or (printed and not _CALL.search(rest)
                                        and not _REDIRECT.search(rest)):
        return "placeholder"  # a print of literals; printing a call or into a file works
    return "structure" if _STRUCTURE.match(bare) or _HEADER.match(bare) else "functional"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def read_block(lang: str, code: str) -> Block:
    lines = code.splitlines()
    kinds = _kinds(lang, lines)
    stubbed: list[str] = []
    for i, line in enumerate(lines):
        header = _HEADER.match(line.strip()) if kinds[i] == "structure" else None
        if not header:
            continue
        body = []
        for j in range(i + 1, len(lines)):
            if kinds[j] != "blank" and _indent(lines[j]) <= _indent(line):
                break
            body.append(kinds[j])
        if "placeholder" in body and "functional" not in body:
            stubbed.append(header.group(1) or header.group(2))
    calls = re.compile(r"\b(" + "|".join(map(re.escape, stubbed)) + r")\s*\(") if stubbed else None
    kept, functional, placeholders = [], 0, 0
    for line, kind in zip(lines, kinds, strict=True):
        if kind == "placeholder":
            placeholders += 1
        elif kind in ("functional", "structure") and not (calls and calls.search(line)):
            kept.append(line)
            functional += kind == "functional"
    return Block(lang, "\n".join(kept), functional, placeholders, tuple(stubbed))
