"""Milvus as the dense vector store, fed from the index directory (which stays the source of truth).

Each index version gets its own collection (primary key = row position, exact FLAT index, inner
product), so results match FAISS flat. A URI ending in ``.db`` is embedded milvus-lite, which runs
a server inside this process; the last searcher to close on a path stops it.

Several searchers (threads, processes, a reload while a query runs) may share one server, so:

* a collection is filled under a unique temp name, then renamed to its final name; a collection
  under the final name is therefore complete (a row-count mismatch means corruption: rebuilt);
  if another searcher renamed first, ours is dropped and theirs used;
* a searcher drops only its folder's collections whose ``v-*`` folder is gone from disk (the
  store keeps the newest ``KEEP_VERSIONS``, so the previous version outlives a reload), and
  temp collections older than ``STALE_TEMP_SECONDS`` (left by an interrupted sync).
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import time
import uuid
import weakref
from collections import Counter
from contextlib import suppress
from pathlib import Path

import numpy as np

from index.store import StoredIndex

PREFIX = "surveyqa_"
INSERT_BATCH = 4096
TEMP = "tmp_"  # temp collections: <folder prefix>tmp_<unix time>_<random>
STALE_TEMP_SECONDS = 3600
_lite_lock = threading.Lock()
_lite_users: Counter = Counter()  # open searchers per milvus-lite path


def default_uri(index_dir: Path) -> str:
    """Embedded milvus-lite at the index root, beside the ``v-*`` folders (old ones are pruned)."""
    return str(Path(index_dir).resolve() / "milvus.db")


def folder_prefix(index_dir: Path) -> str:
    """Collection-name prefix of one index folder, so folders sharing a Milvus server keep apart."""
    return f"{PREFIX}{hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:8]}_"


def collection_name(index_dir: Path, version: str) -> str:
    """The collection holding ``version`` of ``index_dir`` (Milvus names allow only ``[A-Za-z0-9_]``)."""
    return folder_prefix(index_dir) + re.sub(r"\W", "_", version)


def _connect(uri: str):
    lite = uri.endswith(".db")
    try:
        from pymilvus import MilvusClient, MilvusException

        if lite:
            import milvus_lite  # noqa: F401  (pymilvus starts it for .db URIs)
    except ImportError as exc:
        raise ImportError("vector_store 'milvus' needs the optional extra: pip install 'surveyqa[milvus]'") from exc
    with _lite_lock:  # never interleave with the release of the same milvus-lite server
        try:
            client = MilvusClient(uri, dedicated=True)  # closed with this searcher, not pooled
        except MilvusException as exc:
            hint = ("; milvus-lite serves one process per folder: stop the other one or set milvus_uri to a "
                    "Milvus server" if lite else "")
            raise RuntimeError(f"cannot open Milvus at {uri} ({exc.message}){hint}") from exc
        if lite:
            _lite_users[uri] += 1
    return client


def _disconnect(client, uri: str) -> None:
    client.close()
    if uri.endswith(".db"):
        with _lite_lock:
            _lite_users[uri] -= 1
            if not _lite_users[uri]:
                from milvus_lite.server_manager import server_manager_instance

                del _lite_users[uri]
                server_manager_instance.release_server(uri)


class MilvusSearcher:
    """Dense search over one stored index version in Milvus; ``inserted`` counts rows this
    searcher had to insert (0 when the version's collection was already complete)."""

    def __init__(self, store: StoredIndex, uri: str = ""):
        uri = uri or default_uri(store.path.parent)
        uri = os.path.abspath(uri) if uri.endswith(".db") else uri
        self.client = _connect(uri)
        self._finalizer = weakref.finalize(self, _disconnect, self.client, uri)
        self.index_dir = store.path.parent
        self.prefix = folder_prefix(store.path.parent)
        self.name = collection_name(store.path.parent, store.path.name)
        self.rows = len(store.vectors)
        self.inserted = 0
        try:
            self._sync(store.vectors)
        except BaseException:
            self.close()
            raise

    def _sync(self, vectors: np.ndarray) -> None:
        """Make the collection hold exactly ``vectors`` (filled aside, then renamed); drop stale ones."""
        client, name = self.client, self.name
        self._drop_stale()
        if client.has_collection(name) and client.get_collection_stats(name)["row_count"] != self.rows:
            client.drop_collection(name)  # corrupted: a collection under the final name is always complete
        if not client.has_collection(name):
            temp = self._fill_temp(vectors)
            try:
                client.rename_collection(temp, name)
            except Exception:
                if not client.has_collection(name):
                    raise
                client.drop_collection(temp)  # another searcher filled the same version first
        client.load_collection(name)

    def _drop_stale(self) -> None:
        """Drop this folder's collections whose version folder is gone, and old temp collections."""
        live = {collection_name(self.index_dir, p.name) for p in self.index_dir.glob("v-*") if p.is_dir()}
        for other in self.client.list_collections():
            if not other.startswith(self.prefix) or other in live:
                continue
            rest = other[len(self.prefix):]
            if rest.startswith(TEMP):
                stamp = rest[len(TEMP):].split("_")[0]
                if not stamp.isdigit() or time.time() - int(stamp) < STALE_TEMP_SECONDS:
                    continue  # possibly another searcher still filling it
            self.client.drop_collection(other)

    def _fill_temp(self, vectors: np.ndarray) -> str:
        """A new collection under a unique temp name, holding ``vectors``; returns its name."""
        from pymilvus import DataType

        client, temp = self.client, f"{self.prefix}{TEMP}{int(time.time())}_{uuid.uuid4().hex}"
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="IP")
        client.create_collection(temp, schema=schema, index_params=index, consistency_level="Strong")
        try:
            for start in range(0, self.rows, INSERT_BATCH):
                batch = vectors[start: start + INSERT_BATCH].astype(np.float32)
                client.insert(temp, [{"id": start + i, "vector": row.tolist()} for i, row in enumerate(batch)])
                self.inserted += len(batch)
            client.flush(temp)
        except BaseException:
            with suppress(Exception):  # else left for a later searcher to drop once stale
                client.drop_collection(temp)
            raise
        return temp

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, positions)`` of the ``k`` nearest rows, like ``index.vectors.search``."""
        k = min(k, self.rows)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        (hits,) = self.client.search(self.name, data=[query.astype(np.float32).ravel().tolist()], limit=k,
                                     output_fields=["id"], search_params={"metric_type": "IP"})
        return (np.array([h["distance"] for h in hits], dtype=np.float32),
                np.array([h["id"] for h in hits], dtype=np.int64))

    def close(self) -> None:
        """Close the client (and stop milvus-lite when no other searcher uses it); idempotent."""
        self._finalizer()
