"""The offline answerer: rank the answer units (sentences, table rows, list fields) of the retrieved
passages against the analysed question (``answer.ranking``), then let the answer strategies
(``answer.strategies``, in their declared order) propose a short cited answer."""
from __future__ import annotations

import numpy as np

from answer.ranking import Ranker
from answer.selection import Selector
from answer.sentence_model import FEATURES, UnitContext, load_model, unit_features
from answer.strategies import Candidates, Draft, strategies, with_verdict
from core.settings import Settings
from index.query import Query
from index.retrieval import Hit, Retriever
from index.units import Unit, units_of


class ExtractiveAnswerer:
    """Ranks candidate units against a :class:`~index.query.Query` and composes a cited answer."""

    def __init__(self, retriever: Retriever, settings: Settings | None = None, cross_survey=None, catalog=None):
        self.retriever = retriever
        settings = settings or Settings()
        self.ranker = Ranker.from_settings(settings)
        self.selector = Selector(settings)
        self.strategies = strategies(retriever, self.selector, catalog, cross_survey)
        self.answer_gate = settings.answer_gate
        gated = settings.sentence_model and self.answer_gate < 1
        self.sentence_model = load_model(settings.sentence_model) if gated else None

    def similarities(self, query: Query, units: list[Unit]) -> np.ndarray:
        """The embedder's similarity of each unit to the question (unit vectors come from the index)."""
        return np.array([float(self.retriever.unit_vectors(u.hit.chunk)[u.ordinal] @ query.vector) for u in units])

    @staticmethod
    def candidate_units(query: Query, hits: list[Hit], doc_texts: dict[str, str]) -> list[Unit]:
        """The answer units of ``hits``; reference entries only when the question asks who or where."""
        return [u for hit in hits for u in units_of(hit, doc_texts.get(hit.chunk.doc, ""))
                if query.intent.bibliographic or hit.chunk.kind != "reference"]

    def ranked(self, query: Query, hits: list[Hit], doc_texts: dict[str, str]) -> tuple[list[Unit], np.ndarray]:
        """The candidate units, each with its ranking score set, in candidate order, and their similarities."""
        units = self.candidate_units(query, hits, doc_texts)
        similarity = self.similarities(query, units)
        names_survey = any(h.prior > 0 for h in hits)
        for unit, value in zip(units, similarity):
            unit.score = self.ranker.score(query, unit, float(value), names_survey)
        return units, similarity

    def prose_features(self, query: Query, units: list[Unit], similarity: np.ndarray) -> tuple[list[Unit], np.ndarray]:
        """The verbatim prose sentences among ``units`` (what the sentence model was fitted on) and
        their features (rows), with the scores :meth:`ranked` gave them."""
        index = [n for n, u in enumerate(units) if u.hit.chunk.kind == "text" and u.verbatim]
        prose, similarity = [units[n] for n in index], similarity[index]
        covered = [query.coverage(u.terms) for u in prose]
        best = (max(covered, default=0.0), float(similarity.max(initial=-1.0)),
                max((u.score for u in prose), default=0.0))
        terms = frozenset(query.weights)
        rows = [unit_features(u, UnitContext(c, u.hit.section_match, float(s), *best, terms, query.intent.numeric))
                for u, c, s in zip(prose, covered, similarity)]
        return prose, np.array(rows).reshape(len(prose), len(FEATURES))

    def likely_answers(self, query: Query, units: list[Unit], similarity: np.ndarray) -> set[int]:
        """Ids of the prose sentences the sentence model gives at least ``answer_gate`` probability
        of holding the answer."""
        if self.sentence_model is None:
            return set()
        prose, matrix = self.prose_features(query, units, similarity)
        return {id(u) for u, p in zip(prose, self.sentence_model.probability(matrix)) if p >= self.answer_gate}

    def candidates(self, query: Query, hits: list[Hit], doc_texts: dict[str, str], docs=None) -> Candidates | None:
        """The ranked units of ``hits`` with their support, or None when there are none."""
        units, similarity = self.ranked(query, hits, doc_texts)
        if not units:
            return None
        support = max(query.coverage(u.terms) for u in units)  # evidence alone decides whether to answer at all
        likely = self.likely_answers(query, units, similarity)
        similar = {id(u): float(s) for u, s in zip(units, similarity)}
        units.sort(key=lambda u: -u.score)
        return Candidates(hits, units, support, likely, docs, similar)

    def compose(self, query: Query, hits: list[Hit], doc_texts: dict[str, str], docs=None) -> Draft:
        """The first strategy's draft answering ``query`` from ``hits``; claims drawn from beyond the
        hits come only from the documents in ``docs``, when given."""
        candidates = self.candidates(query, hits, doc_texts, docs)
        if candidates is None:
            return Draft([], 0.0)
        draft = next(d for s in self.strategies if (d := s.propose(query, candidates)) is not None)
        draft.candidates = candidates
        return with_verdict(draft, query, candidates)

    def explain(self, query: Query, candidates: Candidates, n: int = 3) -> list[str]:
        """The ``n`` best units, each with what every ranking signal contributed to its score."""
        names_survey = any(h.prior > 0 for h in candidates.hits)
        return [f"{u.hit.chunk.id} \"{u.text[:70]}\": "
                f"{self.ranker.explain(query, u, candidates.similarity[id(u)], names_survey)}"
                for u in candidates.units[:n]]
