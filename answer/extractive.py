"""The offline answerer: pick the few sentences, table rows or list fields from the retrieved
passages that best cover the question, cite each one, or abstain when nothing supports it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from answer.citations import Claim
from answer.compare_answer import comparison_claims
from answer.cross_answers import cross_survey_claims
from answer.intent import Intent, detect_intent
from answer.outline_answer import outline_claims
from answer.sentence_model import FEATURES, UnitContext, load_model, unit_features
from answer.table_lookup import focused_row, matching_rows
from answer.wording import answer_sentence, clean_markup
from index.retrieval import Hit, Retriever
from index.text import acronym_definitions, tokenize
from index.units import Unit, units_of
from ingest.records import Chunk
from ingest.references import cited_numbers
from core.settings import Settings

_DIGIT = re.compile(r"\d")
_SURVEY_MARKER = re.compile(r"\s*\[\d{1,4}(?:\s*[-–,]\s*\d{1,4})*\]")
_BIBLIO_FIELDS = ("Authors", "Link", "Title")
# Scoring shape: bonuses on the coverage score and floors as fractions of the best unit's score (set on the dev set).
_NAMED_BONUS = 0.05  # the passage is a record the question names
_FLOOR_SAME_PASSAGE, _FLOOR_OTHER_PASSAGE = 0.5, 0.85
_ORDINAL = re.compile(r"^(\(?(?:[2-9]|ii|iii|iv|v|vi)\)|(?:second|third|fourth|fifth)(?:ly)?,|(?:finally|lastly),)", re.I)
_SENTENCE_GAP = 3  # most characters (whitespace) between two consecutive sentences
_DEFINING = re.compile(r"\b(is|are|refers? to|denotes?|defined as|consists? of|comprises?)\b|\):\s|:\s+they\b", re.I)
# Roadmap sentences and captions ("Section 5 discusses ...", "Figure 4: ...") say where content is, rarely what it is.
_SIGNPOST = re.compile(r"^(figure|fig\.|table)\s*\d+\s*[:.]|\b((this|the following|next|present) (section|subsection|chapter)|"
                       r"sections? \d+(\.\d+)*)\b[^.;:]{0,40}?\b(covers?|discuss(es)?|explores?|presents?|reviews?|describes?|"
                       r"summari[sz]es?|introduces?|provides?|outlines?|focus(es)? on|examines?)\b", re.I)
_SIGNPOST_FACTOR = 0.5
_OTHER_SURVEY_FACTOR = 0.7  # a passage from a survey the question does not name, when it names one
_LONG_LIST, _LONG_LIST_FACTOR = 8, 0.7  # a sentence with this many ", " is a list of names: evidence for list questions only
# An enumeration after a cue ("such as A, B, and C", ": A, B and C"): what a "which/what are" question wants.
_ENUMERATION = re.compile(r"(:|\bsuch as|\bincluding|\bincludes?|\bnamely)\s+[^.;]*?,[^.;]*?,[^.;]*?\b(and|or)\b", re.I)
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|without|none|cannot)\b|n't\b", re.I)
_MARKER_CONTEXT = re.compile(r"((?:\S+\s+){0,3}\S+)\s*\[(\d{1,4})(?:[,\s–-]+\d{1,4})*\]")


def verdict(evidence: str) -> str:
    """The answer to a yes/no question that ``evidence`` (the best sentence) answers: No when it
    negates, else Yes."""
    return "No" if _NEGATION.search(evidence) else "Yes"


def _introduced(text: str) -> set[str]:
    """Terms the text defines by spelling them out: ``vision foundation models (VE-VFMs)``."""
    return {t for _, acronym in acronym_definitions(text) for t in tokenize(acronym)}


def _similar(a: Unit, b: Unit) -> bool:
    """Near-duplicate units (the same sentence repeated, or a row and its echo)."""
    if a.text == b.text:
        return True
    ta, tb = set(tokenize(a.text)), set(tokenize(b.text))
    union = ta | tb
    return bool(union) and len(ta & tb) / len(union) > 0.7


def _is_record(unit: Unit) -> bool:
    """A table row or a paper-list entry: a record about one model or paper."""
    return unit.hit.chunk.kind == "table-row" or unit.field == "record"


def _same_table(a: Chunk, b: Chunk) -> bool:
    """Two rows of one table."""
    return a.kind == b.kind == "table-row" and a.doc == b.doc and a.caption == b.caption


def _discount(units: list[Unit], intent: Intent, names_survey: bool) -> None:
    """Lower the rank (not the support) of units that match the question's words without answering it:
    roadmap sentences, long lists of names when no list is asked for, and passages of surveys the
    question does not name."""
    for unit in units:
        prose = unit.hit.chunk.kind == "text"
        if prose and not intent.structure and _SIGNPOST.search(unit.text):
            unit.score *= _SIGNPOST_FACTOR
        if prose and not intent.listing and unit.body.count(", ") >= _LONG_LIST:
            unit.score *= _LONG_LIST_FACTOR
        if names_survey and unit.hit.prior == 0:
            unit.score *= _OTHER_SURVEY_FACTOR


def _enumeration_after(first: Unit, units: list[Unit]) -> list[Unit]:
    """The numbered or ordinal items ("2) ...", "Second, ...") that directly follow ``first``."""
    items, previous = [], first
    while True:
        following = next((u for u in units if _ORDINAL.match(u.body) and _adjacent(u, previous) and (
            u.position > previous.position if u.hit is previous.hit else u.start > previous.start)), None)
        if following is None:
            return items
        items.append(following)
        previous = following


def _same_passage(unit: Unit, chosen: Unit) -> bool:
    """``unit``'s passage is ``chosen``'s, or an overlapping one that holds the chosen sentence too."""
    chunk = unit.hit.chunk
    return unit.hit is chosen.hit or (unit.doc == chosen.doc and chunk.start <= chosen.start and chosen.end <= chunk.end)


def _adjacent(a: Unit, b: Unit) -> bool:
    """Neighbouring sentences: next to each other in one passage, or consecutive in the document
    though cut into two overlapping passages."""
    if a.hit is b.hit:
        return abs(a.position - b.position) == 1
    if not (a.verbatim and b.verbatim and a.doc == b.doc and a.hit.chunk.kind == b.hit.chunk.kind == "text"):
        return False
    first, second = sorted((a, b), key=lambda u: u.start)
    return 0 <= second.start - first.end <= _SENTENCE_GAP


@dataclass
class Draft:
    """The claims chosen for an answer, how well the best one supports it, any passages the
    answerer looked up beyond the retrieved ones (rows of a scanned table), and what the question
    asks for that the claims lack (``missing``: the answer then says so and counts as abstained)."""

    claims: list[Claim]
    support: float
    extra_hits: list[Hit] = field(default_factory=list)
    missing: str = ""


class ExtractiveAnswerer:
    """Scores candidate units against the question and composes a short cited answer."""

    def __init__(self, retriever: Retriever, settings: Settings | None = None, cross_survey=None, catalog=None):
        self.retriever = retriever
        self.cross_survey, self.catalog = cross_survey, catalog
        settings = settings or Settings()
        self.max_units, self.max_chars = settings.max_answer_sentences, settings.max_answer_chars
        self.meaning_weight, self.neighbour_floor = settings.meaning_weight, settings.neighbour_floor
        self.rank_bonus = settings.rank_bonus
        self.answer_gate = settings.answer_gate
        gated = settings.sentence_model and self.answer_gate < 1
        self.sentence_model = load_model(settings.sentence_model) if gated else None

    def question_weights(self, question: str) -> dict[str, float]:
        """IDF weight of each question term; words that only name a survey weigh nothing, and a
        spelled-out record name ("Segment Anything Model") also counts as the name itself (SAM)."""
        naming = self.retriever.doc_terms(self.retriever.doc_prior(question))
        spelled = self.retriever.entities.spelled_out(question)
        idf = self.retriever.store.lexical.idf
        terms = list(dict.fromkeys(tokenize(question) + [t for _, name in spelled for t in tokenize(name)]))
        return {t: (0.0 if t in naming else idf(t)) for t in terms}  # ordered: ties break the same in every process

    @staticmethod
    def coverage(weights: dict[str, float], terms) -> float:
        """Share of the question's weighted terms among ``terms`` (a unit's): the evidence alone."""
        return sum(w for t, w in weights.items() if t in terms) / (sum(weights.values()) or 1.0)

    def score(self, weights: dict[str, float], intent: Intent, unit: Unit) -> float:
        """The unit's coverage of the question plus intent and rank bonuses (its ranking score)."""
        coverage = self.coverage(weights, unit.terms)
        kind = unit.hit.chunk.kind
        bonus = self.rank_bonus / unit.hit.rank + (_NAMED_BONUS if unit.hit.named else 0.0)
        if intent.numeric and _DIGIT.search(unit.text):
            bonus += 0.1
        if intent.bibliographic and (kind == "reference" or unit.field == "record"):
            bonus += 0.15
        focus = max(weights, key=weights.get, default="")
        if focus and weights[focus] > 0 and focus in set(tokenize(unit.text[: max(40, len(unit.text) // 4)])):
            bonus += 0.1 if intent.definition else 0.05  # the sentence is about the question's rarest term
        bonus += 0.1 * unit.hit.prior
        if intent.attribute and kind == "table-row":
            bonus += 0.05
        if intent.listing and _ENUMERATION.search(unit.body):
            bonus += 0.1
        if intent.definition and _DEFINING.search(unit.body):
            bonus += 0.05
        if intent.definition and any(weights.get(t, 0) > 0 for t in _introduced(unit.text)):
            bonus += 0.1  # the sentence introduces a term of the question: "long form (TERM)"
        if not unit.verbatim and kind == "text" and not intent.structure:
            coverage *= 0.5  # derived records (section outlines) answer questions about structure
        return coverage + bonus

    def similarities(self, question: str, units: list[Unit]) -> np.ndarray:
        """The embedder's similarity of each unit to the question (unit vectors come from the index)."""
        query = self.retriever.embedder.embed_query_vector(question)
        return np.array([float(self.retriever.unit_vectors(u.hit.chunk)[u.ordinal] @ query) for u in units])

    def _add_meaning(self, question: str, units: list[Unit]) -> np.ndarray:
        """Add each unit's similarity to the question, so a sentence that answers in other words
        than the question's can win; returns the similarities."""
        similarity = self.similarities(question, units)
        for unit, value in zip(units, similarity):
            unit.score += self.meaning_weight * float(value)
        return similarity

    def candidate_units(self, hits: list[Hit], doc_texts: dict[str, str], intent: Intent) -> list[Unit]:
        """The answer units of ``hits``; reference entries only when the question asks who or where."""
        return [u for hit in hits for u in units_of(hit, doc_texts.get(hit.chunk.doc, ""))
                if intent.bibliographic or hit.chunk.kind != "reference"]

    def hand_ranked(self, question: str, hits: list[Hit],
                    doc_texts: dict[str, str]) -> tuple[Intent, dict[str, float], list[Unit], np.ndarray]:
        """``(intent, term weights, units, similarities)``: the candidate units with their hand-set
        ranking scores (coverage, bonuses, discounts, meaning)."""
        intent = detect_intent(question)
        weights = self.question_weights(question)
        units = self.candidate_units(hits, doc_texts, intent)
        for unit in units:
            unit.score = self.score(weights, intent, unit)
        _discount(units, intent, names_survey=any(h.prior > 0 for h in hits))
        return intent, weights, units, self._add_meaning(question, units)

    def prose_features(self, units: list[Unit], weights: dict[str, float], similarity: np.ndarray,
                       intent: Intent) -> tuple[list[Unit], np.ndarray]:
        """The verbatim prose sentences among ``units`` (what the sentence model was fitted on) and
        their features (rows), with the scores :meth:`hand_ranked` gave them."""
        index = [n for n, u in enumerate(units) if u.hit.chunk.kind == "text" and u.verbatim]
        prose, similarity = [units[n] for n in index], similarity[index]
        coverage = [self.coverage(weights, u.terms) for u in prose]
        sections = {id(u.hit): self.coverage(weights, set(tokenize(u.hit.chunk.section_path))) for u in prose}
        best = (max(coverage, default=0.0), float(similarity.max(initial=-1.0)),
                max((u.score for u in prose), default=0.0))
        terms = frozenset(weights)
        rows = [unit_features(u, UnitContext(c, sections[id(u.hit)], float(s), *best, terms, intent.numeric))
                for u, c, s in zip(prose, coverage, similarity)]
        return prose, np.array(rows).reshape(len(prose), len(FEATURES))

    def _likely_answers(self, units: list[Unit], weights: dict[str, float], similarity: np.ndarray,
                        intent: Intent) -> set[int]:
        """Ids of the prose sentences the sentence model gives at least ``answer_gate`` probability
        of holding the answer."""
        if self.sentence_model is None:
            return set()
        prose, matrix = self.prose_features(units, weights, similarity, intent)
        return {id(u) for u, p in zip(prose, self.sentence_model.probability(matrix)) if p >= self.answer_gate}

    def compose(self, question: str, hits: list[Hit], doc_texts: dict[str, str], docs=None) -> Draft:
        """The claims answering ``question`` from ``hits``; claims drawn from beyond the hits (the
        cross-survey view) come only from the documents in ``docs``, when given."""
        intent, weights, units, similarity = self.hand_ranked(question, hits, doc_texts)
        if not units:
            return Draft([], 0.0)
        support = max(self.coverage(weights, u.terms) for u in units)  # evidence alone decides whether to answer at all
        named_surveys = {h.chunk.doc for h in hits if h.prior > 0}
        likely = self._likely_answers(units, weights, similarity, intent)
        units.sort(key=lambda u: -u.score)
        if intent.listing and units[0].hit.chunk.kind == "table-row" and not units[0].hit.named:  # not "which X does Y use"
            listed = self._table_list(units[0].hit, weights)
            if listed:
                return Draft(listed[0], support, listed[1])
        names = self.retriever.entities.mentioned(question)
        compared, compared_hits = comparison_claims(question, names, self.catalog, self.retriever.by_id, docs)
        if compared:
            return Draft(compared, support, compared_hits)
        outlined, outlined_hits = outline_claims(question, hits, self.retriever.doc_chunks, docs)
        if outlined:  # the section's heading and its document's title are evidence too
            where = outlined_hits[0].chunk
            heading = set(tokenize(f"{where.doc_title} {' '.join(where.section[:-1])}"))
            return Draft(outlined, max(support, self.coverage(weights, heading)), outlined_hits)
        merged, merged_hits = cross_survey_claims(question, names, self.cross_survey, self.retriever.by_id, docs)
        chosen = self._select(units, weights, len(named_surveys) > 1, intent, likely)
        claims = [Claim(self._render(u, weights, intent), [(u.hit.chunk.id, u.start, u.end)]) for u in chosen]
        if merged:
            claims = merged + claims[:1]
        if intent.bibliographic:
            claims.extend(self._reference_claims(chosen[0], weights, hits))
        if intent.numeric and not any(_DIGIT.search(c.text) for c in claims):
            return Draft(claims[:1], support, merged_hits, missing="the figure asked for")
        if intent.yes_no:
            claims[0] = Claim(f"{verdict(chosen[0].body)}. {claims[0].text}", claims[0].sources)
        return Draft(claims, support, merged_hits)

    def _render(self, unit: Unit, weights: dict[str, float], intent: Intent | None = None) -> str:
        """The unit as answer text: a record's asked fields, or the sentence without markup, the
        survey's own [12]s (they live on in the citation) and a list field's label."""
        if _is_record(unit):
            prefer = _BIBLIO_FIELDS if intent and intent.bibliographic else ()
            text = clean_markup(focused_row(unit.hit.chunk, weights, prefer=prefer))
        else:
            text = answer_sentence(_SURVEY_MARKER.sub("", unit.body))
            name = unit.label[: unit.label.rfind(" (")] if unit.label else ""
            text = text if not name or name.lower() in text.lower() else f"{name}: {text}"
        limit = self.max_chars - 10
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"

    def _select(self, units: list[Unit], weights: dict[str, float], cross_doc: bool, intent: Intent,
                likely: set[int] = frozenset()) -> list[Unit]:
        """Greedy within the length budget: the best unit, then units scoring close to it that add
        question terms, sit next to a chosen sentence, (for several surveys) add another survey, or
        are ``likely`` (ids) to hold the answer (these need only the same-passage floor)."""
        best = units[0]
        names_asked = any(u.hit.named for u in units)
        chosen, length = [best], len(self._render(best, weights, intent))
        covered = set(best.terms) & {t for t, w in weights.items() if w > 0}

        def take(unit: Unit, gain: set[str]) -> bool:
            """Add ``unit`` if the unit count and the length budget allow it."""
            nonlocal length
            text = self._render(unit, weights, intent)
            if len(chosen) >= self.max_units or length + len(text) + 1 > self.max_chars:
                return False
            chosen.append(unit)
            covered.update(gain)
            length += len(text) + 1
            return True

        for unit in _enumeration_after(best, units):  # "1) ..." goes on with "2) ...", "First, ..." with "Second, ..."
            if not take(unit, set(unit.terms) & set(weights)):
                break
        for unit in units[1:]:
            if len(chosen) >= self.max_units:
                break
            beside = any(_adjacent(unit, c) for c in chosen)
            same_passage = any(_same_passage(unit, c) for c in chosen)
            likely_answer = id(unit) in likely  # held to the same-passage floor wherever it is
            floor = (self.neighbour_floor if beside else
                     _FLOOR_SAME_PASSAGE if same_passage or likely_answer else _FLOOR_OTHER_PASSAGE)
            if unit.score < floor * best.score:
                continue
            if names_asked and _is_record(unit) and not unit.hit.named:
                continue  # a row about another model than the one asked about
            gain = (set(unit.terms) & set(weights)) - covered
            new_doc = cross_doc and unit.doc not in {c.doc for c in chosen}
            close = unit.score >= 0.85 * best.score
            same_table = any(_same_table(unit.hit.chunk, c.hit.chunk) for c in chosen)
            adds = gain or beside or new_doc or likely_answer or (close and (same_passage or same_table))
            if adds and not any(_similar(unit, c) for c in chosen):
                take(unit, gain)
        return [best] + sorted(chosen[1:], key=lambda u: (u.hit.rank, u.position))

    def _table_list(self, hit: Hit, weights: dict[str, float]) -> tuple[list[Claim], list[Hit]] | None:
        """For "which rows ..." questions: every row of the best hit's table that matches."""
        chunk = hit.chunk
        rows = [c for c in self.retriever.doc_chunks[chunk.doc] if _same_table(c, chunk)]
        chosen, distinguishing = matching_rows(rows, weights)
        if not chosen:
            return None
        focus = {t: w for t, w in weights.items() if t in distinguishing}
        claims = [Claim(focused_row(row, focus, limit=90), [(row.id, row.start, row.end)]) for row in chosen]
        return claims, [Hit(row, 0.0) for row in chosen]

    def _reference_claims(self, unit: Unit, weights: dict[str, float], hits: list[Hit]) -> list[Claim]:
        """The reference entry of the paper the best sentence cites next to the question's words."""
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
        entry = re.sub(r"^\[\d+\]\s*", "", chunk.refs[best])
        return [Claim(f"The survey cites: {entry}", [(source.id, source.start, source.end)])]
