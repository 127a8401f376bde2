"""Fit the query adapter (``index.adapter``) on a training gold set and choose its strength on
the dev sets by k-fold cross-validation: each candidate strength gives one matrix fitted on the
training questions only; every dev item scores 1 when a hybrid search within its scope, with
that matrix, puts a passage covering its evidence in the top ``k``, and
``evaluation.fit.cross_validate_choice`` picks the strength. ``inf`` stands for no adapter (an
infinite pull back to the identity)."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from evaluation.gold import GoldItem, locate_evidence
from evaluation.metrics import covers
from evaluation.run import scope_filters
from index.adapter import Example, QueryAdapter, fit_matrix


def answerable_items(retriever, items: list[GoldItem]) -> list[GoldItem]:
    """The answerable items whose evidence is found in the retriever's texts (located in place)."""
    locate_evidence(items, retriever.doc_texts)
    return [i for i in items if i.answerable and any(e.start is not None for e in i.evidence)]


def training_examples(retriever, items: list[GoldItem]) -> list[Example]:
    """One example per answerable item: its question vector (no adapter), the passages of its
    scope (the whole index when it has none), and which of them cover its evidence."""
    chunks = retriever.chunks
    out = []
    for item in answerable_items(retriever, items):
        scope = scope_filters(item)
        positions = np.flatnonzero(scope.mask(chunks)) if scope else np.arange(len(chunks))
        relevant = np.array([covers(chunks[p].doc, chunks[p].start, chunks[p].end, item) for p in positions])
        if relevant.any():
            vector = retriever.embedder.embed_query_vector(item.question, retriever.query_precision)
            out.append(Example(vector, retriever.store.vectors[positions], relevant))
    return out


def hits_at_k(retriever, answerable: list[GoldItem], adapter: QueryAdapter | None, k: int,
              progress: Callable[[int, int], None] | None = None) -> list[float]:
    """Per item of ``answerable`` (:func:`answerable_items`), 1.0 when the retriever's top ``k``
    within its scope, with ``adapter``, covers its evidence (the retriever's own adapter is put
    back afterwards)."""
    kept, retriever.adapter = retriever.adapter, adapter
    out = []
    try:
        for number, item in enumerate(answerable, start=1):
            hits = retriever.search(item.question, k, filters=scope_filters(item))
            out.append(float(any(covers(h.chunk.doc, h.chunk.start, h.chunk.end, item) for h in hits)))
            if progress:
                progress(number, len(answerable))
    finally:
        retriever.adapter = kept
    return out


def fit_adapters(examples: list[Example], strengths: list[float], model: str, trained_on: str,
                 **fit_options) -> dict[float, QueryAdapter | None]:
    """One adapter per strength (``inf``: none), each fitted on ``examples``."""
    out = {}
    for strength in strengths:
        if math.isinf(strength):
            out[strength] = None
            continue
        matrix = fit_matrix(examples, strength, **fit_options)
        out[strength] = QueryAdapter(matrix, {"model": model, "strength": strength, "trained_on": trained_on,
                                              "questions": len(examples), **fit_options})
    return out
