"""Answer candidates ("units") cut from chunks: sentences of prose, whole table rows, single
fields of list entries (the digest split into sentences) and reference entries. The index stores
a vector per unit, so answering never embeds them; ``core.manifest.UNITS_VERSION`` changes
whenever the cutting does."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from index.hits import Hit
from index.text import tokenize
from ingest.records import Chunk
from ingest.sentences import sentence_spans

LONG_FIELD = 200  # a list-entry field longer than this is prose (a digest), cut into sentences
_MIN_CHARS = 25
_HEADING_LIKE = re.compile(r"^(#+\s|\d+(\.\d+)*\.?\s+\S+(\s\S+){0,10}$)")


@dataclass
class Unit:
    """A candidate piece of answer with the document span it came from."""

    hit: Hit
    text: str
    start: int
    end: int
    terms: frozenset
    score: float = 0.0
    verbatim: bool = True
    position: int = 0
    field: str = ""
    ordinal: int = 0  # its place among the chunk's units, which is also its row in the index's unit vectors
    label: str = ""  # what ``text`` starts with to say where it comes from: "PMC-CLIP (digest): "

    @property
    def doc(self) -> str:
        return self.hit.chunk.doc

    @property
    def body(self) -> str:
        """The text without its label: the sentence or row as the source has it."""
        return self.text[len(self.label):]


def _sentences(hit: Hit, text: str, offset: int | None) -> list[Unit]:
    """Sentence units of ``text``; spans are document offsets when ``offset`` is given,
    else the chunk's span (rendered text that is not a verbatim slice of the document)."""
    chunk, out = hit.chunk, []
    for position, (start, end) in enumerate(sentence_spans(text)):
        body = " ".join(text[start:end].split())
        if len(body) < _MIN_CHARS or _HEADING_LIKE.match(body):
            continue
        span = (offset + start, offset + end) if offset is not None else (chunk.start, chunk.end)
        out.append(Unit(hit, body, *span, frozenset(tokenize(body)), verbatim=offset is not None, position=position))
    return out


def _short_title(title: str) -> str:
    head = title.split(":", 1)[0]
    return head if len(head) <= 60 else title[:57].rsplit(" ", 1)[0] + "…"


def units_of(hit: Hit, doc_text: str) -> list[Unit]:
    """Split one retrieved chunk into answer candidates."""
    units = _cut(hit, doc_text)
    for ordinal, unit in enumerate(units):
        unit.ordinal = ordinal
    return units


def unit_texts(chunk: Chunk, doc_text: str) -> list[str]:
    """The text of each unit of ``chunk``, in :func:`units_of` order (what the index embeds)."""
    return [u.text for u in units_of(Hit(chunk, 0.0), doc_text)]


def unit_spans(chunk: Chunk, doc_text: str) -> list[tuple[str, tuple[int, int] | None]]:
    """Each unit's text (as :func:`unit_texts`) with where its body lies in ``chunk.search_text()``,
    whitespace aside, searched in order from the chunk's body; ``None`` for a body not found there."""
    search_text = chunk.search_text()
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", search_text)]
    spaced = " " + " ".join(search_text[a:b] for a, b in words) + " "
    starts = list(accumulate((b - a + 1 for a, b in words), initial=0))  # where each word starts in ``spaced``, less 1
    first_body = bisect_left([a for a, _ in words], len(search_text) - len(chunk.text))
    cursor, out = starts[first_body], []
    for unit in units_of(Hit(chunk, 0.0), doc_text):
        needle = " " + " ".join(unit.body.split()) + " "
        at = spaced.find(needle, cursor) if needle.strip() else -1
        at = spaced.find(needle, starts[first_body]) if at < 0 and needle.strip() else at
        if at < 0:
            out.append((unit.text, None))
            continue
        first = bisect_left(starts, at)
        last = first + needle.count(" ") - 2
        out.append((unit.text, (words[first][0], words[last][1])))
        cursor = at
    return out


def _cut(hit: Hit, doc_text: str) -> list[Unit]:
    chunk = hit.chunk
    if chunk.kind == "text":
        verbatim = doc_text[chunk.start:chunk.end] == chunk.text
        units = _sentences(hit, chunk.text, chunk.start if verbatim else None)
        for unit in units:
            unit.verbatim = verbatim
        return units
    if chunk.kind == "list-item":
        title = chunk.fields.get("Title", "")
        name = _short_title(title)
        short = " ".join(f"{k} {v}" for k, v in chunk.fields.items() if len(v) <= LONG_FIELD)
        out = [Unit(hit, title, chunk.start, chunk.end, frozenset(tokenize(short)), field="record")]
        for field, value in chunk.fields.items():
            if len(value) > LONG_FIELD:
                label = f"{name} ({field.lower()}): "
                out.extend(Unit(u.hit, label + u.text, u.start, u.end, u.terms | frozenset(tokenize(name)),
                                position=u.position + 1, field=field, label=label)
                           for u in _sentences(hit, value, None))
        return out
    context = f"{chunk.caption} " if chunk.kind == "table-row" else ""
    return [Unit(hit, chunk.text, chunk.start, chunk.end, frozenset(tokenize(context + chunk.text)))]
