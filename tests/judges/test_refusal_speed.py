"""The refusal rules' prefilter (judges/prefilter.py) changes their speed, never their
verdicts: the narrowed vocabulary gives the full one's outcome, score and rationale on
every labelled reply there is, and each kind of pattern the full union's match and
substitution on strings made to trip it up."""

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from riskbench.judges.human_labels import XSTEST_FILES, load_xstest
from riskbench.judges.prefilter import Keys, ascii_words, fold
from riskbench.judges.refusal import _keys, classify, full_vocabulary, vocabulary

DATA = Path(__file__).resolve().parents[1] / "data"


def labelled_replies() -> list[str]:
    """Every reply with a label here: both XSTest files (all 900 rows: only the texts are
    read, no label, so the held-out split stays unread), the own refusal sets (twelve
    languages) and the code-verdict and capability sets (code answers)."""
    texts = [r.response for source in XSTEST_FILES for r in load_xstest(source)]
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            texts += [row[k] for k in ("response", "output") if isinstance(row.get(k), str)]
    return texts


def test_fast_rules_give_the_reference_verdict_on_every_labelled_reply() -> None:
    texts = labelled_replies()
    assert len(texts) > 1500
    full = full_vocabulary()
    differ = [t[:80] for t in texts if classify(t) != classify(t, full)]
    assert differ == []


def _fragments() -> list[str]:
    """Words of real replies, the vocabulary's own literal words, and pieces that cut
    words or mix scripts."""
    rng = random.Random(12)
    words: list[str] = []
    for t in rng.sample(labelled_replies(), 300):
        words += t.split()[:40]
    keys = _keys()
    for index in keys.index.values():
        words += [k[1:] for k in index if k[0] in "=c"]
    full = full_vocabulary()
    for t in labelled_replies()[::3]:  # what each kind matches in real replies, whole
        for kind in full.__dataclass_fields__:  # and cut by a character either side
            if m := getattr(full, kind).search(t):
                words += [m.group(), m.group()[1:], m.group()[:-1],
                          t[max(m.start() - 3, 0):m.end() + 3]]
    words += ["I", "I'm", "I’m", "can't", "cannot", "won't", "not", "sorry,", "İ", "ı",
              "ſorry", "\u212aeep", "ΣΑΣ", "x", "-", "1.", "\n", "\n- ", "```", "?", "!",
              "don't", "hesitate", "我", "不能", "提供", "。", "however,", "here is"]
    return words


def _strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = _fragments()
    out = []
    for _ in range(n):
        k = rng.randint(1, 14)
        glue = rng.choice([" ", " ", " ", "", "\n", ". "])
        out.append(unicodedata.normalize("NFC", glue.join(rng.choice(words)
                                                          for _ in range(k))))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_each_kind_matches_like_the_full_union(seed: int) -> None:
    """Search spans and substitutions equal the full union's on random strings of real
    and vocabulary words, words glued together and scripts mixed."""
    fast, full = vocabulary(), full_vocabulary()
    for s in _strings(600, seed):
        for kind in full.__dataclass_fields__:
            a, b = getattr(fast, kind), getattr(full, kind)
            ma, mb = a.search(s), b.search(s)
            assert (ma and ma.span()) == (mb and mb.span()), (kind, s)
            assert a.sub(" ", s) == b.sub(" ", s), (kind, s)


def test_a_union_with_overlapping_and_tied_alternatives() -> None:
    """At one position the earlier alternative wins; substitution goes left to right;
    an alternative that may match the empty string falls back to the full union."""
    flags = re.IGNORECASE | re.MULTILINE
    keys = Keys({"a": [r"\bcan\b", r"\bcan\s+not\b", r"\bnot\s+now\b"],
                 "e": [r"\bmaybe\b", r"x*"]}, flags)
    a, e = keys.narrowing("a"), keys.narrowing("e")
    for s in ["I can not go now", "can not now", "not now, can", "Cannot", "CAN NOT NOW"]:
        full = re.compile(r"(?:\bcan\b)|(?:\bcan\s+not\b)|(?:\bnot\s+now\b)", flags)
        assert (a.search(s) or re.match("", "")).span() == (full.search(s)
                                                            or re.match("", "")).span()
        assert a.sub(" ", s) == full.sub(" ", s)
    assert e.sub("_", "maybe xx") == re.compile(r"(?:\bmaybe\b)|(?:x*)", flags).sub(
        "_", "maybe xx")


def _all_characters() -> str:
    return "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000)


def test_folding_agrees_with_re_ignorecase_over_all_of_unicode() -> None:
    """Every character that `re.IGNORECASE` matches to an ASCII letter, or to a letter of
    a key, folds to that letter; otherwise a key could miss a match."""
    everything = _all_characters()
    for m in re.finditer("[a-z]", everything, re.IGNORECASE):
        x = m.group()
        letter = next(c for c in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(c, x, re.I))
        assert fold(x) == letter, hex(ord(x))
    letters = {c for index in _keys().index.values() for key in index for c in key[1:]
               if not c.isascii()}
    assert len(letters) > 100  # the other eleven languages' letters are keys too
    pattern = re.compile("[" + "".join(map(re.escape, sorted(letters))) + "]",
                         re.IGNORECASE)
    for m in pattern.finditer(everything):
        x = m.group()
        for p in letters:
            if re.fullmatch(re.escape(p), x, re.IGNORECASE):
                assert fold(x) == p and x.isalnum() == p.isalnum(), (hex(ord(x)), p)


def test_plain_words_are_the_regex_words() -> None:
    word = re.compile(r"[^\W_]+")
    for t in [*labelled_replies()[:400], "it’s “fine” — isn't it… «oui»", "a_b c-d 3.5"]:
        found = ascii_words(t)
        assert found is None or found == word.findall(t)
    assert ascii_words("我不能") is None


def test_an_english_reply_tries_few_of_the_patterns() -> None:
    """The point of the prefilter: on English replies most of the ~300 patterns (eleven
    other languages, most English ones too) are never tried."""
    keys = _keys()
    rows = [json.loads(x) for x in (DATA / "refusal_labelled_dev.jsonl").open()]
    english = [r["response"] for r in rows if r.get("lang") == "en"]
    total = sum(len(p) for p in keys.parts.values())
    tried = [sum(len(keys.kept(kind, t)) for kind in keys.parts) for t in english]
    assert total > 250 and sum(tried) / len(tried) < total / 10


def test_replies_repeated_in_a_batch_get_the_verdict_each_gets_alone() -> None:
    """decide_all classifies a repeated reply once per batch: every labelled reply, each
    batch holding repeats in random order, decides as the reply does on its own."""
    from riskbench.judges.refusal import RefusalJudge

    texts = labelled_replies()
    rng = random.Random(18)
    judge = RefusalJudge()
    batches = []
    for start in range(0, len(texts), 64):  # each reply twice, shuffled, in its batch
        batch = texts[start:start + 64] * 2
        rng.shuffle(batch)
        batches.append(batch)
    assert all(len(set(b)) < len(b) for b in batches)
    assert [judge.decide_all(b) for b in batches] == [[classify(t) for t in b]
                                                      for b in batches]
