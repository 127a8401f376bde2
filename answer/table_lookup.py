"""Answers from tables: show a row's fields that the question asks about, and answer "which
rows ..." questions by scanning every row of the table for the question's distinguishing terms."""
from __future__ import annotations

import re

from index.entities import record_name
from index.text import tokenize
from index.units import LONG_FIELD
from ingest.records import Chunk

MAX_LISTED_ROWS = 10  # more matching rows are named, not shown
MAX_NAMED_ROWS = 8  # a long list names this many and counts the rest
_URL = re.compile(r"^\s*(\[[^\]]*\]\()?<?(https?://|www\.)", re.I)


def record_label(chunk: Chunk) -> str:
    """What a record is called in an answer: the model name of a row, the short title of an entry."""
    name = record_name(chunk)
    if name or chunk.kind != "list-item":
        return name
    title = chunk.fields.get("Title", "")
    return title if len(title) <= 60 else title[:57].rsplit(" ", 1)[0] + "…"


def focused_row(chunk: Chunk, weights: dict[str, float], limit: int = 260, prefer: tuple[str, ...] = (),
                only_asked: bool = False) -> str:
    """``Name — Field: value; ...`` for a table row or list entry, the fields the question
    mentions (or ``prefer`` names) first, and with ``only_asked`` no others when it has some; long
    fields (digests) are left to sentence units."""
    if not chunk.fields:
        return chunk.text
    name = record_label(chunk)
    scored = []
    for order, (header, value) in enumerate(chunk.fields.items()):
        if header == "Title" or len(value) > LONG_FIELD or value == name or name and name in value and len(value) < len(name) + 8:
            continue
        if _URL.match(value) and header not in prefer and not any(weights.get(t, 0.0) for t in tokenize(header)):
            continue  # an address is where the source lives, not what it says, unless asked for ("where is it linked")
        hit = sum(weights.get(t, 0.0) for t in dict.fromkeys(tokenize(f"{header} {value}"))) + 100.0 * (header in prefer)
        scored.append((-hit, order, f"{header}: {value}"))
    if only_asked and any(hit < 0 for hit, _, _ in scored):
        scored = [part for part in scored if part[0] < 0]
    parts, length = [], len(name)
    for _, _, part in sorted(scored):
        if length + len(part) > limit and parts:
            break
        parts.append(part)
        length += len(part) + 2
    return f"{name} — " + "; ".join(parts) if name else "; ".join(parts)


def matching_rows(rows: list[Chunk], weights: dict[str, float]) -> tuple[list[Chunk], set[str]]:
    """Rows that contain all of the question's distinguishing terms (terms found in some rows but
    not all), with those terms; empty when no term distinguishes rows or fewer than two match."""
    row_terms = [set(tokenize(r.text)) for r in rows]
    distinguishing = {t for t in weights if 0 < sum(t in terms for terms in row_terms) < len(rows)}
    if not distinguishing:
        return [], set()
    scores = [sum(weights[t] for t in distinguishing & terms) for terms in row_terms]
    best = max(scores)
    chosen = [row for row, score in zip(rows, scores) if best > 0 and score >= best - 1e-9]
    if len(chosen) < 2:
        return [], set()
    return chosen, distinguishing
