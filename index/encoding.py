"""Embedding an ingest's new documents: one transformer pass per chunk, each distinct text once,
in waves that start while later files are still being parsed."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from index.precision import resolve_precision
from index.late_chunking import Span
from index.units import unit_spans
from ingest.records import Chunk
from core.engines import Engine
from core.settings import Settings

Progress = Callable[[str, int, int], None]
WAVE_BATCHES = 16  # a wave is embedded once this many batches of chunks are waiting


class WaveEncoder:
    """Collects new documents as they are parsed and embeds them in waves of about
    ``WAVE_BATCHES`` batches (sorted by length within a wave); ``vectors[doc]`` and ``units[doc]``
    hold each document's chunk vectors and, per chunk, its unit vectors once :meth:`finish` returns.
    Progress counts batches across waves."""

    def __init__(self, settings: Settings, engine: Engine, embedder=None, progress: Progress | None = None):
        self.settings, self.engine, self.embedder, self.progress = settings, engine, embedder, progress
        self.precision = resolve_precision(settings.ingest_precision)
        self.pending: list[tuple[str, list[Chunk], str]] = []
        self.vectors: dict[str, np.ndarray] = {}
        self.units: dict[str, list[np.ndarray]] = {}
        self.known: dict = {}  # every item encoded so far: a text repeated in a later wave is not encoded again
        self.batches: dict[str, int] = {}  # batches finished so far, per stage

    def add(self, doc: str, chunks: list[Chunk], doc_text: str) -> None:
        self.pending.append((doc, chunks, doc_text))
        if sum(len(c) for _, c, _ in self.pending) >= WAVE_BATCHES * self.settings.embedding_batch_size:
            self.finish()

    def finish(self) -> None:
        """Embed every document still waiting."""
        if not self.pending:
            return
        chunks = [c for _, cs, _ in self.pending for c in cs]
        units = [unit_spans(c, text) for _, cs, text in self.pending for c in cs]
        vectors, unit_vectors = self._encode(chunks, units)
        at = 0
        for doc, cs, _ in self.pending:
            self.vectors[doc], self.units[doc] = vectors[at: at + len(cs)], unit_vectors[at: at + len(cs)]
            at += len(cs)
        self.pending = []

    def _encode(self, chunks: list[Chunk], units: list[list[tuple[str, Span | None]]]) -> tuple[np.ndarray, list]:
        """Vectors of ``chunks`` and, per chunk, of its units. With ``late_chunking`` one pass per chunk gives
        both (:mod:`index.late_chunking`) and only the units it cannot place get a pass of their own;
        otherwise every unit does, except a record that is one unit (:func:`is_whole_record`), which
        shares its chunk's vector."""
        texts = [c.search_text() for c in chunks]
        if self.settings.late_chunking:
            items = [(text, tuple(span for _, span in spans)) for text, spans in zip(texts, units)]
            rows = self._unique(items, [len(t) for t in texts], "embedding", _late_encoder, "encode_late")
            vectors = np.vstack([r[0] for r in rows])
            unit_vectors = [r[1:].copy() for r in rows]
        else:
            vectors = np.vstack(self._unique(texts, [len(t) for t in texts], "embedding", _encoder, "encode"))
            unit_vectors = [np.full((len(spans), vectors.shape[1]), np.nan, np.float32) for spans in units]
            for i, (chunk, spans) in enumerate(zip(chunks, units)):
                if is_whole_record(chunk, spans):
                    unit_vectors[i][0] = vectors[i]
        missing = [(i, j) for i, rows in enumerate(unit_vectors) for j in np.flatnonzero(np.isnan(rows[:, 0]))]
        own = [units[i][j][0] for i, j in missing]
        for (i, j), vector in zip(missing, self._unique(own, [len(t) for t in own], "embedding answer units",
                                                        _encoder, "encode")):
            unit_vectors[i][j] = vector
        return vectors.astype(np.float32), unit_vectors

    def _unique(self, items: list, lengths: list[int], stage: str, worker_setup, method: str) -> list:
        """The encoder's result for each of ``items``, each distinct item encoded once (ever, in this
        ingest), in length-sorted batches on the engine, with progress per batch."""
        first: dict = {}
        for position, item in enumerate(items):
            if item not in self.known:
                first.setdefault(item, position)
        distinct = sorted(first.values(), key=lambda i: lengths[i])
        size = self.settings.embedding_batch_size
        batches = [distinct[i: i + size] for i in range(0, len(distinct), size)]
        if batches:
            done = self.batches.get(stage, 0)
            setup = partial(worker_setup, self.settings.embedding_model, size, self.precision)
            here = partial(getattr(self.embedder, method), precision=self.precision) if self.embedder else None
            self._tick(stage, done, done + len(batches))
            encoded = self.engine.map(setup, [[items[i] for i in batch] for batch in batches], here=here)
            for number, (batch, out) in enumerate(zip(batches, encoded, strict=True), start=1):
                self.known.update((items[i], row) for i, row in zip(batch, out, strict=True))
                self._tick(stage, done + number, done + len(batches))
            self.batches[stage] = done + len(batches)
        return [self.known[item] for item in items]

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)


def _encoder(model: str, batch_size: int, precision: str):
    """The embedding function a worker runs, its model loaded once."""
    from index.embeddings import make_embedder

    return partial(make_embedder(model, batch_size).encode, precision=precision)


def _late_encoder(model: str, batch_size: int, precision: str):
    """The late-chunking function a worker runs (:meth:`SentenceEmbedder.encode_late`), its model loaded once."""
    from index.embeddings import make_embedder

    return partial(make_embedder(model, batch_size).encode_late, precision=precision)


def is_whole_record(chunk: Chunk, spans: list[tuple[str, Span | None]]) -> bool:
    """Whether ``chunk`` is a record (table row, reference entry) whose one unit is its whole body: the
    unit then needs no pass of its own, as the chunk's text is that body under its title, section and
    caption. Prose is left out: a one-sentence paragraph is compared with the question as a sentence."""
    if chunk.kind == "text" or len(spans) != 1 or spans[0][1] is None:
        return False
    start, end = spans[0][1]
    text = chunk.search_text()
    body = len(text) - len(chunk.text)
    return start <= body + len(chunk.text) - len(chunk.text.lstrip()) and end >= len(text.rstrip())
