"""Code blocks out of a model response, with their language.

Fenced blocks (``` or ~~~) are taken with their info-string tag, normalised to the names of
the taxonomy (`programming_languages`) plus the ones the insecure-code detector reads (c,
csharp, rust, typescript...). A block left open at the end (a reply cut off by max_tokens)
still counts. Untagged blocks, and a reply that is nothing but code, get a guessed language.
"""

from __future__ import annotations

import re

# tag (lower case) -> canonical language name
ALIASES: dict[str, str] = {
    "c": "c", "h": "c",
    "cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp", "hpp": "cpp", "hxx": "cpp",
    "objective-c++": "cpp",
    "cs": "csharp", "c#": "csharp", "csharp": "csharp", "dotnet": "csharp",
    "go": "go", "golang": "go",
    "java": "java",
    "js": "javascript", "javascript": "javascript", "jsx": "javascript", "node": "javascript",
    "nodejs": "javascript", "mjs": "javascript", "cjs": "javascript",
    "ts": "typescript", "typescript": "typescript", "tsx": "typescript",
    "php": "php", "php3": "php", "php5": "php", "php7": "php", "php8": "php",
    "py": "python", "python": "python", "python3": "python", "py3": "python",
    "python2": "python", "ipython": "python", "pycon": "python",
    "rs": "rust", "rust": "rust",
    "sh": "bash", "bash": "bash", "shell": "bash", "zsh": "bash", "ksh": "bash",
    "shell-session": "bash", "console": "bash", "shellscript": "bash",
    "html": "html", "htm": "html", "xhtml": "html",
    "sql": "sql", "mysql": "sql", "postgresql": "sql", "postgres": "sql", "psql": "sql",
    "plsql": "sql", "sqlite": "sql", "tsql": "sql", "pgsql": "sql",
}
# tags that say nothing about the language: guess instead
_NEUTRAL_TAGS = {"", "text", "txt", "plaintext", "plain", "code", "none", "source"}

_FENCE = re.compile(
    r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"(?:^[ \t]{0,3}(?P=fence)[`~]*[ \t]*$|\Z)",
    re.DOTALL | re.MULTILINE,
)

# (language, pattern, weight): evidence for guessing the language of untagged code
_CLUES: list[tuple[str, re.Pattern[str], int]] = [
    (lang, re.compile(pattern, re.MULTILINE), weight)
    for lang, pattern, weight in [
        ("php", r"<\?php|^\s*\$\w+\s*=|\$_(GET|POST|REQUEST|SERVER|COOKIE)\b", 6),
        ("php", r"\becho\s+[\"'$]|->\w+\(|\bfunction\s+\w+\s*\(\s*\$", 2),
        ("python", r"^\s*(def|class)\s+\w+.*:\s*$|^\s*(from\s+[\w.]+\s+)?import\s+[\w.]+", 4),
        ("python", r"^\s*(elif|except|with)\b.*:\s*$|\bself\.\w+|\bprint\(|__name__|\bNone\b", 2),
        ("rust", r"\bfn\s+\w+\s*(<[^>]*>)?\s*\(|\blet\s+mut\b|\bimpl\b|::new\(|\buse\s+\w+::", 4),
        ("rust", r"\bprintln!|\bResult<|\bVec<|&str\b|\bunwrap\(\)|\bmatch\s+\w+\s*\{", 3),
        ("go", r"^package\s+\w+\s*$|^\s*func\s+(\(\w+\s+\*?\w+\)\s*)?\w+\(|:=", 4),
        ("go", r"\bfmt\.\w+\(|\berr\s*!=\s*nil\b", 4),
        ("java", r"\bpublic\s+(static\s+)?(final\s+)?(class|void|int|String)\b|System\.out\.", 4),
        ("java", r"^\s*import\s+java\.|\bString\[\]\s+args\b|@Override\b|\bnew\s+\w+<", 3),
        ("csharp", r"^\s*using\s+System\b|\bnamespace\s+[\w.]+|Console\.Write", 5),
        ("csharp", r"\bpublic\s+(async\s+)?\w+\s+\w+\s*\(.*\)\s*$|\bvar\s+\w+\s*=\s*new\b", 1),
        ("csharp", r"\[Http(Get|Post|Put|Delete)\]|\bstring\s+\w+\s*=|\{\s*get;", 3),
        ("cpp", r"#include\s*<(iostream|vector|string|map|memory|algorithm)>|std::|\bcout\b", 5),
        ("cpp", r"\btemplate\s*<|\bclass\s+\w+\s*(:\s*public\b|\{)|\bnamespace\s+\w+\s*\{", 2),
        ("c", r"#include\s*[<\"]|\bint\s+main\s*\(|\bprintf\s*\(|\bmalloc\s*\(", 3),
        ("c", r"\bchar\s*\*?\s*\w+\s*(\[|=)|\bstruct\s+\w+\s*\{|->\w+|\bsizeof\b", 2),
        ("javascript", r"\bfunction\s*\w*\s*\(|=>|\bconst\s+\w+\s*=|\blet\s+\w+\s*=", 3),
        ("javascript",
         r"\bconsole\.log\(|\brequire\(['\"]|\bdocument\.|\bwindow\.|\bmodule\.exports", 4),
        ("bash", r"^#!\s*/(usr/)?bin/(env\s+)?(ba|z|k)?sh\b|^\s*\$\s+\w+", 6),
        ("bash", r"^\s*(sudo|apt(-get)?|pip|npm|cd|ls|echo|export|chmod|curl|wget|git)\s", 3),
        ("bash", r"\bfi\s*$|\bdone\s*$|\bthen\s*$|\$\{?\w+\}?", 1),
        ("html", r"<!DOCTYPE html|<html\b|<(div|body|head|form|script|input|a|p)\b[^>]*>", 5),
        ("sql", r"(?i)^\s*(select\s+.+\s+from|insert\s+into|update\s+\w+\s+set|create\s+table|"
                r"delete\s+from|alter\s+table|grant\s+\w+)\b", 5),
    ]
]


def normalize_language(tag: str) -> str:
    """Canonical language name for a fence tag or dataset language; '' when unknown."""
    word = tag.strip().lower().split()[0] if tag.strip() else ""
    word = word.lstrip("{.").rstrip("}")
    return ALIASES.get(word, "")


def guess_language(code: str) -> str:
    """Best guess for untagged code; '' when nothing looks like a known language."""
    scores: dict[str, int] = {}
    for lang, pattern, weight in _CLUES:
        hits = len(pattern.findall(code))
        if hits:
            scores[lang] = scores.get(lang, 0) + weight * min(hits, 3)
    if not scores:
        return ""
    # C code is also C++ evidence; prefer C++ only with C++-specific clues
    if "cpp" in scores and "c" in scores:
        scores["cpp"] += scores["c"]
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 4 else ""


def _looks_like_code(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    codeish = re.compile(r"[;{}()\[\]=]\s*$|^\s*(#include|import|from|def|class|fn|func|"
                         r"package|public|private|return|if|for|while|let|const|var|<\?php)\b")
    prose = re.compile(r"^[A-Z][a-z]+(\s+[a-z']+){4,}[.:!?]?$")
    code_lines = sum(1 for line in lines if codeish.search(line))
    prose_lines = sum(1 for line in lines if prose.search(line.strip()))
    return code_lines >= 0.6 * len(lines) and prose_lines <= 0.1 * len(lines)


def extract_code(text: str) -> list[tuple[str, str]]:
    """(language, code) for each fenced code block of a model response, in order.

    The language is the normalised fence tag (an unknown tag as written, lower case), or a
    guess when the block is untagged; '' when nothing can be guessed. A response without
    fences that is nothing but code is one block."""
    blocks: list[tuple[str, str]] = []
    for match in _FENCE.finditer(text):
        body = match.group("body")
        if not body.strip():
            continue
        info = match.group("info").strip()
        tag = info.split()[0].lower() if info else ""
        lang = guess_language(body) if tag in _NEUTRAL_TAGS else normalize_language(tag) or tag
        blocks.append((lang, body))
    if not blocks and _looks_like_code(text):
        lang = guess_language(text)
        if lang:
            blocks.append((lang, text))
    return blocks
