"""Blocks → chunks: text paragraphs are packed into sentence-bounded windows within a section;
table rows, list items and reference entries are one chunk each."""
from __future__ import annotations

from ingest.blocks import Block, ParsedDocument
from ingest.records import Chunk, LoadedDocument, chunk_id
from ingest.references import resolve
from ingest.sentences import sentence_spans


def _windows(spans: list[tuple[int, int]], target: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive sentence spans into windows of about ``target`` characters."""
    windows, first = [], 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= target:
            last += 1
        windows.append((spans[first][0], spans[last][1]))
        if last + 1 >= len(spans):
            break
        first = max(last + 1 - overlap, first + 1)
    return windows


def _text_spans(blocks: list[Block], text: str, target: int, overlap: int) -> list[tuple[Block, int, int]]:
    """Pack a run of same-section text blocks into windows; short paragraphs are merged."""
    out: list[tuple[Block, int, int]] = []
    pending: list[Block] = []

    def emit() -> None:
        if pending:
            spans = [s for b in pending for s in sentence_spans(text[b.start:b.end], b.start)]
            for start, end in _windows(spans, target, overlap):
                out.append((pending[0], start, end))
            pending.clear()

    for block in blocks:
        size = pending and block.end - pending[0].start
        if pending and (block.section != pending[0].section or size > target):
            emit()
        pending.append(block)
    emit()
    return out


def make_chunks(doc: LoadedDocument, parsed: ParsedDocument, target: int = 900, overlap: int = 1) -> list[Chunk]:
    """All chunks of one document, in reading order."""
    chunks: list[Chunk] = []
    run: list[Block] = []
    last: list = [None, 0, 0]  # block, start and first line of the previous chunk: lines are counted on from there

    def add(block: Block, start: int, end: int, body: str) -> None:
        _, at, line = last if last[0] is block and start >= last[1] else (block, block.start, block.line_start)
        line_start = line + doc.text.count("\n", at, start)
        last[:] = [block, start, line_start]
        line_end = line_start + doc.text.count("\n", start, end)
        chunks.append(Chunk(
            id=chunk_id(doc.doc, start, end, block.kind), doc=doc.doc, doc_title=parsed.title,
            section=block.section, kind=block.kind, text=body, start=start, end=end,
            line_start=line_start, line_end=line_end, page=doc.page_at(start), caption=block.caption,
            fields=block.fields, refs={} if block.kind == "reference" else resolve(body, parsed.references),
        ))

    def flush_run() -> None:
        for block, start, end in _text_spans(run, doc.text, target, overlap):
            add(block, start, end, doc.text[start:end])
        run.clear()

    for block in parsed.blocks:
        if block.kind == "text" and block.text is None:
            run.append(block)
            continue
        flush_run()
        add(block, block.start, block.end, block.text or doc.text[block.start:block.end])
    flush_run()
    return chunks
