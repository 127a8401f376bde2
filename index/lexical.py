"""BM25 over chunk search texts (bm25s), saved as plain numpy/json files."""
from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from index.text import tokenize


class LexicalIndex:
    """BM25 scores for a query over every chunk."""

    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size
        self._idf: np.ndarray | None = None

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        model = bm25s.BM25()
        model.index([tokenize(t) or ["<empty>"] for t in texts], show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        model = bm25s.BM25.load(str(folder), allow_pickle=False, mmap=False, show_progress=False)
        return cls(model, size)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a (tokenised) term; unseen terms get the maximum."""
        if self._idf is None:
            indptr = np.asarray(self._model.scores["indptr"])
            df = np.diff(indptr).astype(np.float64)
            self._idf = np.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
        column = self._model.vocab_dict.get(token)
        return float(self._idf[column]) if column is not None else float(np.log(1.0 + (self.size + 0.5) / 0.5))

    def __contains__(self, token: str) -> bool:
        """True when the (tokenised) term occurs somewhere in the indexed chunks."""
        return token in self._model.vocab_dict

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per chunk (zeros when no query term is known)."""
        known = [t for t in tokenize(query) if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
