"""Unicode tricks that leave the text looking the same: homoglyphs and invisible marks."""

from __future__ import annotations

import random

from riskbench.attacks.base import attack
from riskbench.errors import UsageError
from riskbench.types import Conversation, Item

SOURCE = ("Boucher et al. 2022, 'Bad Characters: Imperceptible NLP Attacks' (homoglyphs, "
          "invisible characters)")

# Latin letter -> Cyrillic or Greek character drawn almost identically.
HOMOGLYPHS = {
    "a": "а", "c": "с", "d": "ԁ", "e": "е", "h": "һ", "i": "і", "j": "ј", "l": "ӏ",
    "o": "о", "p": "р", "s": "ѕ", "v": "ν", "x": "х", "y": "у",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "J": "Ј", "K": "К",
    "M": "М", "N": "Ν", "O": "О", "P": "Р", "S": "Ѕ", "T": "Т", "X": "Х", "Y": "Υ",
    "Z": "Ζ",
}
UNDO_HOMOGLYPHS = str.maketrans({v: k for k, v in HOMOGLYPHS.items()})
# zero-width space, non-joiner, joiner, word joiner
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060")


def encode_homoglyphs(text: str, rng: random.Random, rate: float = 0.5) -> str:
    """Each Latin letter that has a look-alike is swapped for it with probability `rate`."""
    return "".join(HOMOGLYPHS[ch] if ch in HOMOGLYPHS and rng.random() < rate else ch
                   for ch in text)


def decode_homoglyphs(text: str) -> str:
    return text.translate(UNDO_HOMOGLYPHS)


def encode_zero_width(text: str, rng: random.Random, every: int = 1) -> str:
    """An invisible character (picked at random) after every `every` characters."""
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if (i + 1) % every == 0 and i + 1 < len(text):
            out.append(rng.choice(INVISIBLE))
    return "".join(out)


def decode_zero_width(text: str) -> str:
    return "".join(ch for ch in text if ch not in INVISIBLE)


@attack("homoglyph", family="encoding", modalities=("text", "image_prompt"), source=SOURCE)
def homoglyph(item: Item, rng: random.Random, *, rate: float = 0.5) -> Conversation:
    """Swaps Latin letters for Cyrillic or Greek look-alikes: a reader sees the same
    request, but the tokens (and any keyword filter) see unfamiliar words. Only Latin
    letters change; Chinese text passes through."""
    if not 0.0 < rate <= 1.0:
        raise UsageError("homoglyph: rate must be in (0, 1]")
    return Conversation.user(encode_homoglyphs(item.prompt, rng, rate))


@attack("zero_width", family="encoding", modalities=("text", "image_prompt"), source=SOURCE)
def zero_width(item: Item, rng: random.Random, *, every: int = 1) -> Conversation:
    """Inserts invisible zero-width characters between the request's characters: it looks
    unchanged on screen but tokenises quite differently, which can slip past filters and
    refusal training tied to the usual tokens. Works on any script."""
    if every < 1:
        raise UsageError("zero_width: every must be at least 1")
    return Conversation.user(encode_zero_width(item.prompt, rng, every))
