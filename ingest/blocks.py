"""The structural units a parser finds in a document, before chunking."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.records import ChunkKind, Reference


@dataclass
class Line:
    """One line of a document: 1-based number and its span (newline excluded)."""

    number: int
    start: int
    end: int
    text: str


@dataclass
class Block:
    """A paragraph, table row, list item or reference entry, with its section path.

    ``text`` is set when the record is rendered differently from ``doc_text[start:end]``
    (table rows with their header names, list items with field labels).
    """

    kind: ChunkKind
    start: int
    end: int
    line_start: int
    line_end: int
    section: list[str]
    text: str | None = None
    caption: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedDocument:
    """A document's title, its blocks in reading order and its reference list."""

    title: str
    blocks: list[Block]
    references: dict[int, Reference]


def split_lines(text: str) -> list[Line]:
    """All lines of ``text`` with their character spans."""
    lines = []
    for number, match in enumerate(re.finditer(r"[^\n]*(?:\n|$)", text), start=1):
        if match.start() == len(text) and not match.group():
            break
        raw = match.group().rstrip("\n").rstrip("\r")
        lines.append(Line(number, match.start(), match.start() + len(raw), raw))
    return lines


def attach_headings(blocks: list[Block], headings: list[tuple[Line, list[str]]], text: str) -> None:
    """Extend the first block under each heading to start at the heading line, so the passage
    (and its citation span) includes the heading. Only done when nothing but blank lines lies
    between the two: a span must not take in lines the parser dropped (badges, markup)."""
    ordered = sorted(blocks, key=lambda b: b.start)
    position = 0
    for line, section in headings:
        while position < len(ordered) and ordered[position].start < line.end:
            position += 1
        if (position < len(ordered) and ordered[position].section == section
                and not text[line.end:ordered[position].start].strip()):
            ordered[position].start, ordered[position].line_start = line.start, line.number
