"""Which ranked units make the answer, and how each reads: the best unit, then units close to it
that add question terms, sit next to a chosen sentence, add another survey, or are likely to hold
the answer; within a sentence count and a length budget."""
from __future__ import annotations

import re

from core.settings import Settings
from index.query import Query
from index.text import tokenize
from index.units import Unit
from ingest.records import Chunk
from answer.table_lookup import focused_row
from answer.wording import answer_sentence, clean_markup

_SURVEY_MARKER = re.compile(r"\s*\[\d{1,4}(?:\s*[-–,]\s*\d{1,4})*\]")
_BIBLIO_FIELDS = ("Authors", "Title")  # what "who wrote ...?" asks of a record; its link is no answer
_ORDINAL = re.compile(r"^(\(?(?:[2-9]|ii|iii|iv|v|vi)\)|(?:second|third|fourth|fifth)(?:ly)?,|(?:finally|lastly),)", re.I)
_SENTENCE_GAP = 3  # most characters (whitespace) between two consecutive sentences


def similar(a: Unit, b: Unit) -> bool:
    """Near-duplicate units (the same sentence repeated, or a row and its echo)."""
    if a.text == b.text:
        return True
    ta, tb = set(tokenize(a.text)), set(tokenize(b.text))
    union = ta | tb
    return bool(union) and len(ta & tb) / len(union) > 0.7


def is_record(unit: Unit) -> bool:
    """A table row or a paper-list entry: a record about one model or paper."""
    return unit.hit.chunk.kind == "table-row" or unit.field == "record"


def same_table(a: Chunk, b: Chunk) -> bool:
    """Two rows of one table."""
    return a.kind == b.kind == "table-row" and a.doc == b.doc and a.caption == b.caption


def same_passage(unit: Unit, chosen: Unit) -> bool:
    """``unit``'s passage is ``chosen``'s, or an overlapping one that holds the chosen sentence too."""
    chunk = unit.hit.chunk
    return unit.hit is chosen.hit or (unit.doc == chosen.doc and chunk.start <= chosen.start and chosen.end <= chunk.end)


def adjacent(a: Unit, b: Unit) -> bool:
    """Neighbouring sentences: next to each other in one passage, or consecutive in the document
    though cut into two overlapping passages."""
    if a.hit is b.hit:
        return abs(a.position - b.position) == 1
    if not (a.verbatim and b.verbatim and a.doc == b.doc and a.hit.chunk.kind == b.hit.chunk.kind == "text"):
        return False
    first, second = sorted((a, b), key=lambda u: u.start)
    return 0 <= second.start - first.end <= _SENTENCE_GAP


def enumeration_after(first: Unit, units: list[Unit]) -> list[Unit]:
    """The numbered or ordinal items ("2) ...", "Second, ...") that directly follow ``first``."""
    items, previous = [], first
    while True:
        following = next((u for u in units if _ORDINAL.match(u.body) and adjacent(u, previous) and (
            u.position > previous.position if u.hit is previous.hit else u.start > previous.start)), None)
        if following is None:
            return items
        items.append(following)
        previous = following


class Selector:
    """Chooses and renders the units of an extractive answer (limits and floors from settings)."""

    def __init__(self, settings: Settings):
        self.max_units, self.max_chars = settings.max_answer_sentences, settings.max_answer_chars
        self.neighbour_floor, self.passage_floor = settings.neighbour_floor, settings.passage_floor
        self.other_passage_floor = settings.other_passage_floor

    def render(self, unit: Unit, query: Query) -> str:
        """The unit as answer text: a record's asked fields, or the sentence without markup, the
        survey's own [12]s (they live on in the citation) and a list field's label."""
        if is_record(unit):
            bibliographic = query.intent.bibliographic
            text = clean_markup(focused_row(unit.hit.chunk, query.weights, prefer=_BIBLIO_FIELDS if bibliographic else (),
                                            only_asked=bibliographic))
        else:
            text = answer_sentence(_SURVEY_MARKER.sub("", unit.body))
            name = unit.label[: unit.label.rfind(" (")] if unit.label else ""
            text = text if not name or name.lower() in text.lower() else f"{name}: {text}"
        limit = self.max_chars - 10
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"

    def select(self, units: list[Unit], query: Query, cross_doc: bool, likely: set[int] = frozenset()) -> list[Unit]:
        """Greedy within the length budget over ``units`` (best first): the best unit, then units
        scoring close to it that add question terms, sit next to a chosen sentence, (``cross_doc``)
        add another survey, or are ``likely`` (ids) to hold the answer (these need only the
        same-passage floor)."""
        weights = query.weights
        best = units[0]
        names_asked = any(u.hit.named for u in units)
        chosen, length = [best], len(self.render(best, query))
        covered = set(best.terms) & {t for t, w in weights.items() if w > 0}

        def take(unit: Unit, gain: set[str]) -> bool:
            """Add ``unit`` if the unit count and the length budget allow it."""
            nonlocal length
            text = self.render(unit, query)
            if len(chosen) >= self.max_units or length + len(text) + 1 > self.max_chars:
                return False
            chosen.append(unit)
            covered.update(gain)
            length += len(text) + 1
            return True

        for unit in enumeration_after(best, units):  # "1) ..." goes on with "2) ...", "First, ..." with "Second, ..."
            if not take(unit, set(unit.terms) & set(weights)):
                break
        for unit in units[1:]:
            if len(chosen) >= self.max_units:
                break
            beside = any(adjacent(unit, c) for c in chosen)
            passage = any(same_passage(unit, c) for c in chosen)
            likely_answer = id(unit) in likely  # held to the same-passage floor wherever it is
            floor = (self.neighbour_floor if beside else
                     self.passage_floor if passage or likely_answer else self.other_passage_floor)
            if unit.score < floor * best.score:
                continue
            if names_asked and is_record(unit) and not unit.hit.named:
                continue  # a row about another model than the one asked about
            gain = (set(unit.terms) & set(weights)) - covered
            new_doc = cross_doc and unit.doc not in {c.doc for c in chosen}
            close = unit.score >= self.other_passage_floor * best.score
            table = any(same_table(unit.hit.chunk, c.hit.chunk) for c in chosen)
            adds = gain or beside or new_doc or likely_answer or (close and (passage or table))
            if adds and not any(similar(unit, c) for c in chosen):
                take(unit, gain)
        return [best] + sorted(chosen[1:], key=lambda u: (u.hit.rank, u.position))
