"""The on-disk index: a readable directory, written atomically, verified on load.

Layout::

    INDEX_DIR/CURRENT              name of the live version (replaced atomically)
    INDEX_DIR/v-<stamp>/manifest.json   models, settings, format/chunker/tokenizer versions,
                                        documents, counts, file checksums
                        chunks.jsonl    one chunk per line
                        documents.jsonl one loaded document (text, pages) per line
                        vectors.npy     float32 unit vectors, row i = chunk i
                        unit_vectors.npy    float32 vectors of the answer units (index.units)
                        unit_offsets.npy    int64, chunk i's units are rows offsets[i]:offsets[i+1]
                        dense.faiss     FAISS index over the vectors
                        bm25/           bm25s arrays (numpy, no pickle) and vocabulary (json)
    INDEX_DIR/milvus.db            embedded milvus-lite, only with vector_store "milvus" (index.milvus)

A writer builds a new version in a temp folder, renames it into place and only then
replaces ``CURRENT``; a crash at any point leaves the previous version live.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core.manifest import CHUNKER_VERSION, FORMAT_VERSION, TOKENIZER_VERSION, UNITS_VERSION
from index.lexical import LexicalIndex
from index.vectors import load_faiss, save_faiss
from ingest.records import Chunk, LoadedDocument, PageSpan
KEEP_VERSIONS = 2
MANIFEST_TABLES = ("files", "settings", "documents")  # keys a manifest must hold, each an object
REBUILD = "rebuild with `surveyqa ingest --rebuild`"


class IndexProblem(Exception):
    """Base for index problems; the message tells the user what to do."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


@dataclass
class StoredIndex:
    """Everything an index version holds, in memory."""

    manifest: dict
    chunks: list[Chunk]
    documents: dict[str, LoadedDocument]
    vectors: np.ndarray
    dense: object
    lexical: LexicalIndex
    path: Path
    unit_vectors: np.ndarray
    unit_offsets: np.ndarray

    def units_of_chunk(self, position: int) -> np.ndarray:
        """The vectors of chunk ``position``'s answer units, in ``index.units.units_of`` order."""
        return self.unit_vectors[self.unit_offsets[position]: self.unit_offsets[position + 1]]


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


@contextmanager
def writer_lock(index_dir: Path):
    """Serialise writers of one index directory (readers never block). The holder first removes
    what a killed writer left behind, so even an ingest that writes nothing cleans up."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            _remove_stale(index_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_index(index_dir: Path, manifest: dict, chunks: list[Chunk], documents: list[LoadedDocument],
                vectors: np.ndarray, dense, lexical: LexicalIndex, unit_vectors: np.ndarray,
                unit_offsets: np.ndarray) -> Path:
    """Write a new version and make it live atomically; returns the version folder."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
    _write_jsonl(tmp / "documents.jsonl", (asdict(d) for d in documents))
    np.save(tmp / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    np.save(tmp / "unit_vectors.npy", unit_vectors.astype(np.float32), allow_pickle=False)
    np.save(tmp / "unit_offsets.npy", unit_offsets.astype(np.int64), allow_pickle=False)
    save_faiss(dense, tmp / "dense.faiss")
    (tmp / "bm25").mkdir()
    lexical.save(tmp / "bm25")
    files = {str(p.relative_to(tmp)): file_sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = {**manifest, "format_version": FORMAT_VERSION, "chunker_version": CHUNKER_VERSION,
                "tokenizer_version": TOKENIZER_VERSION, "units_version": UNITS_VERSION,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _fsync_tree(tmp)
    final = index_dir / name
    os.replace(tmp, final)
    pointer = index_dir / f".CURRENT-{name}"
    pointer.write_text(name)
    with pointer.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / "CURRENT")
    _prune(index_dir, keep=name)
    return final


def _remove_stale(index_dir: Path) -> None:
    """Delete the temp folders and CURRENT pointers of writers that died; only the lock holder may."""
    for stale in index_dir.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for pointer in index_dir.glob(".CURRENT-*"):
        pointer.unlink(missing_ok=True)


def _prune(index_dir: Path, keep: str) -> None:
    """Remove all but the newest versions."""
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.name)
    for old in [v for v in versions if v.name != keep][: -(KEEP_VERSIONS - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)


def current_version(index_dir: Path) -> Path:
    """The live version folder, or :class:`IndexMissing`."""
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"no index in {index_dir}; build one with `surveyqa ingest`")
    name = pointer.read_text().strip()
    if not name.startswith("v-") or Path(name).name != name:
        raise IndexCorrupt(f"{pointer} holds {name!r}, not the name of a version folder (v-…) inside {index_dir}; {REBUILD}")
    folder = Path(index_dir) / name
    if not folder.is_dir():
        raise IndexCorrupt(f"{pointer} names {folder.name}, which does not exist; rebuild with `surveyqa ingest --rebuild`")
    return folder


def _manifest_of(folder: Path) -> dict:
    """The parsed manifest, refused unless it is an object holding ``MANIFEST_TABLES`` as objects
    and ``files`` maps names to sha256 strings."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path} is unreadable ({exc}); {REBUILD}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{path} is not a JSON object; {REBUILD}")
    bad = [key for key in MANIFEST_TABLES if not isinstance(manifest.get(key), dict)]
    if bad or not all(isinstance(d, str) for d in manifest["files"].values()):
        raise IndexCorrupt(f"{path} lacks a valid {', '.join(repr(k) for k in bad) or repr('files')}; {REBUILD}")
    return manifest


def _verify_files(folder: Path, files: dict[str, str]) -> None:
    """Every file of the version has its checksum in the manifest, and every listed file matches."""
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    unlisted = sorted(present - set(files))
    if unlisted:
        raise IndexCorrupt(f"index file {folder / unlisted[0]} has no checksum in manifest.json; {REBUILD}")
    for name, digest in files.items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != digest:
            raise IndexCorrupt(f"index file {path} is missing or altered (checksum mismatch); {REBUILD}")


def check_versions(manifest: dict, tokenizer: bool = True) -> None:
    """Refuse an index written with another file format, chunker or unit cutting, or (``tokenizer``)
    whose BM25 was built with another tokenizer."""
    written = (manifest.get("format_version"), manifest.get("chunker_version"), manifest.get("units_version"))
    if written != (FORMAT_VERSION, CHUNKER_VERSION, UNITS_VERSION) or (
            tokenizer and manifest.get("tokenizer_version") != TOKENIZER_VERSION):
        raise IndexMismatch("index was written by another SurveyQA version; rebuild with `surveyqa ingest`")


def check_compatible(manifest: dict, expected: dict) -> None:
    """Refuse an index built with other index-shaping settings."""
    diffs = [f"{k}: index has {manifest.get('settings', {}).get(k)!r}, settings say {v!r}"
             for k, v in expected.items() if manifest.get("settings", {}).get(k) != v]
    if diffs:
        raise IndexMismatch("index does not match the settings (" + "; ".join(diffs) + "); rebuild with `surveyqa ingest --rebuild`")


def load_index(index_dir: Path, expected_settings: dict | None = None, verify: bool = True,
               any_tokenizer: bool = False) -> StoredIndex:
    """Load the live version, verifying checksums and settings; never unpickles anything.
    ``any_tokenizer`` accepts a BM25 built by another tokenizer (an ingest rebuilds BM25 anyway)."""
    folder = current_version(index_dir)
    manifest = _manifest_of(folder)
    check_versions(manifest, tokenizer=not any_tokenizer)
    if expected_settings is not None:
        check_compatible(manifest, expected_settings)
    if verify:
        _verify_files(folder, manifest["files"])
    try:
        with (folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            chunks = [Chunk.from_dict(json.loads(line)) for line in handle]
        documents = {}
        with (folder / "documents.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                row["pages"] = [PageSpan(**p) for p in row.get("pages", [])]
                documents[row["doc"]] = LoadedDocument(**row)
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        unit_vectors = np.load(folder / "unit_vectors.npy", allow_pickle=False)
        unit_offsets = np.load(folder / "unit_offsets.npy", allow_pickle=False)
        dense = load_faiss(folder / "dense.faiss")
        lexical = LexicalIndex.load(folder / "bm25", len(chunks))
    except Exception as exc:
        raise IndexCorrupt(f"index in {folder} cannot be read ({type(exc).__name__}: {exc}); "
                           "rebuild with `surveyqa ingest --rebuild`") from exc
    if not (len(chunks) == len(vectors) == dense.ntotal == len(unit_offsets) - 1) or (
            unit_offsets[-1] != len(unit_vectors) or np.any(np.diff(unit_offsets) < 0)):
        raise IndexCorrupt(f"index in {folder} is inconsistent ({len(chunks)} chunks, {len(vectors)} vectors, "
                           f"{dense.ntotal} in FAISS, {len(unit_offsets) - 1} unit ranges over {len(unit_vectors)} "
                           "unit vectors); rebuild with `surveyqa ingest --rebuild`")
    return StoredIndex(manifest, chunks, documents, vectors, dense, lexical, folder, unit_vectors, unit_offsets)
