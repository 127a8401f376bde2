"""The ways an answer can be made, tried in a declared order (:data:`ORDER`): each strategy's
``propose(query, candidates)`` returns a :class:`Draft` or None, and the first draft wins.

1. ``table-listing``: "which models ...?" answered by every matching row of the best row's table
   (by count and the first rows' names when many match).
2. ``comparison``: "compare A and B" from the catalog.
3. ``outline``: "what are the main X?" from the subsections of the section about X.
4. ``cross-survey``: where the surveys disagree about a named model, then the best sentence.
5. ``reference-entry``: "who wrote ...?" as the best sentences and the entry the survey cites there.
6. ``sentences``: the best sentences, table rows or list fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from answer.citations import Claim
from answer.compare_answer import comparison_claims
from answer.cross_answers import cross_survey_claims
from answer.outline_answer import outline_claims
from answer.selection import Selector, same_table
from answer.table_lookup import MAX_LISTED_ROWS, MAX_NAMED_ROWS, focused_row, matching_rows, record_label
from core.names import whole_word
from index.hits import Hit
from index.query import Query
from index.text import tokenize
from index.units import Unit
from ingest.references import cited_numbers

ORDER = ("table-listing", "comparison", "outline", "cross-survey", "reference-entry", "sentences")
_DIGIT = re.compile(r"\d")
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|without|none|cannot)\b|n't\b", re.I)
_MARKER_CONTEXT = re.compile(r"((?:\S+\s+){0,3}\S+)\s*\[(\d{1,4})(?:[,\s–-]+\d{1,4})*\]")


@dataclass
class Draft:
    """The claims chosen for an answer, how well the evidence supports it, any passages looked up
    beyond the retrieved ones (rows of a scanned table), what the question asks for that the
    claims lack (``missing``: the answer then says so and counts as abstained), the strategy that
    made it and the candidates it was made from (for :meth:`ExtractiveAnswerer.explain`)."""

    claims: list[Claim]
    support: float
    extra_hits: list[Hit] = field(default_factory=list)
    missing: str = ""
    strategy: str = ""
    candidates: Candidates | None = None


@dataclass
class Candidates:
    """What strategies propose from: the retrieved hits, their units ranked best first, the
    support (the best unit's coverage of the question: evidence alone), the ids of units the
    sentence scorer finds likely answers, and the documents claims beyond the hits may come from
    (None: any)."""

    hits: list[Hit]
    units: list[Unit]
    support: float
    likely: set[int]
    docs: list[str] | None = None
    similarity: dict[int, float] = field(default_factory=dict)  # id(unit) -> its embedding similarity to the question


def _names(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` as a whole name, not inside a longer one (any case)."""
    return re.search(whole_word(re.escape(name)), text, re.I) is not None


def verdict(evidence: str) -> str:
    """The answer to a yes/no question that ``evidence`` (the best sentence) answers: No when it
    negates, else Yes."""
    return "No" if _NEGATION.search(evidence) else "Yes"


def with_verdict(draft: Draft, query: Query, candidates: Candidates) -> Draft:
    """A yes/no question's answer, whichever strategy made it, opens with the best unit's verdict."""
    if query.intent.yes_no and draft.claims and not draft.missing:
        first = draft.claims[0]
        draft.claims[0] = Claim(f"{verdict(candidates.units[0].body)}. {first.text}", first.sources)
    return draft


class TableListing:
    """For "which rows ...?" when the best unit is a row not named by the question: every row of its table that matches."""

    name = "table-listing"

    def __init__(self, retriever):
        self.retriever = retriever

    def propose(self, query: Query, candidates: Candidates) -> Draft | None:
        top = candidates.units[0].hit
        if not query.intent.listing or top.chunk.kind != "table-row" or top.named:  # not "which X does Y use"
            return None
        rows = [c for c in self.retriever.doc_chunks[top.chunk.doc] if same_table(c, top.chunk)]
        chosen, distinguishing = matching_rows(rows, query.weights)
        if not chosen:
            return None
        focus = {t: w for t, w in query.weights.items() if t in distinguishing}
        if len(chosen) <= MAX_LISTED_ROWS:
            claims = [Claim(focused_row(row, focus, limit=90), [(row.id, row.start, row.end)]) for row in chosen]
        else:  # a long list: the count, and the first rows by name
            named = chosen[:MAX_NAMED_ROWS]
            table = f"“{top.chunk.caption}”" if top.chunk.caption else "the table"
            names = ", ".join(record_label(row) or row.text[:40] for row in named)
            claims = [Claim(f"{len(chosen)} rows of {table} match, among them {names}, and {len(chosen) - len(named)} more",
                            [(row.id, row.start, row.end) for row in named])]
            chosen = named
        return Draft(claims, candidates.support, [Hit(row, 0.0) for row in chosen], strategy=self.name)


class Comparison:
    """For "compare A and B": the catalog's attributes of each, per differing attribute."""

    name = "comparison"

    def __init__(self, retriever, catalog):
        self.retriever, self.catalog = retriever, catalog

    def propose(self, query: Query, candidates: Candidates) -> Draft | None:
        claims, hits = comparison_claims(query.text, query.names, self.catalog, self.retriever.by_id, candidates.docs)
        return Draft(claims, candidates.support, hits, strategy=self.name) if claims else None


class Outline:
    """For "what are the main X?": the subsections of a section about X; its headings count as evidence."""

    name = "outline"

    def __init__(self, retriever):
        self.retriever = retriever

    def propose(self, query: Query, candidates: Candidates) -> Draft | None:
        claims, hits = outline_claims(query.text, candidates.hits, self.retriever.doc_chunks, candidates.docs)
        if not claims:
            return None
        where = hits[0].chunk
        heading = set(tokenize(f"{where.doc_title} {' '.join(where.section[:-1])}"))
        return Draft(claims, max(candidates.support, query.coverage(heading)), hits, strategy=self.name)


class Sentences:
    """The best units as claims; a numeric question without a number in them says the figure is
    missing."""

    name = "sentences"

    def __init__(self, selector: Selector):
        self.selector = selector

    def chosen(self, query: Query, candidates: Candidates) -> list[Unit]:
        surveys = {h.chunk.doc for h in candidates.hits if h.prior > 0}
        return self.selector.select(candidates.units, query, len(surveys) > 1, candidates.likely)

    def claims(self, query: Query, units: list[Unit]) -> list[Claim]:
        return [Claim(self.selector.render(u, query), [(u.hit.chunk.id, u.start, u.end)]) for u in units]

    def finish(self, query: Query, claims: list[Claim], candidates: Candidates, name: str,
               extra_hits: list[Hit] = ()) -> Draft:
        """``claims`` as a draft, checked against what the question asks for: a question naming a record
        needs a claim naming it (not only a longer name holding it: MedSAM in RRL-MedSAM), and a figure
        question a claim with a number (and with the measure's term, when it names one)."""
        extra_hits = list(extra_hits)
        if query.names and not any(_names(c.text, n) for c in claims for n in query.names):
            return Draft(claims[:1], candidates.support, extra_hits, strategy=name,
                         missing=f"what the question asks about {query.names[0]}")
        figures = [c.text for c in claims if _DIGIT.search(c.text)]
        if query.intent.numeric and not any(not query.measure or query.measure in tokenize(text) for text in figures):
            return Draft(claims[:1], candidates.support, extra_hits, missing="the figure asked for", strategy=name)
        return Draft(claims, candidates.support, extra_hits, strategy=name)

    def propose(self, query: Query, candidates: Candidates) -> Draft:
        return self.finish(query, self.claims(query, self.chosen(query, candidates)), candidates, self.name)


class CrossSurvey:
    """For a named model the surveys disagree about: each distinct value, cited, then the best sentence."""

    name = "cross-survey"

    def __init__(self, retriever, cross_survey, sentences: Sentences):
        self.retriever, self.cross_survey, self.sentences = retriever, cross_survey, sentences

    def propose(self, query: Query, candidates: Candidates) -> Draft | None:
        merged, hits = cross_survey_claims(query.text, query.names, self.cross_survey, self.retriever.by_id, candidates.docs)
        if not merged:
            return None
        chosen = self.sentences.chosen(query, candidates)
        claims = merged + self.sentences.claims(query, chosen[:1])
        return self.sentences.finish(query, claims, candidates, self.name, hits)


class ReferenceEntry:
    """For "who wrote ...?" / "where did ... appear?": the best sentences, then the reference entry
    of the paper the best one cites next to the question's words."""

    name = "reference-entry"

    def __init__(self, sentences: Sentences):
        self.sentences = sentences

    def propose(self, query: Query, candidates: Candidates) -> Draft | None:
        if not query.intent.bibliographic:
            return None
        chosen = self.sentences.chosen(query, candidates)
        claims = self.sentences.claims(query, chosen) + self.entry(chosen[0], query.weights, candidates.hits)
        return self.sentences.finish(query, claims, candidates, self.name)

    @staticmethod
    def entry(unit: Unit, weights: dict[str, float], hits: list[Hit]) -> list[Claim]:
        """The entry as one claim, cited to the retrieved entry chunk or else the citing passage."""
        chunk = unit.hit.chunk
        if chunk.kind == "reference" or not chunk.refs:
            return []
        best, best_overlap = None, 0.0
        for match in _MARKER_CONTEXT.finditer(unit.text):
            overlap = sum(weights.get(t, 0.0) for t in dict.fromkeys(tokenize(match.group(1))))
            if overlap > best_overlap and match.group(2) in chunk.refs:
                best, best_overlap = match.group(2), overlap
        if best is None:
            numbers = [str(n) for n in cited_numbers(unit.text) if str(n) in chunk.refs]
            best = numbers[0] if len(numbers) == 1 else None
        if best is None:
            return []
        entry = next((h.chunk for h in hits if h.chunk.kind == "reference" and h.chunk.doc == chunk.doc
                      and h.chunk.fields.get("number") == best), None)
        source = entry or chunk
        text = re.sub(r"^\[\d+\]\s*", "", chunk.refs[best])
        return [Claim(f"The survey cites: {text}", [(source.id, source.start, source.end)])]


def strategies(retriever, selector: Selector, catalog=None, cross_survey=None) -> list:
    """One of each strategy, in :data:`ORDER`."""
    sentences = Sentences(selector)
    return [TableListing(retriever), Comparison(retriever, catalog), Outline(retriever),
            CrossSurvey(retriever, cross_survey, sentences), ReferenceEntry(sentences), sentences]
