"""When to say "the indexed documents do not answer this": the question names a technical term that no
indexed document contains, or the best candidate covers too little of the question."""
from __future__ import annotations

import re

from index.text import STOPWORDS, tokenize

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def is_technical(word: str) -> bool:
    """Acronyms, CamelCase names and alphanumeric codes (BLEU, MedGemma, RRG24) — not plain words."""
    return bool(re.search(r"[A-Z]", word[1:]) or re.search(r"\d", word))


def unknown_terms(question: str, vocabulary) -> list[str]:
    """Technical terms of the question that occur nowhere in the corpus."""
    unknown = []
    for match in _WORD.finditer(question):
        word = match.group()
        if len(word) < 3 or word.lower() in STOPWORDS or not is_technical(word):
            continue
        tokens = tokenize(word)
        if tokens and tokens[0] not in vocabulary:
            unknown.append(word)
    return unknown
