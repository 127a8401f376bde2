"""FAISS inner-product index over unit vectors: exact flat, or HNSW / IVF for large corpora."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


def build_faiss(vectors: np.ndarray, kind: str = "flat", hnsw_m: int = 32, ivf_nlist: int = 1024) -> faiss.Index:
    """An index over ``vectors`` (rows are unit vectors, so inner product is cosine)."""
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(64, hnsw_m * 2)
    elif kind == "ivf":
        nlist = max(1, min(ivf_nlist, len(vectors) // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    else:
        raise ValueError(f"unknown index type {kind!r}: use flat, hnsw or ivf")
    if len(vectors):
        index.add(vectors)
    return index


def tune(index: faiss.Index, ef_search: int = 128, nprobe: int = 32) -> faiss.Index:
    """Apply search-time parameters of approximate indexes."""
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = nprobe
    return index


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))


def search(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(scores, positions)`` of the ``k`` nearest rows; missing slots are dropped."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    scores, positions = index.search(query.reshape(1, -1).astype(np.float32), k)
    keep = positions[0] >= 0
    return scores[0][keep], positions[0][keep]
