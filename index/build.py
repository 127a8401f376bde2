"""Build or update the index from files, re-embedding only what changed."""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from index.lexical import LexicalIndex
from index.store import IndexProblem, load_index, write_index, writer_lock
from index.encoding import WaveEncoder
from index.vectors import build_faiss
from ingest.loaders import FileRules
from ingest.parallel import parse_files
from ingest.pipeline import Skipped, discover, try_parse
from ingest.records import Chunk, LoadedDocument
from core.engines import Engine, LocalEngine
from core.manifest import TOKENIZER_VERSION, shaping_settings
from core.settings import Settings

Progress = Callable[[str, int, int], None]


@dataclass
class _Reused:
    """An unchanged document's vectors taken over from the previous index version."""

    vectors: np.ndarray
    unit_vectors: np.ndarray
    unit_counts: list[int]

    @classmethod
    def of(cls, old, positions: list[int]) -> _Reused:
        counts = [int(old.unit_offsets[i + 1] - old.unit_offsets[i]) for i in positions]
        units = [old.units_of_chunk(i) for i in positions]
        dim = old.vectors.shape[1]
        return cls(old.vectors[positions], np.vstack(units) if units else np.zeros((0, dim), np.float32), counts)


@dataclass
class BuildReport:
    """What an ingest did: documents added, updated, unchanged and removed, and files skipped."""

    index_path: str = ""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_by_kind: dict[str, int] = field(default_factory=dict)
    chunks_per_doc: dict[str, int] = field(default_factory=dict)
    embedded: int = 0
    written: bool = False
    note: str = ""


def _previous(settings: Settings, rebuild: bool, report: BuildReport):
    if rebuild:
        return None
    try:
        return load_index(settings.index_dir, shaping_settings(settings), any_tokenizer=True)
    except IndexProblem as exc:
        if "no index" not in str(exc):
            report.note = f"the previous index could not be reused ({type(exc).__name__}), so every document was re-embedded"
        return None


def build_index(paths: Iterable[Path], settings: Settings, rebuild: bool = False, remove: Iterable[str] = (),
                progress: Progress | None = None, embedder=None, engine: Engine | None = None) -> BuildReport:
    """Ingest ``paths`` into the index in ``settings.index_dir``.

    Documents already indexed keep their chunks and vectors when their checksum is unchanged;
    a document whose source file under one of ``paths`` has disappeared is removed, as is every
    document named in ``remove``. Nothing is written when nothing changed. Files are parsed and
    chunks embedded on ``engine`` (default: this process); a given ``embedder`` serves the local
    engine only (Ray workers load their own).
    """
    paths = [Path(p) for p in paths]
    engine = engine or LocalEngine()
    report = BuildReport(index_path=str(settings.index_dir))
    with writer_lock(Path(settings.index_dir)):
        old = _previous(settings, rebuild, report)
        old_docs = dict(old.documents) if old else {}
        old_chunks: dict[str, list[int]] = {}
        for position, chunk in enumerate(old.chunks if old else []):
            old_chunks.setdefault(chunk.doc, []).append(position)
        found = discover(paths, FileRules.of(settings))
        report.skipped.extend(found.skipped)
        documents: dict[str, LoadedDocument] = {}
        chunks_by_doc: dict[str, list[Chunk]] = {}
        reused: dict[str, _Reused] = {}
        changed = [not _unchanged(path, old_docs) for path in found.files]
        parsed = iter(_parse([p for p, c in zip(found.files, changed) if c], settings, engine, progress))
        waves = WaveEncoder(settings, engine, embedder, progress)
        for path, change in zip(found.files, changed):
            result = next(parsed) if change else None
            if _ingest_one(path, result, old, old_docs, old_chunks, documents, chunks_by_doc, reused, report):
                waves.add(path.name, result.chunks, result.document.text)  # embedded while later files parse
        gone = set(remove) | {d for d, doc in old_docs.items() if _vanished(doc, paths)}
        for doc_name, doc in old_docs.items():
            if doc_name in documents:
                continue
            if doc_name in gone:
                report.removed.append(doc_name)
                continue
            documents[doc_name] = doc
            chunks_by_doc[doc_name] = [old.chunks[i] for i in old_chunks.get(doc_name, [])]
            reused[doc_name] = _Reused.of(old, old_chunks.get(doc_name, []))
        retokenize = old is not None and old.manifest.get("tokenizer_version") != TOKENIZER_VERSION
        if old and not (report.added or report.updated or report.removed or retokenize) and not rebuild:
            report.note = report.note or "index is up to date; nothing written"
            _summarise(report, chunks_by_doc)
            return report
        ordered = sorted(documents)
        chunks = [c for d in ordered for c in chunks_by_doc[d]]
        if not chunks:
            if report.removed:
                report.note = f"not removed: {', '.join(report.removed)} would leave the index empty; nothing written"
                report.removed = []
            else:
                report.note = "no readable documents; nothing written"
            return report
        waves.finish()
        vectors, unit_vectors, counts = _assemble(ordered, reused, waves.vectors, waves.units)
        unit_offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        report.embedded = sum(len(v) for v in waves.vectors.values())
        if progress:
            progress("indexing", 1, 1)
        dense = build_faiss(vectors, settings.index_type, settings.hnsw_m, settings.ivf_nlist)
        lexical = LexicalIndex.build([c.search_text() for c in chunks])
        manifest = {
            "settings": shaping_settings(settings),
            "embedding_model": settings.embedding_model,
            "dimension": int(vectors.shape[1]),
            "unit_vectors": "late chunking" if settings.late_chunking else "own pass",
            "documents": {d: {"title": chunks_by_doc[d][0].doc_title if chunks_by_doc[d] else d,
                              "path": documents[d].path, "checksum": documents[d].checksum,
                              "chunks": len(chunks_by_doc[d])} for d in ordered},
            "counts": {"documents": len(ordered), "chunks": len(chunks),
                       "by_kind": dict(Counter(c.kind for c in chunks))},
        }
        folder = write_index(settings.index_dir, manifest, chunks, [documents[d] for d in ordered], vectors, dense,
                             lexical, unit_vectors, unit_offsets)
        report.index_path, report.written = str(folder), True
        _summarise(report, chunks_by_doc)
        return report


def _unchanged(path: Path, old_docs: dict[str, LoadedDocument]) -> bool:
    known = old_docs.get(path.name)
    return known is not None and known.checksum == _checksum(path)


def _parse(paths: list[Path], settings: Settings, engine: Engine, progress: Progress | None) -> Iterator:
    """:func:`try_parse` of every file (a ``ParsedFile`` or a ``Skipped``), in order, as each is ready: in a
    pool of worker processes with a time limit per file (:mod:`ingest.parallel`) on the local engine,
    on the Ray actors otherwise."""
    setup = partial(_parser, settings.chunk_chars, settings.chunk_overlap_sentences)
    if isinstance(engine, LocalEngine):
        results = parse_files(paths, setup(), settings.parse_workers, settings.parse_timeout_s, settings.parse_memory_mb)
    else:
        results = engine.map(setup, paths)
    if progress and paths:
        progress("reading", 0, len(paths))
    for number, (path, parsed) in enumerate(zip(paths, results, strict=True), start=1):
        if progress:
            progress(f"reading {path.name}", number, len(paths))
        yield parsed


def _parser(chunk_chars: int, overlap: int):
    """The parse function a worker runs."""
    return partial(try_parse, chunk_chars=chunk_chars, overlap=overlap)


def _ingest_one(path, parsed, old, old_docs, old_chunks, documents, chunks_by_doc, reused, report) -> bool:
    """Record one file: its parse result, or (``parsed`` None) the identical copy already indexed;
    True when it is a new or changed document to embed."""
    name = path.name
    if name in documents:  # documents are known by file name: a second file of that name would replace the first
        report.skipped.append(Skipped(str(path), f"another file named {name} is already in this ingest; rename one"))
        return False
    known = old_docs.get(name)
    if parsed is None:
        documents[name] = known
        chunks_by_doc[name] = [old.chunks[i] for i in old_chunks.get(name, [])]
        reused[name] = _Reused.of(old, old_chunks.get(name, []))
        report.unchanged.append(name)
        return False
    if isinstance(parsed, Skipped):
        report.skipped.append(parsed)
        return False
    documents[name] = parsed.document
    chunks_by_doc[name] = parsed.chunks
    (report.updated if known is not None else report.added).append(name)
    return True


def _checksum(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _vanished(doc: LoadedDocument, paths: list[Path]) -> bool:
    """True when ``doc`` came from inside one of ``paths`` and its file is gone."""
    source = Path(doc.path).resolve()
    inside = any(source == p.resolve() or p.resolve() in source.parents for p in paths)
    return inside and not source.exists()


def _assemble(ordered: list[str], reused: dict[str, _Reused], new_vectors: dict[str, np.ndarray],
              new_units: dict[str, list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Chunk vectors, unit vectors and units per chunk in ``ordered`` document order: the reused rows of
    unchanged documents and the new rows of the others."""
    chunk_parts, unit_parts, counts = [], [], []
    for doc_name in ordered:
        if doc_name in reused:
            chunk_parts.append(reused[doc_name].vectors)
            unit_parts.append(reused[doc_name].unit_vectors)
            counts.extend(reused[doc_name].unit_counts)
        else:
            chunk_parts.append(new_vectors[doc_name])
            unit_parts.extend(new_units[doc_name])
            counts.extend(len(u) for u in new_units[doc_name])
    dim = next(p.shape[1] for p in chunk_parts if p.ndim == 2)
    return (np.vstack(chunk_parts).astype(np.float32),
            np.vstack([u.reshape(-1, dim) for u in unit_parts]).astype(np.float32), counts)


def _summarise(report: BuildReport, chunks_by_doc: dict[str, list[Chunk]]) -> None:
    report.chunks_per_doc = {d: len(c) for d, c in sorted(chunks_by_doc.items())}
    report.chunks_by_kind = dict(Counter(c.kind for cs in chunks_by_doc.values() for c in cs))
