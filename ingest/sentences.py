"""Sentence boundaries with character offsets, aware of scholarly abbreviations; linear in the
text's size, with no sentence longer than ``MAX_SENTENCE_CHARS``."""
from __future__ import annotations

import re

# A boundary: sentence-final punctuation (optionally closed by a quote, bracket or citation),
# then whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?](?:[\"')\]]|\s?\[\d[\d,\s–-]*\])*\s+(?=[\"'(\[]?[A-Z0-9])")
_NUMBERING = re.compile(r"\d{1,2}(?:\.\d{1,2})*")  # "2.1." opening a numbered heading or list item
MAX_SENTENCE_CHARS = 2000  # above every sentence of the bundled and QASPER corpora (at most 1,433)
_ABBREVIATIONS = {
    "al", "e.g", "i.e", "fig", "figs", "eq", "eqs", "vs", "etc", "cf", "approx", "no", "nos", "vol", "pp",
    "ref", "refs", "sec", "dr", "prof", "mr", "ms", "inc", "ltd", "co", "jr", "sr", "st", "tab", "ch", "resp",
}


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    start = dot
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha() and text[start].isupper()  # an initial such as "H."


def _segments(text: str):
    """Stretches of ``text`` between hard line breaks; a break inside a sentence (no closing
    punctuation before it, a lower-case word after it, as PDF extraction leaves) is soft."""
    start = 0
    for brk in re.finditer(r"\n\s*", text):
        last = brk.start()  # only spaces or tabs lie between it and the previous break's end
        while last > 0 and text[last - 1].isspace():
            last -= 1
        before, after = text[last - 1: last], text[brk.end(): brk.end() + 1]
        if before and before not in ".!?:;" and after.islower():
            continue
        yield start, brk.start()
        start = brk.end()
    yield start, len(text)


def sentence_spans(text: str, offset: int = 0, min_chars: int = 1) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text``, shifted by ``offset``; line breaks
    end a sentence unless they fall inside one. A longer run is cut into pieces of at most
    ``MAX_SENTENCE_CHARS``, at its last line break in reach, else its last space."""
    spans: list[tuple[int, int]] = []
    for seg_start, seg_end in _segments(text):
        begin = seg_start
        for match in _BOUNDARY.finditer(text, seg_start, seg_end):
            if text[match.start()] == "." and (
                _is_abbreviation(text, match.start()) or _NUMBERING.fullmatch(text[begin:match.start()].strip())
            ):
                continue
            end = match.end() - (len(match.group()) - len(match.group().rstrip()))
            _append(spans, text, begin, end, min_chars)
            begin = match.end()
        _append(spans, text, begin, seg_end, min_chars)
    return [(s + offset, e + offset) for s, e in spans]


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int, min_chars: int) -> None:
    """Add the whitespace-trimmed span, in pieces of at most ``MAX_SENTENCE_CHARS``."""
    while True:
        while start < end and text[start].isspace():
            start += 1
        stop = _cut(text, start, end)
        piece = stop
        while piece > start and text[piece - 1].isspace():
            piece -= 1
        if piece - start >= min_chars:
            spans.append((start, piece))
        if stop >= end:
            return
        start = stop


def _cut(text: str, start: int, end: int) -> int:
    """Where the piece from ``start`` ends: ``end`` when in reach, else the last line break
    (else space) before the limit, else the limit."""
    limit = start + MAX_SENTENCE_CHARS
    if end <= limit:
        return end
    for separator in ("\n", " "):
        cut = text.rfind(separator, start + 1, limit)
        if cut > start:
            return cut
    return limit
