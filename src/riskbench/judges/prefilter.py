"""An exact prefilter for large unions of regular expressions over one text.

Python's `re` tries every alternative of a union at every position, so the refusal
vocabulary (about 300 patterns in twelve languages) cost milliseconds per reply although
almost none of it can match a given reply. Here each alternative is parsed once (the
stdlib's own parser) and reduced to one *key* any match of it must produce: a word it
matches whole ("cannot" in `\\bI\\s*cannot\\b`), the first three letters of a word it
starts (`\\bexplic\\w*`), or a character outside ASCII it contains (`我不能`); with
alternations, one key per branch, any of which. A text is case-folded and cut into words
(maximal runs of letters and digits) once; the alternatives whose key it lacks cannot
match it anywhere and are left out of the union compiled for it (`Keys.narrow`).
Leaving out alternatives that fail at every position changes no match, no span and no
substitution, so the results are the full union's.

Exactness rests on: literals and text folded the way `re.IGNORECASE` compares (`fold`;
tests/judges/test_refusal_speed.py checks it against `re` over all of Unicode); a word
key only where the pattern proves the word boundary on both sides (`\\b`, `^`, `$`,
`\\s+`, punctuation), a prefix key only where it proves the left one. A key holds for the
string it was computed on: a string cut from it mid-word (or with a match replaced) needs
its own `Keys`.
"""

from __future__ import annotations

import re
import re._parser as _sre  # the stdlib's parse tree of a pattern (no public API)
import string
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from operator import itemgetter
from re._casefix import _EXTRA_CASES  # the stdlib's extra case equivalences
from typing import Any, Protocol


def _equivalents() -> dict[int, str]:
    """Characters `re.IGNORECASE` matches to another character than their lowercase
    (sigma and final sigma, dotless i and i, long s and s, ...; the stdlib's own table),
    each mapped to one of its class."""
    table = {}
    for code, others in _EXTRA_CASES.items():
        first = min((code, *others))
        if code != first:
            table[code] = chr(first)
    return table


_EQUIVALENT = _equivalents()
_EQUIVALENT_CHARS = frozenset(map(chr, _EQUIVALENT))
# ASCII and common typographic punctuation: separators of words, cut away cheaply
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128))
                             if c not in string.ascii_letters + string.digits})
_TYPOGRAPHY = "\u2018\u2019\u201c\u201d\u2014\u2013\u2026\u00ab\u00bb\u2022\u00b7\u00a0"
_FIRST3, _LAST3 = itemgetter(slice(None, 3)), itemgetter(slice(-3, None))
_WORD = re.compile(r"[^\W_]+")
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)}
_NONWORD_CATEGORIES = {_sre.CATEGORY_SPACE, _sre.CATEGORY_NOT_WORD}
_STARTS = {_sre.AT_BEGINNING, _sre.AT_BEGINNING_LINE, _sre.AT_BEGINNING_STRING,
           _sre.AT_BOUNDARY}
_ENDS = {_sre.AT_END, _sre.AT_END_LINE, _sre.AT_END_STRING, _sre.AT_BOUNDARY}

Key = tuple[str, str]  # ("=", word) | ("<", first three letters of a word) | ("c", char)
Clause = frozenset[Key]  # any of these


class Matcher(Protocol):
    def search(self, string: str) -> re.Match[str] | None: ...

    def sub(self, repl: str, string: str) -> str: ...


class _Nothing:
    """The union of no alternative: matches nothing, changes nothing."""

    def search(self, string: str) -> None:
        return None

    def sub(self, repl: str, string: str) -> str:
        return string


NOTHING = _Nothing()


def fold(text: str) -> str:
    """Lower case as `re.IGNORECASE` compares: two characters it matches fold to the
    same one, and no character folds to two (`str.lower` does that to U+0130 alone)."""
    low = (text.replace("\u0130", "i") if "\u0130" in text else text).lower()
    if low.isascii() or _EQUIVALENT_CHARS.isdisjoint(low):
        return low
    return low.translate(_EQUIVALENT)


def ascii_words(text: str) -> list[str] | None:
    """The maximal runs of letters and digits (`[^\\W_]+`) in order, found without a
    regular expression, for text that is ASCII once common typographic punctuation is
    set aside; None for other text."""
    plain = text
    if not plain.isascii():
        for c in _TYPOGRAPHY:
            if c in plain:
                plain = plain.replace(c, " ")
        if not plain.isascii():
            return None
    return plain.translate(_ASCII_GAPS).split()


def words(text: str) -> list[str]:
    """Maximal runs of letters and digits (`[^\\W_]+`), in order."""
    found = ascii_words(text)
    return _WORD.findall(text) if found is None else found


def _char(code: int) -> str | None:
    folded = fold(chr(code))
    return folded if len(folded) == 1 else None


def _nonword_in(items: list[tuple[Any, Any]]) -> bool:
    """A character class all of whose members are neither letter nor digit."""
    for op, av in items:
        if op is _sre.LITERAL and (c := _char(av)) is not None and not c.isalnum():
            continue
        if op is _sre.CATEGORY and av in _NONWORD_CATEGORIES:
            continue
        return False
    return True


def _gap(op: Any, av: Any, outside: bool, after: bool) -> bool:
    """Whether a letter or digit next to this element has none right beside it: after
    the element (`after`, looking back) or before it (looking ahead); `outside`: the
    same held on the element's far side."""
    if op is _sre.LITERAL:
        c = _char(av)
        return c is not None and not c.isalnum()
    if op is _sre.IN:
        return _nonword_in(av)
    if op is _sre.AT:
        return av in (_STARTS if after else _ENDS) \
            or (outside and av is not _sre.AT_NON_BOUNDARY)
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return outside
    if op in _REPEATS:
        body = _gap_seq(av[2], outside if av[1] == 1 else False, after)
        return body and (av[0] >= 1 or outside)
    if op is _sre.SUBPATTERN:
        return _gap_seq(av[-1], outside, after)
    if op is _sre.ATOMIC_GROUP:
        return _gap_seq(av, outside, after)
    if op is _sre.BRANCH:
        return all(_gap_seq(alt, outside, after) for alt in av[1])
    return False


def _gap_seq(items: Iterable[tuple[Any, Any]], outside: bool, after: bool) -> bool:
    for op, av in items if after else reversed(list(items)):
        outside = _gap(op, av, outside, after)
    return outside


def _score(key: Key) -> int:
    """How rarely a key occurs in a reply: short words are everywhere, a letter outside
    ASCII is absent from most replies in another script."""
    kind, text = key
    if kind == "c":
        return 6
    if kind == "=":
        return len(text) + 1 if len(text) >= 5 else 3 if len(text) >= 3 else len(text)
    return 3


def _best(clauses: list[Clause]) -> Clause | None:
    return max(clauses, key=lambda c: min(map(_score, c))) if clauses else None


def _run_keys(run: str, left: bool, right: bool) -> list[Key]:
    """The keys of a run of literal characters (all of them hold): each word in it that
    is bounded on both sides, the first or last three letters of one bounded on one side,
    each letter outside ASCII."""
    keys: list[Key] = [("c", c) for c in set(run) if not c.isascii() and c.isalnum()]
    start = 0
    for i in range(len(run) + 1):
        if i < len(run) and run[i].isalnum():
            continue
        word = run[start:i]
        bounded_left, bounded_right = start > 0 or left, i < len(run) or right
        if word and bounded_left and bounded_right:
            keys.append(("=", word))
        elif len(word) >= 3 and bounded_left:
            keys.append(("<", word[:3]))
        elif len(word) >= 3 and bounded_right:
            keys.append((">", word[-3:]))
        start = i + 1
    return keys


def _literal_run(items: Sequence[tuple[Any, Any]], i: int) -> tuple[str, int]:
    run: list[str] = []
    while i < len(items) and items[i][0] is _sre.LITERAL and (c := _char(items[i][1])):
        run.append(c)
        i += 1
    return "".join(run), i


def _open_word(run: str, left: bool) -> str | None:
    """The letters at the end of a run, when the word they start is bounded on the left
    (the parser moves a common prefix out of an alternation: `si(?:weza|taki)`)."""
    tail = len(run)
    while tail and run[tail - 1].isalnum():
        tail -= 1
    return run[tail:] if tail < len(run) and (tail > 0 or left) else None


def needs(items: Sequence[tuple[Any, Any]], left: bool, right: bool,
          carry: str | None = None) -> list[Clause]:
    """Clauses every match of a parsed sequence satisfies (all of them; each one a set
    of keys, any of which); `left`/`right`: word boundaries proven around the sequence;
    `carry`: letters of a left-bounded word that continues into the sequence."""
    items = list(items)
    after = [right] * (len(items) + 1)
    for i in range(len(items) - 1, -1, -1):
        after[i] = _gap(*items[i], after[i + 1], False)
    clauses: list[Clause] = []
    before = left
    i = 0
    open_word: str | None = None
    while i < len(items):
        op, av = items[i]
        if op is _sre.LITERAL and _char(av) is not None:
            run, j = _literal_run(items, i)
            if i == 0 and carry and run[0].isalnum():
                keys = _run_keys(carry + run, True, after[j])
            else:
                keys = _run_keys(run, before, after[j])
            clauses += [frozenset([k]) for k in keys]
            open_word = _open_word(carry + run if i == 0 and carry else run,
                                   True if i == 0 and carry else before)
            before = _gap_seq(items[i:j], before, True)
            i = j
            continue
        if op is _sre.SUBPATTERN:
            clauses += needs(av[-1], before, after[i + 1])
        elif op is _sre.ATOMIC_GROUP:
            clauses += needs(av, before, after[i + 1])
        elif op in _REPEATS and av[0] >= 1:
            once = av[1] == 1
            clauses += needs(av[2], before and (once or _gap_seq(av[2], False, True)),
                             after[i + 1] and (once or _gap_seq(av[2], False, False)))
        elif op is _sre.BRANCH:
            best = [_best(needs(alt, before, after[i + 1], open_word)) for alt in av[1]]
            if all(b is not None for b in best):
                clauses.append(frozenset().union(*(b for b in best if b is not None)))
        open_word = None
        before = _gap(op, av, before, True)
        i += 1
    return clauses


def requirement(pattern: str, flags: int) -> tuple[Clause, ...]:
    """The three most selective clauses of one alternative, or none when nothing
    selective enough can be proven (the alternative is then always tried)."""
    clauses = {c for c in needs(_sre.parse(pattern, flags).data, False, False)
               if min(map(_score, c)) >= 3}
    return tuple(sorted(clauses, key=lambda c: (-min(map(_score, c)), sorted(c)))[:3])


class Keys:
    """The alternatives of several unions, each compiled alone and indexed by its key."""

    def __init__(self, unions: dict[str, Sequence[str]], flags: int) -> None:
        self.flags = flags
        self.parts = {name: tuple(parts) for name, parts in unions.items()}
        self.alone = {n: [re.compile(p, flags) for p in parts]
                      for n, parts in self.parts.items()}
        trees = {n: [_sre.parse(p, flags) for p in parts] for n, parts in self.parts.items()}
        # an alternative that may match the empty string makes `sub` hard to emulate;
        # one that refers to its groups by number means another thing inside the union
        self.empty = {n: any(t.getwidth()[0] == 0 for t in ts) for n, ts in trees.items()}
        self.plain = {n: not any(_refers(t.data) for t in ts) for n, ts in trees.items()}
        self.always: dict[str, tuple[int, ...]] = {}
        # per union: a key of an alternative's first clause -> (alternative, other clauses)
        self.index: dict[str, dict[str, list[tuple[int, tuple[frozenset[str], ...]]]]] = {}
        for name, parts in self.parts.items():
            always, index = [], self.index.setdefault(name, {})
            for i, p in enumerate(parts):
                clauses = [frozenset(k + t for k, t in c) for c in requirement(p, flags)]
                if not clauses:
                    always.append(i)
                for key in clauses[0] if clauses else ():
                    index.setdefault(key, []).append((i, tuple(clauses[1:])))
            self.always[name] = tuple(always)
        self.index_keys = {name: frozenset(index) for name, index in self.index.items()}
        self.have = lru_cache(maxsize=1024)(self._have)
        self.kept = lru_cache(maxsize=4096)(self._kept)

    @staticmethod
    def _have(text: str) -> frozenset[str]:
        """The keys of a string: "=word", "<" and ">" with a word's first and last three
        letters, "c" with each character outside ASCII."""
        folded = fold(text)
        ws = set(words(folded))
        long = [w for w in ws if len(w) >= 3]
        have = set(map("=".__add__, ws))
        have.update(map("<".__add__, map(_FIRST3, long)), map(">".__add__, map(_LAST3, long)))
        if not folded.isascii():
            have.update("c" + c for c in set(folded) if not c.isascii())
        return frozenset(have)

    def _kept(self, name: str, text: str) -> tuple[int, ...]:
        """The alternatives of one union that may match `text`, in order."""
        have, index = self.have(text), self.index[name]
        hit = set(self.always[name])
        for key in have & self.index_keys[name]:
            for i, rest in index[key]:
                if all(not c.isdisjoint(have) for c in rest):
                    hit.add(i)
        return tuple(sorted(hit))

    @cached_property
    def full(self) -> dict[str, Matcher]:
        """Each union whole, every alternative tried at every position."""
        return {n: re.compile("|".join(f"(?:{p})" for p in parts), self.flags) if parts
                else NOTHING for n, parts in self.parts.items()}

    def narrowing(self, name: str) -> Matcher:
        return Narrowing(self, name) if self.plain[name] else self.full[name]


def _refers(items: Iterable[tuple[Any, Any]]) -> bool:
    """The parsed pattern refers to a group by number or name (a backreference)."""
    for op, av in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            return True
        for sub in av if isinstance(av, (tuple, list)) else ():
            for x in sub if isinstance(sub, list) else [sub]:
                if isinstance(x, _sre.SubPattern) and _refers(x.data):
                    return True
    return False


class Narrowing:
    """One union, matched on each string with only the alternatives that string may
    contain: the same results as the full union (the leftmost match; at one position the
    first alternative), without trying the others at every position."""

    def __init__(self, keys: Keys, name: str) -> None:
        self.keys, self.name = keys, name
        self.alone = keys.alone[name]

    def _first(self, kept: tuple[int, ...], string: str, pos: int = 0
               ) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for i in kept:  # in order: on a tie the earlier alternative wins, as in `|`
            m = self.alone[i].search(string, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def search(self, string: str) -> re.Match[str] | None:
        kept = self.keys.kept(self.name, string)
        return self._first(kept, string) if kept else None

    def sub(self, repl: str, string: str) -> str:
        """Each leftmost match replaced by `repl`, taken literally."""
        kept = self.keys.kept(self.name, string)
        if not kept:
            return string
        if self.keys.empty[self.name]:
            return self.keys.full[self.name].sub(repl.replace("\\", "\\\\"), string)
        out, last = [], 0
        while (m := self._first(kept, string, last)) is not None:
            out += [string[last:m.start()], repl]
            last = m.end()
        return "".join([*out, string[last:]])
