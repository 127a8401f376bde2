"""Baselines run in the same process, on the same items and document texts as SurveyQA, each
producing :class:`answer.records.Answer` records so :func:`evaluation.metrics.compute_metrics`
scores them exactly like SurveyQA.

* ``bm25-only`` / ``dense-only``: SurveyQA's offline (extractive) pipeline with one retriever
  (``mode="bm25"`` / ``"dense"``).
* ``langchain-plain``: the plain LangChain pipeline of data/eval/README.md —
  ``RecursiveCharacterTextSplitter(1000, 200)``, the same MiniLM embedder, FAISS
  ``similarity_search``; the answer is the top passage's sentence closest to the question.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from answer.records import Answer, Citation, Passage
from evaluation.gold import GoldItem
from evaluation.run import EvalResult, asking, evaluate

BASELINES = ("bm25-only", "dense-only", "langchain-plain")
StageProgress = Callable[[str, int, int], None]

_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``: lines split after ``.``, ``!`` or ``?``."""
    spans = []
    for line in _LINE.finditer(text):
        start = line.start()
        for brk in _SENTENCE_END.finditer(line.group()):
            spans.append((start, line.start() + brk.start()))
            start = line.start() + brk.end()
        spans.append((start, line.end()))
    out = []
    for a, b in spans:
        piece = text[a:b]
        a, b = a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
        if b > a:
            out.append((a, b))
    return out


@dataclass
class PlainLangChain:
    """The plain LangChain pipeline over the same document texts as the SurveyQA index."""

    vectorstore: object
    embedder: object
    doc_texts: dict[str, str]
    build_seconds: float
    chunks: int

    @classmethod
    def build(cls, doc_texts: dict[str, str], embedder) -> "PlainLangChain":
        from langchain_community.vectorstores import FAISS
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        documents = splitter.create_documents(list(doc_texts.values()), metadatas=[{"doc": d} for d in doc_texts])
        vectorstore = FAISS.from_documents(documents, embedder)
        return cls(vectorstore, embedder, doc_texts, round(time.perf_counter() - started, 2), len(documents))

    def retrieve(self, question: str, k: int, scope: list[str] | None = None) -> list[Passage]:
        """The top ``k`` passages, from the ``scope`` documents only when given."""
        where = {"filter": (lambda meta: meta["doc"] in scope), "fetch_k": self.chunks} if scope else {}
        found = self.vectorstore.similarity_search_with_score(question, k=k, **where)
        out = []
        for rank, (document, distance) in enumerate(found, start=1):
            doc, start = document.metadata["doc"], int(document.metadata["start_index"])
            # unit vectors in an L2 index: squared distance d = 2 - 2 cos
            out.append(Passage(rank, f"lc:{doc}:{start}", doc, start, start + len(document.page_content),
                               document.page_content, round(1.0 - float(distance) / 2.0, 6)))
        return out

    def closest_sentence(self, question: str, passage: Passage) -> tuple[int, int]:
        """Span (in the document) of the passage sentence with the highest cosine to the question."""
        spans = sentence_spans(passage.text) or [(0, len(passage.text))]
        vectors = np.asarray(self.embedder.embed_documents([passage.text[a:b] for a, b in spans]), dtype=np.float32)
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        best = int(np.argmax(vectors @ query))
        return passage.start + spans[best][0], passage.start + spans[best][1]

    def ask(self, question: str, k: int = 5, question_id: str | None = None, scope: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        retrieved = self.retrieve(question, k, scope)
        if not retrieved:
            return Answer(question, "", True, [], [], "langchain-plain", 0.0, question_id)
        top = retrieved[0]
        q_start, q_end = self.closest_sentence(question, top)
        text = self.doc_texts[top.doc]
        sentence = text[q_start:q_end]
        lines = [text.count("\n", 0, top.start) + 1, text.count("\n", 0, top.end) + 1]
        citation = Citation(1, top.chunk_id, top.doc, top.doc, top.start, top.end, top.text, "", None, lines,
                            sentence, q_start, q_end)
        latency = round((time.perf_counter() - started) * 1000, 2)
        return Answer(question, f"{' '.join(sentence.split())} [1]", False, [citation], retrieved, "langchain-plain",
                      latency, question_id)


def _answerer(name: str, qa, k: int, doc_texts: dict[str, str]) -> tuple[Callable[[GoldItem], Answer], dict]:
    """The per-item answer function for one baseline and extra metrics to record (build time)."""
    if name in ("bm25-only", "dense-only"):
        mode = name.split("-")[0]
        # the offline pipeline: ``ask`` ignores ``mode`` with an LLM backend
        return asking(qa, k, mode, offline=hasattr(qa, "extract")), {"retrieval_mode": mode}
    if name == "langchain-plain":
        from index.embeddings import make_embedder

        settings = qa.settings
        plain = PlainLangChain.build(doc_texts, make_embedder(settings.embedding_model, settings.embedding_batch_size))
        return (lambda item: plain.ask(item.question, k, item.id, item.scope),
                {"build_seconds": plain.build_seconds, "chunks": plain.chunks})
    raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")


def run_baselines(names, items: list[GoldItem], qa, k: int = 5,
                  progress: StageProgress | None = None) -> dict[str, EvalResult]:
    """Each named baseline evaluated on ``items`` with ``qa``'s document texts; ``progress(name, done, total)``.
    The metrics of each result also carry ``system`` and, for ``langchain-plain``, ``build_seconds``.
    The question-embedding cache is cleared before each baseline, so latencies stay comparable."""
    doc_texts = qa.doc_texts
    results = {}
    for name in names:
        if progress:
            progress(name, 0, len(items))
        answer, extra = _answerer(name, qa, k, doc_texts)
        qa.retriever.embedder.forget_queries()  # no system's latency profits from an earlier run's
        tick = (lambda done, total, _n=name: progress(_n, done, total)) if progress else None
        result = evaluate(items, answer, doc_texts, k, tick)
        result.metrics.update(system=name, **extra)
        results[name] = result
    return results
