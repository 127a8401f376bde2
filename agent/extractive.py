"""The offline answerer: pick the few sentences, table rows or list fields from the retrieved
passages that best cover the question, cite each one, or abstain when nothing supports it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent.citations import Claim
from agent.intent import Intent, detect_intent
from index.retrieval import Hit
from index.text import tokenize
from ingest.sentences import sentence_spans

_DIGIT = re.compile(r"\d")
_MIN_SENTENCE = 25


@dataclass
class Unit:
    """A candidate piece of answer: a sentence, a table row, a list field or a reference entry."""

    hit: Hit
    text: str
    start: int
    end: int
    terms: frozenset
    score: float = 0.0


def units_of(hit: Hit, doc_text: str) -> list[Unit]:
    """Split one retrieved chunk into answer candidates with their spans."""
    chunk = hit.chunk
    if chunk.kind == "text":
        out = []
        for start, end in sentence_spans(doc_text[chunk.start:chunk.end], chunk.start):
            text = " ".join(doc_text[start:end].split())
            if len(text) >= _MIN_SENTENCE:
                out.append(Unit(hit, text, start, end, frozenset(tokenize(text))))
        return out
    if chunk.kind == "list-item":
        title = chunk.fields.get("Title", "")
        return [Unit(hit, f"{title} — {name}: {value}" if name != "Title" else title, chunk.start, chunk.end,
                     frozenset(tokenize(f"{title} {name} {value}")))
                for name, value in chunk.fields.items()]
    context = f"{chunk.caption} " if chunk.kind == "table-row" else ""
    return [Unit(hit, chunk.text, chunk.start, chunk.end, frozenset(tokenize(context + chunk.text)))]


class ExtractiveAnswerer:
    """Scores candidate units against the question and composes a short cited answer."""

    def __init__(self, idf, max_units: int = 3, max_chars: int = 560, abstain_threshold: float = 0.35):
        self.idf = idf
        self.max_units, self.max_chars = max_units, max_chars
        self.abstain_threshold = abstain_threshold

    def score(self, question_terms: dict[str, float], intent: Intent, unit: Unit) -> float:
        """Share of the question's (idf-weighted) terms the unit contains, plus intent and rank bonuses."""
        total = sum(question_terms.values()) or 1.0
        coverage = sum(w for t, w in question_terms.items() if t in unit.terms) / total
        bonus = 0.0
        if intent.numeric and _DIGIT.search(unit.text):
            bonus += 0.1
        if intent.bibliographic and unit.hit.chunk.kind in ("reference", "list-item"):
            bonus += 0.1
        if intent.attribute and unit.hit.chunk.kind == "table-row":
            bonus += 0.05
        return coverage + bonus + 0.05 / unit.hit.rank

    def compose(self, question: str, hits: list[Hit], doc_texts: dict[str, str]) -> tuple[list[Claim], float]:
        """``(claims, support)``: the chosen units as cited claims and the best unit's score."""
        intent = detect_intent(question)
        terms = {t: self.idf(t) for t in set(tokenize(question))}
        units = [u for hit in hits for u in units_of(hit, doc_texts.get(hit.chunk.doc, ""))]
        for unit in units:
            unit.score = self.score(terms, intent, unit)
        units.sort(key=lambda u: -u.score)
        if not units:
            return [], 0.0
        chosen = self._select(units, terms)
        return [Claim(self._fit(u.text), [(u.hit.chunk.id, u.start, u.end)]) for u in chosen], units[0].score

    def _select(self, units: list[Unit], terms: dict[str, float]) -> list[Unit]:
        """Greedy: the best unit, then units that add uncovered question terms and score close to it."""
        best = units[0]
        chosen, covered, length = [best], set(best.terms) & set(terms), len(self._fit(best.text))
        for unit in units[1:]:
            if len(chosen) >= self.max_units or unit.score < 0.6 * best.score:
                break
            gain = (set(unit.terms) & set(terms)) - covered
            text = self._fit(unit.text)
            if not gain or any(unit.text == c.text for c in chosen) or length + len(text) + 1 > self.max_chars:
                continue
            chosen.append(unit)
            covered |= gain
            length += len(text) + 1
        return chosen

    def _fit(self, text: str) -> str:
        """Trim an over-long unit at a word boundary."""
        limit = self.max_chars - 10
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"

    def abstains(self, support: float) -> bool:
        return support < self.abstain_threshold
