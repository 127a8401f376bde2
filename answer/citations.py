"""Citations by id: claims cite chunk ids; this module turns them into ``[n]`` markers and
citation records, dropping every id that was not retrieved (and any claim left uncited)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from answer.records import Citation
from ingest.records import Chunk
from ingest.references import cited_numbers

_ID_MARKER = re.compile(r"\s*\[(?:id:\s*)?([0-9a-f]{16}(?:\s*,\s*(?:id:\s*)?[0-9a-f]{16})*)\]")


@dataclass
class Claim:
    """One answer sentence and the chunk ids (with the quoted span in each) that support it."""

    text: str
    sources: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class CitedText:
    answer: str
    citations: list[Citation]
    warnings: list[str]


def _reference_for(chunk: Chunk, quote: str) -> str | None:
    if chunk.kind == "reference":
        return chunk.text
    entries = [chunk.refs[str(n)] for n in cited_numbers(quote) if str(n) in chunk.refs]
    return "; ".join(entries) or None


def _with_marker(text: str, markers: list[int]) -> str:
    tags = "".join(f"[{m}]" for m in markers)
    body = text.rstrip()
    if body.endswith((".", "?", "!")):
        return f"{body[:-1]} {tags}{body[-1]}"
    return f"{body} {tags}"


def attach_citations(claims: list[Claim], retrieved: dict[str, Chunk], doc_texts: dict[str, str]) -> CitedText:
    """Number the sources of ``claims`` in order of first use and build the citation list; a
    passage used by several claims is one citation whose quote spans everything taken from it."""
    numbers: dict[str, int] = {}
    spans: dict[str, tuple[int, int]] = {}
    sentences, warnings = [], []
    for claim in claims:
        markers = []
        for chunk_id, start, end in claim.sources:
            chunk = retrieved.get(chunk_id)
            if chunk is None:
                warnings.append(f"dropped a citation to {chunk_id}, which was not retrieved")
                continue
            start, end = (start, end) if chunk.start <= start < end <= chunk.end else (chunk.start, chunk.end)
            numbers.setdefault(chunk_id, len(numbers) + 1)
            low, high = spans.get(chunk_id, (start, end))
            spans[chunk_id] = (min(low, start), max(high, end))
            markers.append(numbers[chunk_id])
        if markers:
            sentences.append(_with_marker(claim.text, sorted(set(markers))))
        else:
            warnings.append(f"removed an uncited sentence: {claim.text[:80]!r}")
    citations = [_citation(retrieved[cid], number, *spans[cid], doc_texts) for cid, number in numbers.items()]
    return CitedText(" ".join(sentences), citations, warnings)


def _citation(chunk: Chunk, marker: int, start: int, end: int, doc_texts: dict[str, str]) -> Citation:
    doc_text = doc_texts.get(chunk.doc, "")
    source = doc_text[chunk.start:chunk.end] or chunk.text
    quote = doc_text[start:end] or chunk.text
    return Citation(
        marker=marker, chunk_id=chunk.id, doc=chunk.doc, doc_title=chunk.doc_title, start=chunk.start, end=chunk.end,
        text=source, section=chunk.section_path, page=chunk.page, lines=[chunk.line_start, chunk.line_end],
        quote=quote, quote_start=start, quote_end=end, kind=chunk.kind, reference=_reference_for(chunk, quote),
        rendered=chunk.text if chunk.text != source else None, caption=chunk.caption,
    )


def claims_from_text(text: str) -> list[Claim]:
    """Split LLM output whose sentences end in ``[<chunk id>]`` markers into claims."""
    claims = []
    for part in re.split(r"(?<=[.!?\]])\s+(?=[A-Z0-9\"'(])", text.strip()):
        ids = [i.strip().removeprefix("id:").strip() for m in _ID_MARKER.finditer(part) for i in m.group(1).split(",")]
        body = _ID_MARKER.sub("", part).strip()
        if body:
            claims.append(Claim(body, [(i, -1, -1) for i in ids]))
    return claims
