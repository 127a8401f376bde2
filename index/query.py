"""A question analysed once (:meth:`index.retrieval.Retriever.analyse`) and passed to retrieval and
answering: its weighted terms, intent and focus, the records and survey it names, its vectors."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from index.intent import Intent, measure_words
from index.text import tokenize


@dataclass
class Query:
    """``weights``: IDF of each question term in question order (ties break alike in every
    process); words that only name a survey weigh 0, and a spelled-out record name adds the name's
    terms. ``prior``: how strongly it names each document (0..1). ``names``: record names it
    mentions; ``named``: their chunk positions. The vectors are embedded on first use."""

    text: str
    intent: Intent
    weights: dict[str, float]
    prior: dict[str, float]
    names: list[str]
    named: list[int]
    embed: Callable[[str], np.ndarray] = field(repr=False)
    adapt: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)

    def coverage(self, terms) -> float:
        """Share of the question's weighted terms among ``terms`` (a unit's, a section heading's)."""
        return sum(w for t, w in self.weights.items() if t in terms) / (sum(self.weights.values()) or 1.0)

    @cached_property
    def focus(self) -> str:
        """The rarest weighted term: what the question is most specifically about ('' if none)."""
        focus = max(self.weights, key=self.weights.get, default="")
        return focus if focus and self.weights[focus] > 0 else ""

    @cached_property
    def measure(self) -> str:
        """The rarest weighted term of the measure the question asks a figure of (``Dice`` in "what Dice
        coefficient does X reach"), '' when it names none: the figure must come with that term."""
        terms = [t for t in tokenize(measure_words(self.text)) if self.weights.get(t, 0.0) > 0]
        return max(terms, key=self.weights.get, default="")

    @cached_property
    def vector(self) -> np.ndarray:
        """The embedder's vector of the question (how answer sentences are compared with it)."""
        return self.embed(self.text)

    @cached_property
    def search_vector(self) -> np.ndarray:
        """The vector dense search compares with passages and units (``adapt`` applied)."""
        return self.adapt(self.vector) if self.adapt else self.vector
