"""Load a PDF into cleaned text plus per-page character spans.

Text comes from pypdf's plain ``extract_text()``, which follows content-stream order; for
two-column papers written column by column (LaTeX, Word) that reads the left column before
the right one. Each page is then cleaned: Unicode NFKC, running headers/footers removed,
words split across lines re-joined, whitespace tidied.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

from ingest.errors import UnreadableFile
from ingest.records import PageSpan

log = logging.getLogger(__name__)

PAGE_SEPARATOR = "\n\n"
EDGE_LINES = 2  # how many first/last non-empty lines of a page count as header/footer slots
_DROPPED_CHARS = {0x00AD: None, 0x0000: None}  # soft hyphen, NUL (pypdf's missing-glyph output)
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d+(?:\s*(?:/|of)\s*\d+)?|[-–—]\s*\d+\s*[-–—]", re.IGNORECASE)
_SPLIT_WORD = re.compile(r"(?<=[^\W\d_])[-\u2010][ \t]*\n[ \t]*(?=[^\W\d_])")


def load_pdf(path: Path) -> tuple[str, list[PageSpan]]:
    """Read ``path`` into ``(text, page_spans)``; raise ``UnreadableFile`` with a reason on failure.

    Pages are joined with a blank line; ``text[span.start:span.end]`` is page ``span.page``'s
    cleaned text (possibly empty).
    """
    path = Path(path)
    pages = _extract_pages(path)
    pages = remove_running_lines([normalise_unicode(p) for p in pages])
    pages = [tidy_whitespace(dehyphenate(p)) for p in pages]
    if not any(pages):
        raise UnreadableFile(str(path), "no extractable text (scanned or image-only PDF; OCR is not supported)")
    spans, start = [], 0
    for number, page in enumerate(pages, start=1):
        spans.append(PageSpan(page=number, start=start, end=start + len(page)))
        start += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(pages), spans


def _extract_pages(path: Path) -> list[str]:
    """Raw text of each page; a page whose extraction fails yields ``""``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise UnreadableFile(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise UnreadableFile(str(path), "empty file")
    if b"%PDF-" not in head:
        raise UnreadableFile(str(path), "not a PDF (no %PDF header)")
    try:
        reader = PdfReader(path)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types (PdfReadError, ValueError, KeyError, ...)
        raise UnreadableFile(str(path), f"corrupt PDF: {_short(exc)}") from exc
    if encrypted:
        try:
            decrypted = reader.decrypt("")
        except Exception as exc:  # e.g. AES without the optional crypto dependency
            raise UnreadableFile(str(path), f"encrypted PDF (cannot decrypt: {_short(exc)})") from exc
        if not decrypted:
            raise UnreadableFile(str(path), "encrypted PDF (password required)")
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise UnreadableFile(str(path), f"corrupt PDF: {_short(exc)}") from exc
    texts = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one bad page must not lose the whole document
            log.warning("%s: page %d: text extraction failed: %s", path, number, _short(exc))
            texts.append("")
    return texts


def _short(exc: Exception) -> str:
    """First line of an exception message (capped), or its type name when the message is empty."""
    message = str(exc).strip()
    return message.splitlines()[0][:120] if message else type(exc).__name__


def normalise_unicode(text: str) -> str:
    """NFKC-normalise (ligatures like "ﬁ" become "fi") and drop soft hyphens."""
    return unicodedata.normalize("NFKC", text).translate(_DROPPED_CHARS)


def _edge_indices(lines: list[str]) -> list[int]:
    """Indices of the first and last ``EDGE_LINES`` non-empty lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _line_key(line: str) -> str:
    """Comparison key for running lines: digits as '#', stripped, case-folded."""
    return re.sub(r"\d", "#", line).strip().casefold()


def is_page_number(line: str) -> bool:
    """True for bare page-number lines: "3", "Page 3", "3 / 12", "3 of 12", "- 3 -"."""
    return _PAGE_NUMBER.fullmatch(line.strip()) is not None


def remove_running_lines(pages: list[str]) -> list[str]:
    """Drop running headers/footers and page numbers from each page's edge lines.

    A line is running when its key sits in an edge slot on at least half of the pages, and on
    at least 3 pages (documents of 3+ pages) or every page (2-page documents).
    """
    split = [page.split("\n") for page in pages]
    counts = Counter(key for lines in split for key in {_line_key(lines[i]) for i in _edge_indices(lines)})
    needed = max(math.ceil(len(pages) / 2), min(3, len(pages)))
    running = {key for key, n in counts.items() if n >= needed} if len(pages) >= 2 else set()
    cleaned = []
    for lines in split:
        drop = {i for i in _edge_indices(lines) if _line_key(lines[i]) in running or is_page_number(lines[i])}
        cleaned.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return cleaned


def dehyphenate(text: str) -> str:
    """Join "transfor-\\nmer" into "transformer"; keep the break unless the next line starts lowercase."""
    return _SPLIT_WORD.sub(lambda m: "" if text[m.end()].islower() else m[0], text)


def tidy_whitespace(text: str) -> str:
    """Strip trailing spaces, collapse 3+ newlines to a blank line, trim the page's ends."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
