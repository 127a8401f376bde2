"""The service: one object that opens (building if missing) and updates the index, answers,
searches and lists documents."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from answer.abstain import unknown_terms
from answer.catalog import Catalog, build_catalog
from answer.citations import attach_citations
from answer.extractive import ExtractiveAnswerer
from answer.records import ABSTAIN_TEXT, Answer, QuestionError, passages
from core.engines import make_engine
from core.settings import Settings, load_settings
from index.build import BuildReport, build_index
from index.embeddings import set_query_threads
from index.retrieval import Filters, Hit, Retriever, make_retriever
from index.store import IndexMissing, IndexProblem


class SurveyQA:
    """Answers questions over one index; safe to share between threads (the index is read-only)."""

    def __init__(self, settings: Settings | None = None, retriever: Retriever | None = None):
        self.settings = settings or load_settings()
        self._retriever = retriever
        self._catalog: tuple[Retriever, Catalog] | None = None
        self._cross_survey: tuple | None = None
        self._lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = make_retriever(self.settings)
            return self._retriever

    def open(self, progress=None, announce: Callable[[str], None] | None = None,
             rebuild_from: Iterable[Path] | None = None) -> str:
        """Load the index, first building it from the corpus when there is none (``announce`` is
        told so); with ``rebuild_from``, an unusable index (corrupt, older format, other model) is
        rebuilt from those paths instead of raising. Then holds torch to ``query_threads`` for
        questions. Returns what happened, for a status line ("" when the index just loaded)."""
        note = ""
        try:
            self.retriever
        except IndexMissing:
            if announce:
                announce("no index yet: ingesting the bundled corpus first")
            note = self._first_build([self.settings.corpus_dir], False, progress)
        except IndexProblem as exc:
            if rebuild_from is None:
                raise
            paths = list(rebuild_from)
            note = f"The old index was unusable ({str(exc).split('; rebuild')[0]}); rebuilt it. " \
                   + self._first_build(paths, True, progress)
        self.retriever
        set_query_threads(self.settings.query_threads)  # after any first build, which keeps every core
        return note

    def _first_build(self, paths: list[Path], rebuild: bool, progress) -> str:
        report = self.ingest(paths, rebuild=rebuild, progress=progress)
        if not report.written and not report.chunks_per_doc:
            raise IndexMissing(f"no index could be built from {', '.join(map(str, paths))} ({report.note})")
        return f"Built from {len(report.chunks_per_doc)} documents."

    def ingest(self, paths: Iterable[Path], rebuild: bool = False, remove: Iterable[str] = (),
               progress=None) -> BuildReport:
        """Add, update or remove documents on the engine ``settings.engine`` names; the index is
        written atomically, and a new version is picked up by the next question."""
        with make_engine(self.settings) as engine:
            report = build_index(list(paths), self.settings, rebuild=rebuild, remove=remove, progress=progress,
                                 engine=engine)
        if report.written:
            self.reload()
        return report

    def warm(self) -> None:
        """Load the embedding model (and the ONNX graph or int8 copy questions use) and build the catalog and
        the cross-survey view now, so that the first question does not wait for them (a server calls
        this before it says it is ready)."""
        retriever = self.retriever
        retriever.embedder.encode(["warm-up"], retriever.query_precision)
        self.cross_survey

    def reload(self) -> None:
        """Pick up a newly written index version."""
        with self._lock:
            self._retriever = None
            self._catalog = None
            self._cross_survey = None

    @property
    def catalog(self) -> Catalog:
        """The model catalog of the current index (built on first use)."""
        retriever = self.retriever
        with self._lock:  # keyed by the retriever, so a reload in between never pairs old and new
            if self._catalog is None or self._catalog[0] is not retriever:
                self._catalog = (retriever, build_catalog(retriever.store))
            return self._catalog[1]

    @property
    def cross_survey(self):
        """What every survey says about each model, merged across surveys (built on first use)."""
        from answer.cross_survey import build_cross_survey

        retriever = self.retriever
        catalog = self.catalog
        with self._lock:
            if self._cross_survey is None or self._cross_survey[0] is not retriever:
                self._cross_survey = (retriever, build_cross_survey(retriever.store, catalog))
            return self._cross_survey[1]

    @property
    def doc_texts(self) -> dict[str, str]:
        """Each indexed document's text by file name (built once per loaded index)."""
        return self.retriever.doc_texts

    def check_question(self, question: str) -> str:
        question = (question or "").strip()
        if not question:
            raise QuestionError("the question is empty")
        try:
            question.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise QuestionError(f"the question is not valid Unicode text (a lone surrogate at character {exc.start + 1}; "
                                "check the input's or the terminal's encoding)") from None
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"the question has {len(question)} characters; the limit is "
                                f"{self.settings.max_question_chars} (SURVEYQA_MAX_QUESTION_CHARS)")
        return question

    def search(self, query: str, k: int | None = None, mode: str | None = None, filters: Filters | None = None) -> list[Hit]:
        query = self.check_question(query)
        return self.retriever.search(query, k or self.settings.top_k, mode or self.settings.retrieval_mode, filters)

    def ask(self, question: str, k: int | None = None, mode: str | None = None, filters: Filters | None = None,
            question_id: str | None = None) -> Answer:
        """Answer with citations, or abstain: through the LLM (``llm_mode`` write or agent) when a
        backend is configured, else extractively. Never guesses beyond the retrieved passages."""
        if self.settings.llm_backend != "none":
            return self.llm_answerer().ask(question, question_id, k, mode, filters)
        return self.extract(question, k, mode, filters, question_id)

    def extract(self, question: str, k: int | None = None, mode: str | None = None, filters: Filters | None = None,
                question_id: str | None = None, explain: bool = False) -> Answer:
        """The offline answer: cited sentences, table rows or list fields from the top passages;
        ``explain`` adds why the best units ranked as they did."""
        started = time.perf_counter()
        question = self.check_question(question)
        k = k or self.settings.top_k
        retriever = self.retriever
        query = retriever.analyse(question)
        hits = retriever.search(query, max(k, self.settings.answer_candidates), mode or self.settings.retrieval_mode, filters)
        answerer = ExtractiveAnswerer(retriever, self.settings, self.cross_survey, self.catalog)
        texts = self.doc_texts
        draft = answerer.compose(query, hits[: self.settings.answer_candidates], texts, filters.docs if filters else None)
        retrieved = passages(hits[:k], texts)
        support = round(draft.support, 4)
        explanation = answerer.explain(query, draft.candidates) if explain and draft.candidates else []
        unknown = unknown_terms(question, retriever.store.lexical)
        if not draft.claims or draft.support < self.settings.abstain_threshold or unknown:
            why = [f"not in any indexed document: {', '.join(unknown)}"] if unknown else []
            return Answer(question, ABSTAIN_TEXT, True, [], retrieved, "extractive",
                          round((time.perf_counter() - started) * 1000, 2), question_id, support, why, explanation=explanation)
        cited = attach_citations(draft.claims, {h.chunk.id: h.chunk for h in hits + draft.extra_hits}, texts)
        text = f"The documents do not give {draft.missing}; the closest passage: {cited.answer}" if draft.missing else cited.answer
        return Answer(question, text, bool(draft.missing), cited.citations, retrieved, "extractive",
                      round((time.perf_counter() - started) * 1000, 2), question_id, support, cited.warnings,
                      strategy=draft.strategy, explanation=explanation)

    def llm_answerer(self):
        """The answerer for ``llm_mode``: write mode (:class:`agent.llm_write.WriteAnswerer`) or agent
        mode (:class:`agent.llm_agent.LLMAgent`), over the configured chat model."""
        from agent.llm import make_chat_model

        model = make_chat_model(self.settings)
        if self.settings.llm_mode == "agent":
            from agent.llm_agent import LLMAgent

            return LLMAgent(self, model)
        from agent.llm_write import WriteAnswerer

        return WriteAnswerer(self, model)
