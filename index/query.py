"""A question analysed once (:meth:`index.retrieval.Retriever.analyse`) and passed to retrieval and
answering: its weighted terms, intent and focus, the records and survey it names, its vectors."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from index.intent import Intent


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

    @cached_property
    def focus(self) -> str:
        """The rarest weighted term: what the question is most specifically about ('' if none)."""
        focus = max(self.weights, key=self.weights.get, default="")
        return focus if focus and self.weights[focus] > 0 else ""

    @cached_property
    def vector(self) -> np.ndarray:
        """The embedder's vector of the question (how answer sentences are compared with it)."""
        return self.embed(self.text)

    @cached_property
    def search_vector(self) -> np.ndarray:
        """The vector dense search compares with passages and units (``adapt`` applied)."""
        return self.adapt(self.vector) if self.adapt else self.vector
