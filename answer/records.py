"""The answer record shared by the CLI, batch, eval and the UI (schema of data/eval/README.md),
the passages it shows, and the abstention text."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.retrieval import Hit

ABSTAIN_TEXT = "The indexed documents do not answer this question."


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long, not valid Unicode)."""


@dataclass
class Citation:
    """One cited passage: ``text`` is ``document[start:end]`` (the passage as in the file),
    ``quote_start:quote_end`` the sentence(s) the answer took from it, and ``rendered`` the
    labelled form of a table row or list entry (``Model: X; Backbone: Y``); ``caption`` names
    a table row's table."""

    marker: int
    chunk_id: str
    doc: str
    doc_title: str
    start: int
    end: int
    text: str
    section: str
    page: int | None
    lines: list[int]
    quote: str
    quote_start: int
    quote_end: int
    kind: str = "text"
    reference: str | None = None
    rendered: str | None = None
    caption: str = ""


@dataclass
class Passage:
    """One retrieved passage, in rank order; ``text`` is ``document[start:end]``."""

    rank: int
    chunk_id: str
    doc: str
    start: int
    end: int
    text: str
    score: float
    section: str = ""
    kind: str = "text"
    page: int | None = None
    rendered: str | None = None


@dataclass
class Answer:
    """A question's answer with inline ``[n]`` markers, its citations and the retrieved passages."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    mode: str = "extractive"
    latency_ms: float = 0.0
    id: str | None = None
    support: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    llm: dict | None = None  # with an LLM backend: model, calls, input_tokens, output_tokens
    strategy: str = ""  # the extractive strategy that made the answer (answer.strategies.ORDER)
    explanation: list[str] = field(default_factory=list)  # when asked: why the top units ranked as they did

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Answer":
        data = dict(data)
        data["citations"] = [Citation(**c) for c in data.get("citations", [])]
        data["retrieved"] = [Passage(**p) for p in data.get("retrieved", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def passages(hits: list[Hit], doc_texts: dict[str, str]) -> list[Passage]:
    """Retrieved passages as records: the document's own text of each span, plus the labelled
    rendering when the chunk is a table row, list entry or reference."""
    out = []
    for h in hits:
        c = h.chunk
        source = doc_texts.get(c.doc, "")[c.start:c.end] or c.text
        out.append(Passage(rank=h.rank, chunk_id=c.id, doc=c.doc, start=c.start, end=c.end, text=source,
                           score=round(h.score, 6), section=c.section_path, kind=c.kind, page=c.page,
                           rendered=c.text if c.text != source else None))
    return out
