"""A retrieved chunk with its scores: what retrieval hands to the answerer."""
from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.documents import Document

from ingest.records import Chunk


@dataclass
class Hit:
    """A retrieved chunk with its fused score and the raw score of each retriever (``channels``:
    dense, bm25, units) that found it; ``section_match`` is the share of the question's weighted
    terms in its section headings below the document's title."""

    chunk: Chunk
    score: float
    rank: int = 0
    channels: dict[str, float] = field(default_factory=dict)
    prior: float = 0.0
    named: bool = False
    section_match: float = 0.0

    def to_document(self) -> Document:
        """The hit as a LangChain ``Document`` with all citation metadata."""
        chunk = self.chunk
        metadata = {k: v for k, v in chunk.to_dict().items() if k != "text"}
        metadata.update(section=chunk.section_path, score=self.score, rank=self.rank)
        return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)
