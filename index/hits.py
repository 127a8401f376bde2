"""A retrieved chunk with its scores: what retrieval hands to the answerer."""
from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document

from ingest.records import Chunk


@dataclass
class Hit:
    """A retrieved chunk with its fused score and the ranks each retriever gave it."""

    chunk: Chunk
    score: float
    rank: int = 0
    dense_score: float | None = None
    bm25_score: float | None = None
    prior: float = 0.0
    named: bool = False

    def to_document(self) -> Document:
        """The hit as a LangChain ``Document`` with all citation metadata."""
        chunk = self.chunk
        metadata = {k: v for k, v in chunk.to_dict().items() if k != "text"}
        metadata.update(section=chunk.section_path, score=self.score, rank=self.rank)
        return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)
