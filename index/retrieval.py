"""Dense, BM25 and hybrid (reciprocal rank fusion) search over a stored index, with filters
and a prior for the survey a question names ("the meta-analysis", "the taming-VLMs review").
Unfiltered dense search goes through a searcher: the stored FAISS index, or Milvus (``index.milvus``)."""
from __future__ import annotations

import copy
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from core.manifest import shaping_settings
from index import vectors as faiss_ops
from index.entities import EntityIndex
from index.hits import Hit
from index.intent import detect_intent
from index.query import Query
from index.store import StoredIndex
from index.text import content_terms, tokenize
from ingest.records import Chunk

MODES = ("hybrid", "dense", "bm25")
CHANNELS = ("dense", "bm25", "units")  # the rankings hybrid fusion weighs
# How a question names a document: "the taming-VLMs review", "the awesome list", "that survey".
_NAMING = re.compile(r"\b(?:the|this|that|its)\s+(?:[\w-]+(?:'s)?\s+){0,5}?(?:review|survey|list|meta-analysis|paper|article|overview)\b",
                     re.I)


@dataclass
class Filters:
    """Restrict a search to some documents, chunk kinds or a section (substring match)."""

    docs: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    section: str = ""

    def mask(self, chunks: list[Chunk]) -> np.ndarray | None:
        if not (self.docs or self.kinds or self.section):
            return None
        section = self.section.lower()
        return np.array([
            (not self.docs or c.doc in self.docs) and (not self.kinds or c.kind in self.kinds)
            and (not section or section in c.section_path.lower())
            for c in chunks
        ])


@dataclass
class Fusion:
    """How hybrid search combines its channels: a weight per channel (``CHANNELS``) on min-max
    normalised scores (``weighted``) or reciprocal ranks (``rrf``), plus bonuses for the survey
    the query names, for records it names and for section headings that hold its terms
    (``Hit.section_match``). Fitted by ``evaluation.fit``."""

    weights: dict[str, float]
    method: str = "weighted"
    rrf_k: int = 60
    doc_prior: float = 0.1
    entity: float = 0.3
    section: float = 0.0

    def score(self, hits: dict[int, Hit], rankings: dict[str, dict[int, float]]) -> None:
        """Set every hit's fused score from its channel scores and bonuses."""
        positions = list(hits)
        parts = self.parts(positions, rankings)
        weights = np.array([self.weights.get(name, 0.0) for name in rankings])
        fused = weights @ parts if len(rankings) else np.zeros(len(positions))
        bonus = self.bonus(*bonus_inputs([hits[p] for p in positions]))
        for position, value in zip(positions, fused + bonus):
            hits[position].score = float(value)

    def bonus(self, prior: np.ndarray, named: np.ndarray, section_match: np.ndarray) -> np.ndarray:
        """What the survey prior, naming a record and a matching section heading add per hit."""
        return self.bonus_unit * (self.doc_prior * prior + self.entity * named + self.section * section_match)

    @property
    def bonus_unit(self) -> float:
        """The scale of the prior and named bonuses: one top rank under ``rrf``, 1 otherwise."""
        return 1.0 / (self.rrf_k + 1) if self.method == "rrf" else 1.0

    def parts(self, positions: list[int], rankings: dict[str, dict[int, float]]) -> np.ndarray:
        """One row per channel of ``rankings``, one column per position: the min-max normalised
        score (``weighted``) or reciprocal rank (``rrf``); 0 where the channel did not rank it."""
        column = {p: j for j, p in enumerate(positions)}
        out = np.zeros((len(rankings), len(positions)))
        for i, scored in enumerate(rankings.values()):
            if not scored:
                continue
            low, high = min(scored.values()), max(scored.values())
            for rank, (position, score) in enumerate(scored.items(), start=1):
                rrf = 1.0 / (self.rrf_k + rank)
                out[i, column[position]] = rrf if self.method == "rrf" else (score - low) / (high - low or 1.0)
        return out


def bonus_inputs(hits: list[Hit]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per hit, what :meth:`Fusion.bonus` weighs: its survey prior, whether it is a named record, its section match."""
    return (np.array([h.prior for h in hits]), np.array([h.named for h in hits], dtype=float),
            np.array([h.section_match for h in hits]))


def _rank_order(scores: np.ndarray, allowed: np.ndarray | None, n: int) -> list[int]:
    """Positions of the ``n`` best positive scores, best first."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    n = min(n, int(np.isfinite(scores).sum()))
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if np.isfinite(scores[i])]


class FaissSearcher:
    """Dense search with the stored FAISS index (the default vector store)."""

    def __init__(self, index, ef_search: int = 128, nprobe: int = 32):
        self.index = faiss_ops.tune(index, ef_search, nprobe)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return faiss_ops.search(self.index, query, k)

    def close(self) -> None:
        pass


class Retriever:
    """Search one stored index; the embedder is loaded on the first dense query. ``searcher``
    (``search(vector, k) -> (scores, positions)``, ``close()``) defaults to the FAISS index;
    ``adapter`` (``index.adapter.QueryAdapter``) maps question vectors before dense search;
    ``query_precision`` is what questions are embedded in (fp32, bf16, int8 or onnx)."""

    def __init__(self, store: StoredIndex, embedder_factory, fusion: Fusion | None = None, candidate_k: int = 50,
                 ef_search: int = 128, nprobe: int = 32, searcher=None, adapter: Callable | None = None,
                 query_precision: str = "fp32"):
        self.store = store
        self.searcher = searcher or FaissSearcher(store.dense, ef_search, nprobe)
        self.chunks = store.chunks
        self._embedder_factory = embedder_factory
        self._embedder = None
        self._embedder_lock = threading.Lock()
        self.adapter = adapter
        self.query_precision = query_precision
        self.by_id = {c.id: c for c in store.chunks}
        self._position = {c.id: i for i, c in enumerate(store.chunks)}
        self.doc_texts = {name: doc.text for name, doc in store.documents.items()}
        self.doc_chunks: dict[str, list[Chunk]] = {}  # each document's chunks in index order
        for chunk in store.chunks:
            self.doc_chunks.setdefault(chunk.doc, []).append(chunk)
        self.candidate_k = candidate_k
        self.fusion = fusion or Fusion({"dense": 0.25, "bm25": 1.0})
        self.entities = EntityIndex(store.chunks)
        self._section_terms: dict[tuple[str, ...], frozenset[str]] = {}
        self._doc_terms = {name: content_terms(f"{meta.get('title', '')} {Path(name).stem.replace('-', ' ')}")
                           for name, meta in store.manifest.get("documents", {}).items()}

    @property
    def embedder(self):
        with self._embedder_lock:  # concurrent first queries load the model once
            if self._embedder is None:
                self._embedder = self._embedder_factory()
            return self._embedder

    def analyse(self, text: str) -> Query:
        """``text`` as a :class:`Query`: built once per question, read by retrieval and answering."""
        prior = self.doc_prior(text)
        naming = self.doc_terms(prior)
        spelled = self.entities.spelled_out(text)
        idf = self.store.lexical.idf
        terms = dict.fromkeys(tokenize(text) + [t for _, name in spelled for t in tokenize(name)])
        names = self.entities.mentioned(text, spelled)
        return Query(text, detect_intent(text), {t: (0.0 if t in naming else idf(t)) for t in terms}, prior, names,
                     [p for name in names for p in self.entities.positions[name]],
                     lambda q: self.embedder.embed_query_vector(q, self.query_precision), self.adapter)

    def unit_vectors(self, chunk: Chunk) -> np.ndarray:
        """The stored vectors of ``chunk``'s answer units, in ``index.units.units_of`` order."""
        return self.store.units_of_chunk(self._position[chunk.id])

    def section_terms(self, chunk: Chunk) -> frozenset[str]:
        """The terms of ``chunk``'s section headings below the document's title (a Markdown file's
        top heading is its title; the survey prior weighs title words), cached per heading path."""
        headings = tuple(chunk.section[1:] if chunk.section[:1] == [chunk.doc_title] else chunk.section)
        if headings not in self._section_terms:
            self._section_terms[headings] = frozenset(tokenize(" ".join(headings)))
        return self._section_terms[headings]

    def doc_terms(self, docs) -> set[str]:
        """The title and file-name terms that identify ``docs``."""
        return set().union(*(self._doc_terms.get(d, set()) for d in docs))

    def doc_prior(self, query: str) -> dict[str, float]:
        """How strongly the query names each document (0..1): the title and file-name words it
        uses that belong to that document alone (words shared by several titles name none). When
        the query has naming phrases ("the taming-VLMs review"), only their words count, so a title
        word used as content ("vision-language models") names nothing."""
        n = len(self._doc_terms)
        if n < 2:
            return {}
        naming = [m.group(0) for m in _NAMING.finditer(query)]
        terms = set(tokenize(" ".join(naming) if naming else query))
        df: dict[str, int] = {}
        for doc_terms in self._doc_terms.values():
            for t in doc_terms & terms:
                df[t] = df.get(t, 0) + 1
        raw = {d: sum(math.log(n) for t in doc_terms & terms if df[t] == 1) for d, doc_terms in self._doc_terms.items()}
        top = max(raw.values(), default=0.0)
        if top < math.log(2):
            return {}
        return {d: s / top for d, s in raw.items() if s >= 0.5 * top}

    def dense_scores(self, query: Query, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        vector = query.search_vector
        if allowed is not None:  # exact scores over the allowed rows: a selective filter never starves
            positions = np.flatnonzero(allowed)
            scores = self.store.vectors[positions] @ vector
            return {int(positions[i]): float(scores[i]) for i in _rank_order(scores, None, n)}
        scores, positions = self.searcher.search(vector, n)
        return {int(p): float(s) for s, p in zip(scores, positions)}

    def unit_scores(self, query: Query, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        """Each chunk's best answer unit (sentence, row, list field) by cosine to the query: a
        passage whose one sentence answers ranks high even when the rest is about other things."""
        offsets = self.store.unit_offsets
        counts = np.diff(offsets)
        chosen = np.flatnonzero(counts > 0 if allowed is None else (counts > 0) & allowed)
        if not len(chosen):
            return {}
        best = np.full(len(self.chunks), -np.inf, dtype=np.float32)
        if allowed is None:  # every unit, in one product
            sims, starts = self.store.unit_vectors @ query.search_vector, offsets[chosen]
        else:  # only the allowed chunks' units: a filtered search reads a slice of the matrix
            sizes = counts[chosen]
            starts = np.cumsum(sizes) - sizes
            rows = np.arange(sizes.sum()) - np.repeat(starts, sizes) + np.repeat(offsets[chosen], sizes)
            sims = self.store.unit_vectors[rows] @ query.search_vector
        best[chosen] = np.maximum.reduceat(sims, starts)
        return {i: float(best[i]) for i in _rank_order(best, allowed, n)}

    def bm25_scores(self, query: Query, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        scores = self.store.lexical.scores(query.text)
        return {i: float(scores[i]) for i in _rank_order(scores, allowed, n) if scores[i] > 0}

    def candidates(self, query: str | Query, n: int, filters: Filters | None = None,
                   channels=CHANNELS) -> tuple[dict[int, Hit], dict[str, dict[int, float]]]:
        """Every chunk in the top ``n`` of some channel, or a record the query names, as hits
        carrying each channel's raw score, the survey prior and ``named``; plus each channel's
        ranking (position -> score, best first)."""
        query = self.analyse(query) if isinstance(query, str) else query
        allowed = (filters or Filters()).mask(self.chunks)
        scorers = {"dense": self.dense_scores, "bm25": self.bm25_scores, "units": self.unit_scores}
        rankings = {name: scorers[name](query, n, allowed) for name in channels}
        hits: dict[int, Hit] = {}
        for name, scored in rankings.items():
            for position, score in scored.items():
                hits.setdefault(position, Hit(self.chunks[position], 0.0)).channels[name] = score
        named = {p for p in query.named if allowed is None or allowed[p]}
        for position in sorted(named):
            hits.setdefault(position, Hit(self.chunks[position], 0.0))
        for position, hit in hits.items():
            hit.prior = query.prior.get(hit.chunk.doc, 0.0)
            hit.named = position in named
            hit.section_match = query.coverage(self.section_terms(hit.chunk))
        return hits, rankings

    def search(self, query: str | Query, k: int = 5, mode: str = "hybrid", filters: Filters | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` (a question, or one :meth:`analyse` made)."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        text = query if isinstance(query, str) else query.text
        if not text.strip() or not self.chunks:
            return []
        channels = [c for c in CHANNELS if self.fusion.weights.get(c)] if mode == "hybrid" else [mode]
        hits, rankings = self.candidates(query, max(self.candidate_k, k), filters, channels)
        if mode == "hybrid":
            self.fusion.score(hits, rankings)
        else:
            hits = {p: h for p, h in hits.items() if mode in h.channels}
            for hit in hits.values():
                hit.score = hit.channels[mode]
        ranked = sorted(hits.values(), key=lambda h: -h.score)[:k]
        for rank, hit in enumerate(ranked, start=1):
            hit.rank = rank
        return ranked

    def tuned(self, settings) -> "Retriever":
        """A retriever over the same store, searcher and embedder that fuses and gathers
        candidates as ``settings`` say (how ``surveyqa fit setting`` tries fusion values)."""
        other = copy.copy(self)
        other.fusion, other.candidate_k = make_fusion(settings), settings.candidate_k
        other._embedder_factory, other._embedder, other._embedder_lock = (lambda: self.embedder), None, threading.Lock()
        return other

    def close(self) -> None:
        """Release the searcher (a Milvus connection; nothing for FAISS)."""
        self.searcher.close()


class SurveyRetriever(BaseRetriever):
    """LangChain retriever over SurveyQA's index, for use in users' own chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: Retriever
    k: int = 5
    mode: str = "hybrid"
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit.to_document() for hit in self.retriever.search(query, self.k, self.mode, self.filters)]


def make_retriever(settings, store: StoredIndex | None = None) -> Retriever:
    """A retriever over the index in ``settings.index_dir`` (loaded and verified when not given), with
    dense search in FAISS or, when ``settings.vector_store`` is ``milvus``, in Milvus, and the
    question vectors mapped by ``settings.query_adapter`` when set."""
    from index.embeddings import make_embedder
    from index.precision import resolve_query_precision
    from index.store import load_index

    store = store or load_index(settings.index_dir, shaping_settings(settings))
    adapter = None
    if settings.query_adapter:
        from index.adapter import load_adapter

        adapter = load_adapter(settings.query_adapter, settings.embedding_model, store.vectors.shape[1])
    searcher = None
    if settings.vector_store == "milvus":
        from index.milvus import MilvusSearcher

        searcher = MilvusSearcher(store, settings.milvus_uri)
    return Retriever(
        store, lambda: make_embedder(settings.embedding_model, settings.embedding_batch_size),
        fusion=make_fusion(settings), candidate_k=settings.candidate_k,
        ef_search=settings.hnsw_ef_search, nprobe=settings.ivf_nprobe, searcher=searcher, adapter=adapter,
        query_precision=resolve_query_precision(settings.query_precision),
    )


def make_fusion(settings) -> Fusion:
    """The hybrid fusion that ``settings`` describe."""
    return Fusion({"dense": settings.dense_weight, "bm25": settings.bm25_weight, "units": settings.unit_weight},
                  settings.fusion, settings.rrf_k, settings.doc_prior_weight, settings.entity_weight, settings.section_weight)
