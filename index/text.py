"""Tokenisation shared by BM25, the document prior and answer scoring."""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves""".split()
)
_WORD = re.compile(r"[^\W_]+(?:[-–/.][^\W_]+)*", re.U)
_SPLIT = re.compile(r"[-–/.]")
_STEMMER = Stemmer.Stemmer("english")


_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if len(word) > 2 and word[-1] == "s" and not _VOWELS & set(word[:-1]):
        word = word[:-1]  # an acronym plural (VLMs, TQ-VFMs) has no vowel, so the stemmer keeps its "s"
    return _STEMMER.stemWord(word)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed tokens without stopwords; a compound such as ``SAM-Med2D`` yields
    its parts and the joined form (``sam``, ``med2d``, ``sammed2d``)."""
    tokens: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group()
        parts = [p for p in _SPLIT.split(word) if p] if _SPLIT.search(word) else [word]
        if len(parts) > 1:
            joined = "".join(parts)
            if not joined.isdigit():
                tokens.append(_stem(joined))
        tokens.extend(_stem(p) for p in parts if p not in STOPWORDS and (len(p) > 1 or p.isdigit()))
    return tokens


def content_terms(text: str) -> set[str]:
    """The distinct tokens of ``text``."""
    return set(tokenize(text))


_PAREN_ACRONYM = re.compile(r"\(([A-Za-z][\w-]*[A-Z][\w-]*)\)")


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """``(long form, acronym)`` pairs the text defines, as in "Segment Anything Model (SAM)":
    the shortest run of preceding words, starting with the acronym's first letter, whose letters
    contain the acronym's letters in order (Schwartz and Hearst, 2003)."""
    pairs = []
    for match in _PAREN_ACRONYM.finditer(text):
        acronym = match.group(1)
        letters = [c.lower() for c in acronym if c.isalnum()]
        letters = letters[:-1] if len(letters) > 2 and acronym.endswith("s") and acronym[-2].isupper() else letters
        words = text[: match.start()].split()[-(len(letters) + 5):]
        for size in range(1, len(words) + 1):
            candidate = words[-size:]
            if candidate[0][:1].lower() == letters[0] and _spells(" ".join(candidate).lower(), letters):
                pairs.append((" ".join(candidate).strip(",;:"), acronym))
                break
    return pairs


def _spells(long_form: str, letters: list[str]) -> bool:
    """True when ``letters`` occur in ``long_form`` in order."""
    position = 0
    for letter in letters:
        position = long_form.find(letter, position) + 1
        if not position:
            return False
    return True
