"""Typed records produced by ingest: a loaded document and its chunks."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Literal

from core.manifest import CHUNKER_VERSION

ChunkKind = Literal["text", "table-row", "list-item", "reference"]


@dataclass
class PageSpan:
    """Characters ``start:end`` of a document's text came from PDF page ``page`` (1-based)."""

    page: int
    start: int
    end: int


@dataclass
class LoadedDocument:
    """A file read into text; ``text[start:end]`` is what every chunk span points into."""

    doc: str
    path: str
    text: str
    checksum: str
    pages: list[PageSpan] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The PDF page holding character ``offset``, or None for plain-text files."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.page
        return self.pages[-1].page if self.pages and offset >= self.pages[-1].end else None


@dataclass
class Reference:
    """One parsed entry of a survey's reference list."""

    number: int
    raw: str
    authors: str = ""
    title: str = ""
    venue: str = ""
    year: str = ""

    def short(self) -> str:
        """A one-line rendering: ``[12] Authors. Title. Venue, Year.``"""
        parts = [p for p in (self.authors, self.title, self.venue) if p]
        body = ". ".join(p.rstrip(". ") for p in parts) if self.title else self.raw
        if self.year and self.year not in body:
            body = f"{body}, {self.year}"
        return f"[{self.number}] {body.rstrip('. ')}."


@dataclass
class Chunk:
    """A retrievable unit of a document with everything a citation needs."""

    id: str
    doc: str
    doc_title: str
    section: list[str]
    kind: ChunkKind
    text: str
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None = None
    caption: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)

    def search_text(self) -> str:
        """Text indexed by BM25 and the embedder: context (title, section, caption) + body."""
        context = " | ".join(p for p in (self.doc_title, self.section_path, self.caption) if p)
        return f"{context}\n{self.text}" if context else self.text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Chunk":
        return cls(**data)


def chunk_id(doc: str, start: int, end: int, kind: str) -> str:
    """Stable id: hash of document, span, kind and chunker version."""
    key = f"{doc}|{start}|{end}|{kind}|{CHUNKER_VERSION}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]
