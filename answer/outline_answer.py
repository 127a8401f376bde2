"""Answers to broad questions ("What are the main challenges ...?") from the documents' structure:
when a section of a retrieved document is about what the question asks for, its subsections are
the answer, each cited to the passage that opens it."""
from __future__ import annotations

import re

from answer.citations import Claim
from answer.wording import short_title
from index.hits import Hit
from index.text import tokenize
from ingest.records import Chunk

# "What are the main X", "Which key open X ...": X is what the question wants listed.
_BROAD = re.compile(r"^\s*(?:what|which)\s+(?:(?:are|were)\s+)?(?:the\s+)?(?:(?:main|key|major|principal|primary|central|"
                    r"biggest|most important|open|remaining|current)\s+)+([a-z][\w-]*)", re.I)
# "... in its Challenges section": the section a question names.
_NAMED_SECTION = re.compile(r"\b(?:its|the|their)\s+((?:[A-Z][\w-]*\s+){1,3})(?:section|chapter)\b")
_NUMBERING = re.compile(r"^\s*(?:[0-9IVX]+(?:\.[0-9]+)*\.?|[A-Z]\.)\s+")
MIN_PARTS, MAX_PARTS = 2, 12


def asked_topic(question: str) -> set[str]:
    """The terms of what a broad question asks to list ("challenges"), or nothing."""
    match = _BROAD.search(question)
    return set(tokenize(match.group(1))) if match else set()


def asked_topics(question: str) -> list[set[str]]:
    """What a broad question asks to list, then the section it names ("... major obstacles ... in
    its Challenges section": obstacles, then challenges); empty for other questions."""
    topic = asked_topic(question)
    if not topic:
        return []
    named = [set(tokenize(m.group(1))) for m in _NAMED_SECTION.finditer(question)]
    return [topic] + [t for t in named if t and t != topic]


def _heading(section: list[str], depth: int) -> str:
    return _NUMBERING.sub("", section[depth]).strip()


def outline_claims(question: str, hits: list[Hit], doc_chunks: dict[str, list[Chunk]],
                   docs=None) -> tuple[list[Claim], list[Hit]]:
    """One claim listing the subsections of the section about the asked topic (or else the section
    the question names), in the best-ranked document (of ``docs``, when given) that has one, citing
    the first passage of each subsection (``doc_chunks``: each document's chunks in order)."""
    ranked = list(dict.fromkeys(h.chunk.doc for h in hits if not docs or h.chunk.doc in docs))
    for topic in asked_topics(question):
        for doc in ranked:
            parts: dict[str, Chunk] = {}
            section = None
            for chunk in doc_chunks.get(doc, []):
                for depth, heading in enumerate(chunk.section[:-1]):
                    if topic <= set(tokenize(_heading(chunk.section, depth))) and section in (None, chunk.section[: depth + 1]):
                        section = chunk.section[: depth + 1]
                        parts.setdefault(_heading(chunk.section, depth + 1), chunk)
                        break
            if section and MIN_PARTS <= len(parts) <= MAX_PARTS:
                title = _NUMBERING.sub("", section[-1]).strip()
                first = next(iter(parts.values()))
                text = f"The section “{title}” of {short_title(first.doc_title, first.doc)} covers: " + "; ".join(parts) + "."
                return [Claim(text, [(c.id, c.start, c.end) for c in parts.values()])], [Hit(c, 0.0) for c in parts.values()]
    return [], []
