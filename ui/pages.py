"""The cited passage where it is: a PDF page rendered with pypdfium2, the quote's character
boxes highlighted over it, or a text file's passage among its neighbouring lines."""
from __future__ import annotations

import base64
import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote as url_quote

from ui import render

RENDER_SCALE = 1.5  # 72 dpi points → pixels: an A4 page becomes about 890 × 1260 px
CONTEXT_LINES = 4
PROBE_CHARS = 40  # a quote not found whole is located by its first and last letters
LINE_TOLERANCE = 2.0  # points: characters whose baselines differ less sit on one line


@dataclass(frozen=True)
class PageImage:
    """One rendered page: PNG bytes and the highlight boxes as fractions of the page
    (left, top, width, height), top-left origin."""

    png: bytes
    boxes: tuple[tuple[float, float, float, float], ...]


def _letters(text: str) -> str:
    """Lower-case letters and digits of ``text``, ligatures unfolded (``ﬁ`` → ``fi``), so that
    hyphenation, line breaks and spacing do not stop a match."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def locate(page_chars: list[str], quote: str) -> list[int]:
    """Indices of the page characters that spell ``quote`` (whole, else from its first to its last
    ``PROBE_CHARS`` letters); [] when the page does not hold it."""
    hay, where = _letters_of(page_chars)
    needle = _letters(quote)
    if not needle:
        return []
    at = hay.find(needle)
    if at >= 0:
        return sorted(set(where[at: at + len(needle)]))
    head, tail = hay.find(needle[:PROBE_CHARS]), hay.find(needle[-PROBE_CHARS:])
    if head < 0 or tail < head:
        return []
    return sorted(set(where[head: tail + PROBE_CHARS]))


def _letters_of(page_chars: list[str]) -> tuple[str, list[int]]:
    """:func:`_letters` over per-index character strings (a pdfium index may yield several)."""
    chars, where = [], []
    for i, text in enumerate(page_chars):
        letters = _letters(text)
        chars.append(letters)
        where.extend([i] * len(letters))
    return "".join(chars), where


def _line_boxes(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes (left, bottom, right, top) merged into one box per line run."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        last = lines[-1] if lines else None
        if last and abs(last[1] - bottom) < LINE_TOLERANCE and left >= last[0] - LINE_TOLERANCE:
            last[0], last[1], last[2], last[3] = min(last[0], left), min(last[1], bottom), max(last[2], right), \
                max(last[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]


@lru_cache(maxsize=32)
def render_page(path: str, page: int, quote: str) -> PageImage | None:
    """Page ``page`` (1-based) of the PDF at ``path`` with ``quote``'s lines boxed; None when the
    page cannot be rendered."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except (pdfium.PdfiumError, OSError):
        return None
    try:
        if not 1 <= page <= len(pdf):
            return None
        sheet = pdf[page - 1]
        width, height = sheet.get_size()
        text = sheet.get_textpage()
        count = text.count_chars()
        chars = [text.get_text_range(i, 1) for i in range(count)]
        found = [text.get_charbox(i, loose=True) for i in locate(chars, quote) if chars[i].strip()]
        boxes = tuple((left / width, 1 - top / height, (right - left) / width, (top - bottom) / height)
                      for left, bottom, right, top in _line_boxes(found))
        image = sheet.render(scale=RENDER_SCALE).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return PageImage(buffer.getvalue(), boxes)
    finally:
        pdf.close()


def pdf_page_html(path: str, page: int, quote: str) -> str:
    """The page figure: image, highlight boxes and a link that opens the PDF at that page."""
    rendered = render_page(path, page, quote)
    link = f"/gradio_api/file={url_quote(str(Path(path).resolve()))}#page={page}"
    opener = f'<a class="src-open" href="{render.esc(link)}" target="_blank" rel="noopener">open the PDF at page {page}</a>'
    if rendered is None:
        return f'<div class="src-page-missing">Page {page} could not be rendered · {opener}</div>'
    marks = "".join(f'<div class="src-hl" style="left:{x:.2%};top:{y:.2%};width:{w:.2%};height:{h:.2%}"></div>'
                    for x, y, w, h in rendered.boxes)
    data = base64.b64encode(rendered.png).decode("ascii")
    return (f'<figure class="src-page"><div class="src-page-frame">'
            f'<img src="data:image/png;base64,{data}" alt="page {page}">{marks}</div>'
            f'<figcaption>Page {page} · {opener}</figcaption></figure>')


def text_context_html(doc_text: str, citation: dict, lines: int = CONTEXT_LINES) -> str:
    """The passage (its quote marked) with ``lines`` lines of the file before and after it."""
    start, end = citation.get("start") or 0, citation.get("end") or 0
    first = doc_text.rfind("\n", 0, start) + 1
    for _ in range(lines):
        if first == 0:
            break
        first = doc_text.rfind("\n", 0, first - 1) + 1
    stop = end
    unfinished = 0 if doc_text[end - 1: end] == "\n" else 1  # the passage's own line, when it ends mid-line
    for _ in range(lines + unfinished):
        newline = doc_text.find("\n", stop)
        stop = newline + 1 if newline >= 0 else len(doc_text)
    before, after = doc_text[first:start], doc_text[end:stop]
    return (f'<div class="src-context">{render.inline_markdown(before)}<span class="src-cited">'
            f'{render.highlighted(citation)}</span>{render.inline_markdown(after)}</div>')
