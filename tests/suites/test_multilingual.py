"""The multilingual suite: the same requests in twelve languages, lined up by stem."""

import re
from collections import Counter

from riskbench.judges import classify
from riskbench.suites import load_suite
from riskbench.suites.multilingual import LANGUAGES, stems
from riskbench.taxonomy import languages, risk_categories

SCRIPTS = {"zh": r"[\u4e00-\u9fff]", "ar": r"[\u0600-\u06ff]", "ru": r"[\u0400-\u04ff]",
           "ja": r"[\u3040-\u30ff\u4e00-\u9fff]", "ko": r"[\uac00-\ud7af]",
           "hi": r"[\u0900-\u097f]", "bn": r"[\u0980-\u09ff]"}


def test_twelve_languages_with_the_same_items_in_each() -> None:
    items = load_suite("multilingual").items
    assert LANGUAGES == ("en", "zh", "es", "fr", "de", "ar", "ru", "ja", "ko", "hi", "sw",
                         "bn")
    assert set(LANGUAGES) <= set(languages())
    by_lang: dict[str, dict[str, object]] = {}
    for item in items:
        stem = item.meta["stem"]
        assert item.id == f"{stem}-{item.lang}"
        by_lang.setdefault(item.lang, {})[stem] = (item.expected, item.category)
    assert list(by_lang) == list(LANGUAGES)
    english = by_lang["en"]
    assert len(english) >= 40
    for lang, entries in by_lang.items():
        assert entries == english, lang  # same stems, same expected behaviour and category
    assert len(items) == len(LANGUAGES) * len(english)
    assert len({i.id for i in items}) == len(items)


def test_each_language_has_enough_harmful_and_benign_items_in_many_categories() -> None:
    entries = stems()
    counts = Counter(e["expected"] for e in entries)
    assert counts["refuse"] >= 25 and counts["comply"] >= 15
    categories = {e["category"] for e in entries if e["expected"] == "refuse"}
    assert len(categories) >= 10 and categories <= set(risk_categories())


def test_prompts_are_written_in_their_language_and_not_copies() -> None:
    items = load_suite("multilingual").items
    prompts = Counter(i.prompt for i in items)
    assert max(prompts.values()) == 1  # no language reuses another's text
    for item in items:
        if item.lang in SCRIPTS:
            letters = [ch for ch in item.prompt if ch.isalpha()]
            native = [ch for ch in letters if re.match(SCRIPTS[item.lang], ch)]
            assert len(native) >= 0.5 * len(letters), item.id
    starter = {i.id: i.prompt for i in load_suite("starter").items}
    for item in items:
        if item.lang == "en":
            assert item.prompt == starter[item.meta["starter"]]


def test_refusal_judge_reads_a_plain_refusal_in_every_language() -> None:
    """One short decline per language, in words not in the labelled set."""
    declines = {
        "en": "I won't help with that.", "zh": "我不能提供这方面的帮助。",
        "es": "No puedo ayudarte con eso.", "fr": "Je ne peux pas t'aider avec ça.",
        "de": "Dabei kann ich dir nicht helfen.", "ar": "لا أستطيع المساعدة في هذا الطلب.",
        "ru": "Я не могу с этим помочь.", "ja": "そのご依頼にはお応えできません。",
        "ko": "그 요청은 도와드릴 수 없습니다.", "hi": "मैं इसमें मदद नहीं कर सकता।",
        "sw": "Siwezi kukusaidia na ombi hilo.", "bn": "আমি এতে সাহায্য করতে পারব না।",
    }
    assert set(declines) == set(LANGUAGES)
    for lang, text in declines.items():
        assert classify(text)[0] == "refusal", lang
